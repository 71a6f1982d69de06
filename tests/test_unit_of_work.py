"""One commit per unit of work: services flush, the request (or the batch) commits once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from carehub import create_app
from carehub.common.errors import Invalid
from carehub.extensions import db
from carehub.registry.models import Resident
from carehub.registry.services.residents import create_resident
from tests.factories import resident_payload


@pytest.fixture
def shaped_app(app, world):
    """A second app on the same database, with routes that call a service and then go on."""
    other = create_app({**app.config, "SERVER_NAME": None})

    @other.post("/t/create-then-fail/<int:station_id>")
    def create_then_fail(station_id):
        _create(station_id, 1)
        raise Invalid.field("later", "a rule checked after the resident was flushed")

    @other.post("/t/create-then-refuse/<int:station_id>")
    def create_then_refuse(station_id):
        _create(station_id, 2)
        return "refused", 400

    @other.post("/t/create/<int:station_id>")
    def create(station_id):
        return {"id": _create(station_id, 3).id}, 201

    return other


def _create(station_id: int, seq: int) -> Resident:
    from carehub.auth.models import User

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    return create_resident(admin, resident_payload(station_id, seq=seq))


def _committed_residents(app) -> int:
    """Counted on a connection of its own: only what was committed."""
    with app.app_context(), db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Resident))


def test_a_request_that_fails_after_a_service_flushed_leaves_nothing(shaped_app, world):
    client = shaped_app.test_client()
    response = client.post(f"/t/create-then-fail/{world.station_a}")
    assert response.status_code == 400
    refused = client.post(f"/t/create-then-refuse/{world.station_a}")
    assert refused.status_code == 400
    assert _committed_residents(shaped_app) == 0


def test_a_request_that_succeeds_commits_once_at_its_end(shaped_app, world):
    response = shaped_app.test_client().post(f"/t/create/{world.station_a}")
    assert response.status_code == 201
    assert _committed_residents(shaped_app) == 1


def test_services_flush_inside_a_request_and_commit_without_one(app, world):
    with app.test_request_context("/"):
        _create(world.station_a, 4)
        assert db.session.scalar(select(func.count()).select_from(Resident)) == 1
        assert _committed_residents(app) == 0  # flushed, not committed: the request owns it
        db.session.rollback()
    with app.app_context():
        _create(world.station_a, 5)  # no owner (a shell): the service's block commits
    assert _committed_residents(app) == 1
