"""Whatever a client sends to the new endpoints, the answer is a coded 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.careplans.helpers import add_plan, add_resident, item

GARBAGE = [None, "x", 0, -1, 2**40, 1.5, True, [], {}, [{}], {"a": 1}, "2026-13-45", "25:99"]


@pytest.fixture
def ids(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    plan = add_plan(coord, resident, item("MEAL", "每天"))
    return {"resident": resident, "plan": plan["id"]}


def _bodies(base: dict):
    for key in base:
        for value in GARBAGE:
            yield {**base, key: value}
    yield {}
    yield {"unexpected": 1}


def _check(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.json["code"] == response.status_code


def test_care_plan_bodies(api, ids):
    coord = api("coord_a")
    base = {"resident_id": ids["resident"], "effective_from": "2026-02-01", "reason": "r",
            "items": [item("MEAL", "每天")]}  # fmt: skip
    for body in _bodies(base):
        _check(coord.post("/api/v1/care-plans", json=body))
        _check(coord.post(f"/api/v1/care-plans/{ids['plan']}/versions", json=body))
    entry = {**item("MEAL", rrule="FREQ=DAILY"), "line": 1, "duration_minutes": 30, "carers": 1,
             "preferred_caregivers": [], "excluded_caregivers": [], "sex_preference": "F",
             "volunteer_suitable": False, "start_date": "2026-02-01", "end_date": None,
             "notes": "", "workdays_only": False, "recurrence_words": "每天"}  # fmt: skip
    for bad in _bodies(entry):
        body = {"effective_from": "2026-03-01", "items": [bad]}
        _check(coord.post(f"/api/v1/care-plans/{ids['plan']}/versions", json=body))
    for windows in ([{"start": "09:00"}], [{"start": "x", "end": "y"}], [1, 2], "a",
                    [{"start": "09:00", "end": "10:00"}] * 3,
                    [{"start": "09:00", "end": "10:00"}, {"start": "09:30", "end": "11:00"}]):  # fmt: skip
        body = {"effective_from": "2026-03-02", "items": [{**entry, "windows": windows}]}
        _check(coord.post(f"/api/v1/care-plans/{ids['plan']}/versions", json=body))


def test_visit_and_holiday_bodies(api, ids):
    coord, admin = api("coord_a"), api("admin")
    request = {"resident_id": ids["resident"], "service_code": "MEAL", "visit_date": "2026-02-01",
               "windows": [{"start": "11:00", "end": "12:00"}], "funding": "paid",
               "urgent": False, "carers": 1, "duration_minutes": 30, "notes": ""}  # fmt: skip
    for body in _bodies(request):
        _check(coord.post("/api/v1/visits", json=body))
    for body in _bodies({"reason": "r", "version": 1}):
        _check(coord.post("/api/v1/visits/1/cancel", json=body))
    for body in _bodies({"days": 3, "station_id": 1}):
        _check(coord.post("/api/v1/visits/generate", json=body))
    for body in _bodies({"day": "2031-05-01", "is_workday": False, "name": "劳动节"}):
        _check(admin.post("/api/v1/holidays", json=body))
    for query in ({"year": "x"}, {"year": "99999"}, {}, {"year": "2100"}):
        _check(coord.get("/api/v1/holidays", query_string=query))
    for query in ({"date_from": "x"}, {"carers": "3"}, {"page": "0"}, {"per_page": "100000"},
                  {"station_id": "-1"}, {"resident_id": "99999999999999999999"}):  # fmt: skip
        _check(coord.get("/api/v1/visits", query_string=query))
        _check(coord.get("/api/v1/care-plans", query_string=query))
    for query in ({"rrule": "FREQ=DAILY;BYDAY=+1MO"}, {"rrule": ";;"}, {"rrule": "FREQ"},
                  {"words": "x" * 61}, {"rrule": "FREQ=MONTHLY;BYMONTHDAY=0"}):  # fmt: skip
        _check(coord.get("/api/v1/care-plans/recurrence", query_string=query))
    _check(coord.post("/api/v1/care-plans", data="not json", content_type="application/json"))
