"""Visits through the API: filters, scoping, one-off requests, the state machine; holidays; offers."""

from __future__ import annotations

import pytest

from tests.careplans.helpers import add_plan, add_resident, generate, item, visits


@pytest.fixture
def api(client, world):
    """Like the shared ``api`` fixture, with PUT and DELETE as well."""

    class Client:
        def __init__(self, token):
            self.headers = {"Authorization": f"Bearer {token}"}

        def __getattr__(self, method):
            return lambda url, **kw: getattr(client, method)(url, headers=self.headers, **kw)

    return lambda username: Client(world.tokens[username])


def _planned(api, world) -> tuple:
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1, level=3)
    add_plan(coord, resident, item("MEAL", "每天"), item("BATH", "每周三", funding="low_cost"))
    generate(coord, days=7)
    return coord, resident


def test_filters_by_date_service_state_funding_and_carers(api, world):
    coord, _ = _planned(api, world)
    assert len(visits(coord)) == 8
    assert len(visits(coord, service_code="BATH")) == 1
    assert len(visits(coord, funding="low_cost", carers=2)) == 1
    assert len(visits(coord, date_from="2026-01-06", date_to="2026-01-07")) == 3
    assert len(visits(coord, state="cancelled")) == 0
    bad = coord.get("/api/v1/visits", query_string={"state": "lost", "carers": "9"})
    assert bad.status_code == 422 and {"state", "carers"} <= set(bad.json["errors"])


def test_visits_are_station_scoped(api, world):
    coord, _ = _planned(api, world)
    visit_id = visits(coord)[0]["id"]
    other = api("coord_b")
    assert other.get("/api/v1/visits").json["total"] == 0
    assert other.get(f"/api/v1/visits/{visit_id}").status_code == 404
    assert other.post(f"/api/v1/visits/{visit_id}/cancel", json={"reason": "x"}).status_code == 404
    assert api("auditor").get(f"/api/v1/visits/{visit_id}").status_code == 200
    assert api("manager").get("/api/v1/visits").status_code == 403


def test_cancel_with_reason_once(api, world):
    coord, _ = _planned(api, world)
    visit_id = visits(coord)[0]["id"]
    missing = coord.post(f"/api/v1/visits/{visit_id}/cancel", json={})
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    done = coord.post(f"/api/v1/visits/{visit_id}/cancel", json={"reason": "家属接走"})
    assert done.status_code == 200, done.json
    assert done.json["state"] == "cancelled" and done.json["cancel_reason"] == "家属接走"
    last = done.json["events"][-1]
    assert (last["from_state"], last["to_state"], last["username"]) == (
        "planned", "cancelled", "coord_a")  # fmt: skip
    again = coord.post(f"/api/v1/visits/{visit_id}/cancel", json={"reason": "again"})
    assert again.status_code == 409 and again.json["error"] == "illegal_transition"
    assert "state" in again.json["errors"]


def test_only_legal_transitions(app, api, world):
    coord, _ = _planned(api, world)
    visit_id = visits(coord)[0]["id"]
    from carehub.common.errors import Conflict
    from carehub.extensions import db
    from carehub.visits.models import Visit, VisitEvent
    from carehub.visits.states import transition

    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        for illegal in ("completed", "verified", "in_progress"):
            with pytest.raises(Conflict):
                transition(None, visit, illegal)
        for step in ("scheduled", "in_progress", "completed", "verified"):
            transition(None, visit, step)
        with pytest.raises(Conflict):
            transition(None, visit, "cancelled", "too late")
        db.session.commit()
        event = db.session.get(VisitEvent, visit.events[0].id)
        event.reason = "rewritten"
        with pytest.raises(ValueError):
            db.session.commit()
        db.session.rollback()
    assert [e["to_state"] for e in coord.get(f"/api/v1/visits/{visit_id}").json["events"]] == [
        "planned", "scheduled", "in_progress", "completed", "verified"]  # fmt: skip


def test_a_one_off_and_an_urgent_request(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    body = {"resident_id": resident, "service_code": "EMERGENCY", "visit_date": "2026-01-05",
            "windows": [{"start": "15:00", "end": "16:00"}], "funding": "government",
            "urgent": True}  # fmt: skip
    response = coord.post("/api/v1/visits", json=body)
    assert response.status_code == 201, response.json
    assert response.json["source"] == "urgent" and response.json["plan_item_id"] is None
    assert response.json["duration_minutes"] > 0
    past = coord.post("/api/v1/visits", json={**body, "visit_date": "2026-01-04"})
    assert past.status_code == 422 and "visit_date" in past.json["errors"]
    volunteer = coord.post("/api/v1/visits", json={**body, "funding": "volunteer"})
    assert volunteer.status_code == 422 and volunteer.json["error"] == "not_volunteer_suitable"
    elsewhere = api("coord_b").post("/api/v1/visits", json=body)
    assert elsewhere.status_code == 404


def test_holiday_calendar_and_overrides(api):
    coord, admin = api("coord_a"), api("admin")
    year = coord.get("/api/v1/holidays", query_string={"year": 2026}).json
    days = {d["day"]: d for d in year["days"]}
    assert year["known"] is True
    assert days["2026-02-14"]["is_workday"] is True and days["2026-02-17"]["holiday"] is True
    assert coord.get("/api/v1/holidays", query_string={"year": 2031}).json["known"] is False
    override = {"day": "2031-01-01", "is_workday": False, "name": "元旦"}
    assert coord.post("/api/v1/holidays", json=override).status_code == 403
    assert admin.post("/api/v1/holidays", json=override).status_code == 201
    twice = admin.post("/api/v1/holidays", json=override)
    assert twice.status_code == 409 and twice.json["error"] == "override_exists"
    year = coord.get("/api/v1/holidays", query_string={"year": 2031}).json
    assert year["known"] is True and year["days"][0]["source"] == "override"
    assert admin.delete("/api/v1/holidays/2031-01-01").status_code == 204
    assert admin.delete("/api/v1/holidays/2031-01-01").status_code == 404
    assert admin.delete("/api/v1/holidays/not-a-date").status_code == 422


def test_volunteer_offer_only_suitable_services(api, world):
    coord = api("coord_a")
    from tests.factories import id_number

    body = {"station_id": world.station_a, "name": "赵志愿", "id_number": id_number(50),
            "joined_on": "2025-03-01"}  # fmt: skip
    volunteer = coord.post("/api/v1/volunteers", json=body)
    assert volunteer.status_code == 201, volunteer.json
    url = f"/api/v1/volunteers/{volunteer.json['id']}/offer"
    offer = {"availability": [{"weekday": 1, "start": "09:00", "end": "11:30"}],
             "services": ["COMPANION", "ERRAND"]}  # fmt: skip
    saved = coord.put(url, json=offer)
    assert saved.status_code == 200, saved.json
    assert saved.json["services"] == ["COMPANION", "ERRAND"]
    assert saved.json["availability"] == [{"weekday": 1, "start": "09:00", "end": "11:30"}]
    bad = coord.put(url, json={**offer, "services": ["BATH"]})
    assert bad.status_code == 422 and "services.0" in bad.json["errors"]
    assert coord.get(url).json["services"] == ["COMPANION", "ERRAND"]
    assert api("coord_b").get(url).status_code == 404


def test_openapi_documents_the_new_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/care-plans", "/api/v1/visits", "/api/v1/holidays",
                 "/api/v1/visits/{visit_id}/cancel", "/api/v1/volunteers/{volunteer_id}/offer"):  # fmt: skip
        assert path in paths


def test_a_volunteer_edits_only_their_own_offer(app, api, client, world):
    coord = api("coord_a")
    from carehub.auth.services import create_user, issue_token
    from tests.factories import id_number

    ids = []
    for seq in (60, 61):
        body = {"station_id": world.station_a, "name": f"志愿者{seq}",
                "id_number": id_number(seq), "joined_on": "2025-03-01"}  # fmt: skip
        ids.append(coord.post("/api/v1/volunteers", json=body).json["id"])
    with app.app_context():
        user = create_user("vol", "password123", "volunteer", ["S-A"], volunteer_id=ids[0])
        token = issue_token(user)[0]
    headers = {"Authorization": f"Bearer {token}"}
    offer = {"availability": [{"weekday": 5, "start": "14:00", "end": "17:00"}],
             "services": ["MEAL"]}  # fmt: skip
    own = client.put(f"/api/v1/volunteers/{ids[0]}/offer", json=offer, headers=headers)
    assert own.status_code == 200 and own.json["services"] == ["MEAL"]
    other = client.put(f"/api/v1/volunteers/{ids[1]}/offer", json=offer, headers=headers)
    assert other.status_code == 404
    assert coord.get(f"/api/v1/volunteers/{ids[0]}/offer").json["services"] == ["MEAL"]


def test_the_database_refuses_to_rewrite_a_visit_event(app, api, world):
    coord, _ = _planned(api, world)
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from carehub.extensions import db

    with app.app_context():
        with pytest.raises(DatabaseError):
            db.session.execute(text("UPDATE visit_events SET reason = 'rewritten'"))
        db.session.rollback()
        assert (
            db.session.scalar(text("SELECT count(*) FROM visit_events WHERE reason = 'rewritten'"))
            == 0
        )
