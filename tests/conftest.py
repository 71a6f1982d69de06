"""Shared fixtures: one migrated database per test run, emptied after every test.

The database is SQLite unless CAREHUB_TEST_DATABASE_URL names another (CI sets a throw-away
PostgreSQL database). Tests that never touch the database don't pay for it.
"""

from __future__ import annotations

import os

import pytest

from tests.factories import World, build_world, kept_catalogue, ledger_unlocked

CATALOGUE_TABLES = {"service_types", "service_skills"}  # loaded by the migration; see catalogue
KEEP_TABLES = {"alembic_version", *CATALOGUE_TABLES}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """SQLite: a file per process. PostgreSQL (CAREHUB_TEST_DATABASE_URL): that database, or
    under pytest-xdist a copy per worker (``<name>_gw0`` …), created here and dropped after."""
    url = os.environ.get("CAREHUB_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'carehub-test.db'}"
        return
    if worker_id == "master":
        yield url
        return
    from scripts import pgdb

    own = pgdb.create(url, f"{url.rsplit('/', 1)[1]}_{worker_id}")
    try:
        yield own
    finally:
        pgdb.drop(url, own)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from carehub import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "CAREHUB_ARGON2_TIME_COST": 1,
            "CAREHUB_ARGON2_MEMORY_KIB": 1024,
            # concurrency tests run 16 clients in one process: each gets a connection, so
            # they contend for the database's locks, not for the pool (30 s waits on a busy CI)
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": True,
                "pool_size": 20,
                "max_overflow": 10,
            },
        }
    )
    with app.app_context():
        upgrade()
        _fast_sqlite(app)
    return app


def _fast_sqlite(app) -> None:
    """Tests throw the file away: skip SQLite's fsync on every commit."""
    from sqlalchemy import event

    from carehub.extensions import db

    if db.engine.dialect.name != "sqlite":
        return
    db.engine.dispose()

    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(autouse=True)
def _empty_database(request):
    """Empty every table (but the catalogue) after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from carehub.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        # DELETE beats TRUNCATE on tables this small (TRUNCATE rewrites files on PostgreSQL).
        with db.engine.begin() as conn, ledger_unlocked(conn):
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def runner(app):
    """Runs ``carehub`` commands against the test app: ``runner.invoke(args=[...], input=...)``."""
    return app.test_cli_runner()


@pytest.fixture
def catalogue(app):
    """The service catalogue (kept from the migration, shared by every test) is put back as it
    was after a test that changes it; ask for this fixture rather than restoring it by hand."""
    with kept_catalogue(app, CATALOGUE_TABLES):
        yield


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    """A small district: two stations, one account per role, a provider with a contract."""
    with app.app_context():
        return build_world()


@pytest.fixture
def api(client, world):
    """``api(role)`` returns a client wrapper that sends that role's bearer token."""
    from tests.factories import ApiClient

    return lambda username: ApiClient(client, world.tokens[username])


@pytest.fixture
def login(client):
    """``login(username)`` logs the test client in through the real form."""

    def _login(username: str, password: str = "password123"):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
