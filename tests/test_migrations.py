"""The Alembic history builds exactly the schema the models describe, on this test run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from carehub.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_catalogue_is_loaded_by_the_migration(app):
    from carehub.registry.models import ServiceType

    with app.app_context():
        services = {s.code: s for s in db.session.scalars(db.select(ServiceType))}
        assert set(services) >= {"MEAL", "CLEAN", "BATH", "MEDICAL", "ESCORT", "EMERGENCY"}
        assert services["BATH"].carers == 2 and services["BATH"].skill_codes == ["bathing"]


def test_downgrade_then_upgrade_round_trips(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        assert "residents" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "residents" in inspect(db.engine).get_table_names()
