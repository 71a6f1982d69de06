"""Follow-up calls: which visits get one (first, alert, low rating, a stable sample), the call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from carehub.extensions import db
from carehub.visits.execution_models import FollowUp
from carehub.visits.followups import sampled
from carehub.visits.models import Visit
from tests.careplans.helpers import add_plan, add_resident, generate, item
from tests.factories import ApiClient
from tests.visits.execution_helpers import NOW, add_carer, freeze, publish
from tests.visits.test_execution import AT_HOME

DAY = timedelta(days=1)


@pytest.fixture
def two_days(app, api, world, client, monkeypatch):
    """One resident with a daily meal, today's and tomorrow's visits on one carer's route."""
    monkeypatch.setitem(app.config, "CAREHUB_FOLLOW_UP_PERCENT", 0)
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每天"))
    generate(coord, days=2)
    with app.app_context():
        carer_id, token = add_carer(world, "护理员1", "carer1")
        ids = list(db.session.scalars(select(Visit.id).order_by(Visit.visit_date)))
        for n, visit_id in enumerate(ids):
            publish(visit_id, carer_id, start=NOW + n * DAY)
    return ids, ApiClient(client, token)


def serve(carer, visit_id, monkeypatch, start, place=AT_HOME):
    freeze(monkeypatch, start)
    assert carer.post(f"/api/v1/visits/{visit_id}/check-in", json=place).status_code == 201
    freeze(monkeypatch, start + timedelta(minutes=40))
    assert carer.post(f"/api/v1/visits/{visit_id}/check-out", json=AT_HOME).status_code == 201


def reasons(app) -> dict[int, str]:
    with app.app_context():
        return {f.visit_id: f.reason for f in db.session.scalars(select(FollowUp))}


def test_the_first_visit_gets_a_call_and_an_ordinary_second_none(app, two_days, monkeypatch):
    (first, second), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    serve(carer, second, monkeypatch, NOW + DAY)
    assert reasons(app) == {first: "first_visit"}


def test_a_far_check_in_gets_a_call(app, two_days, monkeypatch):
    (first, second), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    far = {**AT_HOME, "latitude": AT_HOME["latitude"] + 0.01}
    serve(carer, second, monkeypatch, NOW + DAY, place=far)
    assert reasons(app)[second] == "alert"


def test_a_late_start_gets_a_call(app, two_days, monkeypatch):
    (first, second), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    serve(carer, second, monkeypatch, NOW + DAY + timedelta(minutes=25))  # 09:35, window 09:00
    assert reasons(app)[second] == "alert"


def test_everything_is_sampled_at_100_percent(app, two_days, monkeypatch):
    monkeypatch.setitem(app.config, "CAREHUB_FOLLOW_UP_PERCENT", 100)
    (first, second), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    serve(carer, second, monkeypatch, NOW + DAY)
    assert reasons(app)[second] == "sample"


def test_the_sample_is_stable_and_about_its_share():
    picked = [v for v in range(1, 20_001) if sampled(v, 10)]
    assert 1_800 < len(picked) < 2_200
    assert picked == [v for v in range(1, 20_001) if sampled(v, 10)]
    assert not any(sampled(v, 0) for v in range(1, 500))
    assert all(sampled(v, 100) for v in range(1, 500))


def test_a_confirming_call_verifies_the_visit(app, api, two_days, monkeypatch):
    (first, _), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    coord = api("coord_a")
    listed = coord.get("/api/v1/follow-ups", query_string={"open": "true"}).json["items"]
    assert [f["visit_id"] for f in listed] == [first]
    url = f"/api/v1/follow-ups/{listed[0]['id']}/call"
    assert coord.post(url, json={"outcome": "confirmed", "satisfaction": 6}).status_code == 422
    done = coord.post(url, json={"outcome": "confirmed", "satisfaction": 4, "notes": "满意"})
    assert done.status_code == 200, done.json
    assert done.json["satisfaction"] == 4 and done.json["done_at"]
    assert coord.get(f"/api/v1/visits/{first}").json["state"] == "verified"
    assert coord.get(f"/api/v1/visits/{first}/verification").json["method"] == "follow_up"
    assert coord.post(url, json={"outcome": "confirmed"}).status_code == 409


def test_follow_ups_are_station_scoped(app, api, two_days, monkeypatch):
    (first, _), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    assert api("coord_b").get("/api/v1/follow-ups").json["items"] == []
    call = api("coord_a").get("/api/v1/follow-ups").json["items"][0]["id"]
    refused = api("coord_b").post(f"/api/v1/follow-ups/{call}/call", json={"outcome": "confirmed"})
    assert refused.status_code == 404


def test_the_database_refuses_to_rewrite_proof(app, api, two_days, monkeypatch):
    (first, _), carer = two_days
    serve(carer, first, monkeypatch, NOW)
    with app.app_context():
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE visit_check_events SET distance_m = 7"))
        db.session.rollback()
        cleared = db.session.execute(
            text("UPDATE visit_check_events SET latitude = NULL, longitude = NULL")
        )
        assert cleared.rowcount == 2
        db.session.rollback()
