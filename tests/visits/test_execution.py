"""Check-in and check-out: the state machine, flags, offline records, two carers, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carehub.extensions import db
from carehub.visits.execution import distance_m
from carehub.visits.execution_models import CheckEvent
from carehub.visits.models import Visit
from tests.factories import ApiClient
from tests.visits.execution_helpers import HOME, NOW, freeze, published_day

AT_HOME = {"latitude": HOME[0], "longitude": HOME[1], "accuracy_m": 20}


@pytest.fixture
def day(app, api, world, monkeypatch):
    freeze(monkeypatch, NOW)
    return published_day(app, api, world)


@pytest.fixture
def carer(client, day):
    return ApiClient(client, day.tokens["carer1"])


def state(app, visit_id: int) -> str:
    with app.app_context():
        return db.session.get(Visit, visit_id).state


def test_great_circle_distance():
    assert distance_m(*HOME, *HOME) == 0
    # one thousandth of a degree of latitude is about 111 m anywhere
    assert 110 <= distance_m(32.060, 118.78, 32.061, 118.78) <= 112


def test_check_in_then_out_moves_the_visit_and_keeps_the_place(app, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    checked_in = carer.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME)
    assert checked_in.status_code == 201, checked_in.json
    assert checked_in.json["visit_state"] == "in_progress"
    assert checked_in.json["distance_m"] == 0 and not checked_in.json["far"]
    assert checked_in.json["at"].startswith("2026-01-05T01:10")
    freeze(monkeypatch, NOW + timedelta(minutes=40))
    out = carer.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME)
    assert out.status_code == 201, out.json
    assert state(app, visit) == "completed"


def test_no_check_out_before_check_in(app, carer, day):
    visit = day.visit_ids[0]
    refused = carer.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME)
    assert refused.status_code == 409 and refused.json["error"] == "not_checked_in"
    assert state(app, visit) == "scheduled"


def test_a_second_check_in_is_refused(carer, day):
    url = f"/api/v1/visits/{day.visit_ids[0]}/check-in"
    assert carer.post(url, json=AT_HOME).status_code == 201
    again = carer.post(url, json=AT_HOME)
    assert again.status_code == 409 and again.json["error"] == "already_recorded"


def test_a_check_in_far_from_home_is_flagged(carer, day):
    far = {"latitude": HOME[0] + 0.01, "longitude": HOME[1], "accuracy_m": 10}  # ~1.1 km north
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=far)
    assert response.status_code == 201
    assert response.json["far"] and 1100 <= response.json["distance_m"] <= 1120


def test_the_far_threshold_is_configurable(app, carer, day, monkeypatch):
    monkeypatch.setitem(app.config, "CAREHUB_CHECKIN_FAR_M", 2000)
    far = {"latitude": HOME[0] + 0.01, "longitude": HOME[1], "accuracy_m": 10}
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=far)
    assert not response.json["far"]


def test_an_inaccurate_or_missing_fix_is_flagged(carer, day):
    poor = {**AT_HOME, "accuracy_m": 900}
    assert carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=poor).json["inaccurate"]


def test_no_location_is_flagged_inaccurate(carer, day):
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json={})
    assert response.status_code == 201 and response.json["inaccurate"]
    assert response.json["distance_m"] is None


def test_an_offline_check_in_keeps_its_original_time(app, carer, day):
    earlier = (NOW - timedelta(minutes=5)).isoformat()
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in",
                          json={**AT_HOME, "client_at": earlier})  # fmt: skip
    assert response.status_code == 201, response.json
    assert response.json["offline"]
    assert response.json["at"].startswith("2026-01-05T01:05")
    assert response.json["received_at"].startswith("2026-01-05T01:10")


@pytest.mark.parametrize("offset, code", [
    (timedelta(minutes=30), "in_future"),
    (-timedelta(hours=25), "too_old"),
    (-timedelta(hours=10), "before_visit_day"),  # 23:10 the evening before, in Nanjing
])  # fmt: skip
def test_offline_times_out_of_bounds_are_refused(carer, day, offset, code):
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in",
                          json={**AT_HOME, "client_at": (NOW + offset).isoformat()})  # fmt: skip
    assert response.status_code == 422 and response.json["error"] == code
    assert "client_at" in response.json["errors"]


def test_a_naive_client_time_is_refused(carer, day):
    response = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in",
                          json={"client_at": "2026-01-05T09:00:00"})  # fmt: skip
    assert response.status_code == 422 and "client_at" in response.json["errors"]


def test_a_manual_entry_is_flagged_and_needs_a_reason(app, api, day):
    coord = api("coord_a")
    url = f"/api/v1/visits/{day.visit_ids[0]}/manual-checks"
    body = {"kind": "in", "at": NOW.isoformat()}
    assert coord.post(url, json=body).status_code == 422
    entered = coord.post(url, json={**body, "reason": "手机没电"})
    assert entered.status_code == 201, entered.json
    assert entered.json["manual"] and entered.json["manual_reason"] == "手机没电"
    assert state(app, day.visit_ids[0]) == "in_progress"


def test_a_carer_cannot_enter_manual_checks(carer, day):
    url = f"/api/v1/visits/{day.visit_ids[0]}/manual-checks"
    body = {"kind": "in", "at": NOW.isoformat(), "reason": "x"}
    assert carer.post(url, json=body).status_code == 403


def test_two_carers_complete_the_visit_when_the_last_checks_out(app, api, world, client,
                                                                 monkeypatch):  # fmt: skip
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world, service="BATH", carers=2)
    first, second = (ApiClient(client, day.tokens[n]) for n in ("carer1", "carer2"))
    visit = day.visit_ids[0]
    assert first.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME).status_code == 201
    assert second.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME).status_code == 201
    freeze(monkeypatch, NOW + timedelta(minutes=60))
    assert first.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME).status_code == 201
    assert state(app, visit) == "in_progress"
    assert second.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME).status_code == 201
    assert state(app, visit) == "completed"
    with app.app_context():
        seats = {(c.seat, c.kind) for c in db.session.query(CheckEvent)}
    assert seats == {(1, "in"), (2, "in"), (1, "out"), (2, "out")}


def test_a_carer_not_on_the_visit_gets_not_found(api, day):
    other = api("carer")  # a caregiver account without this visit on its route
    response = other.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=AT_HOME)
    assert response.status_code == 404


def test_another_stations_coordinator_cannot_see_the_visit(api, day):
    url = f"/api/v1/visits/{day.visit_ids[0]}/manual-checks"
    body = {"kind": "in", "at": NOW.isoformat(), "reason": "x"}
    assert api("coord_b").post(url, json=body).status_code == 404
    assert api("auditor").post(url, json=body).status_code == 403


def test_the_same_idempotency_key_returns_the_first_answer(app, carer, day):
    url = f"/api/v1/visits/{day.visit_ids[0]}/check-in"
    headers = {**carer.headers, "Idempotency-Key": "k-1"}
    first = carer.client.post(url, json=AT_HOME, headers=headers)
    again = carer.client.post(url, json=AT_HOME, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers.get("Idempotent-Replayed") == "true"
    other = carer.client.post(url, json={}, headers=headers)
    assert other.status_code == 422 and other.json["error"] == "idempotency_key_reused"
    with app.app_context():
        assert db.session.query(CheckEvent).count() == 1


def test_a_no_show_becomes_missed_with_who_and_why(app, api, day):
    coord = api("coord_a")
    url = f"/api/v1/visits/{day.visit_ids[0]}/missed"
    assert coord.post(url, json={"reason": ""}).status_code == 422
    missed = coord.post(url, json={"reason": "老人不在家"})
    assert missed.status_code == 200, missed.json
    last = missed.json["events"][-1]
    assert (last["to_state"], last["username"], last["reason"]) == (
        "missed",
        "coord_a",
        "老人不在家",
    )


def test_check_events_cannot_be_rewritten(app, carer, day):
    carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=AT_HOME)
    with app.app_context():
        event = db.session.query(CheckEvent).one()
        event.distance_m = 5
        with pytest.raises(ValueError):
            db.session.flush()
        db.session.rollback()


def test_a_completed_visit_holds_the_six_evv_elements(api, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    carer.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME)
    assert api("coord_a").get(f"/api/v1/visits/{visit}/evv").json["end"] is None
    freeze(monkeypatch, NOW + timedelta(minutes=40))
    carer.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME)
    evv = api("coord_a").get(f"/api/v1/visits/{visit}/evv").json
    assert (
        evv["service_code"] == "MEAL" and evv["resident_id"] and evv["visit_date"] == "2026-01-05"
    )
    assert evv["address"] == "鼓楼区中山路1号"
    assert evv["start"].startswith("2026-01-05T01:10") and evv["end"].startswith("2026-01-05T01:50")
    assert [c["caregiver_id"] for c in evv["carers"]] == day.caregiver_ids
    assert evv["carers"][0]["check_out"]["distance_m"] == 0
    assert api("coord_b").get(f"/api/v1/visits/{visit}/evv").status_code == 404


def test_a_visit_of_another_day_takes_no_check_in(carer, day, monkeypatch):
    freeze(monkeypatch, NOW - timedelta(days=1))
    refused = carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=AT_HOME)
    assert refused.status_code == 409 and refused.json["error"] == "not_visit_day"
