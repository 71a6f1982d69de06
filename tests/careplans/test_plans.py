"""Care plans through the API: defaults, validation naming the field, versions, scoping."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.careplans.helpers import add_plan, add_resident, item


def test_plan_items_take_their_defaults_from_the_catalogue_and_the_resident(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1, level=3, caregiver_sex_preference="F")
    plan = add_plan(coord, resident, item("BATH", "每周二和周五"), item("MEAL", "每个工作日"))
    bath, meal = plan["current"]["items"]
    assert bath["carers"] == 2  # bathing at ability level 3
    assert bath["duration_minutes"] == 60  # the catalogue's minutes for bathing
    assert bath["sex_preference"] == "F"
    assert bath["rrule"] == "FREQ=WEEKLY;BYDAY=TU,FR"
    assert bath["recurrence"] == {"zh": "每周二和周五", "en": "every Tuesday and Friday"}
    assert meal["carers"] == 1 and meal["workdays_only"] is True
    assert meal["recurrence"]["zh"] == "每个工作日"
    assert plan["current"]["number"] == 1 and plan["current"]["effective_from"] == "2026-01-05"


def test_bath_for_a_resident_able_to_bathe_needs_one_carer(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1, level=1)
    plan = add_plan(
        coord, resident, item("BATH", rrule="FREQ=WEEKLY;BYDAY=WE", duration_minutes=45)
    )
    assert plan["current"]["items"][0]["carers"] == 1
    assert plan["current"]["items"][0]["duration_minutes"] == 45


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        ({"rrule": "FREQ=SECONDLY"}, "items.0.rrule", "bad_recurrence"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "items.0.rrule", "bad_recurrence"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"}, "items.0.rrule", "bad_recurrence"),
        ({"rrule": "FREQ=DAILY;COUNT=3"}, "items.0.rrule", "bad_recurrence"),
        ({"recurrence_words": "每逢初一十五"}, "items.0.recurrence_words", "bad_recurrence"),
        ({}, "items.0.rrule", "recurrence_required"),
        ({"rrule": "FREQ=DAILY", "volunteer_suitable": True}, "items.0.volunteer_suitable",
         "not_volunteer_suitable"),
        ({"rrule": "FREQ=DAILY", "funding": "volunteer"}, "items.0.funding", "volunteer_funding"),
        ({"rrule": "FREQ=DAILY", "start_date": "2026-02-01", "end_date": "2026-01-31"},
         "items.0.end_date", "bad_dates"),
        ({"rrule": "FREQ=DAILY", "preferred_caregivers": [999]}, "items.0.preferred_caregivers",
         "no_caregiver"),
    ],
)  # fmt: skip
def test_a_bad_item_is_refused_naming_its_field(api, world, bad, field, code):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    body = {"resident_id": resident, "items": [{**item("CLEAN"), **bad}]}
    response = coord.post("/api/v1/care-plans", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == code
    assert field in response.json["errors"]
    assert coord.get("/api/v1/care-plans").json["total"] == 0


def test_schema_bounds_name_the_field(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    body = {"resident_id": resident,
            "items": [item("MEAL", "每天", windows=[{"start": "12:00", "end": "11:00"}],
                           carers=3, notes="x" * 501)]}  # fmt: skip
    response = coord.post("/api/v1/care-plans", json=body)
    assert response.status_code == 422
    assert {"items.0.windows.0.end", "items.0.carers", "items.0.notes"} <= set(
        response.json["errors"]
    )


def test_volunteer_suitability_is_also_a_database_constraint(app, api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    plan = add_plan(coord, resident, item("COMPANION", "每周三", volunteer_suitable=True,
                                           funding="volunteer"))  # fmt: skip
    from carehub.careplans.models import CarePlanItem
    from carehub.extensions import db

    with app.app_context():
        row = db.session.get(CarePlanItem, plan["current"]["items"][0]["id"])
        row.service_code = "CLEAN"
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_one_plan_per_resident(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每天"))
    again = coord.post("/api/v1/care-plans", json={"resident_id": resident, "items": []})
    assert again.status_code == 409 and again.json["error"] == "plan_exists"


def test_a_new_version_keeps_the_history(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    plan = add_plan(coord, resident, item("MEAL", "每天"), item("CLEAN", "每周一"))
    line = plan["current"]["items"][0]["line"]
    body = {"effective_from": "2026-01-12", "reason": "午餐改晚",
            "items": [item("MEAL", "每天", line=line, windows=[{"start": "11:00", "end": "12:30"}])]}  # fmt: skip
    response = coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=body)
    assert response.status_code == 201, response.json
    first, second = response.json["versions"]
    assert first["effective_to"] == "2026-01-11"
    assert second["effective_from"] == "2026-01-12" and second["effective_to"] is None
    assert [i["line"] for i in second["items"]] == [line]
    assert len(first["items"]) == 2  # the old version is untouched
    assert response.json["current"]["reason"] == "午餐改晚"


@pytest.mark.parametrize(
    ("effective_from", "code"),
    [("2026-01-04", "past_date"), ("2026-01-05", "effective_from_order")],
)
def test_a_version_cannot_start_in_the_past_or_before_the_current_one(
    api, world, effective_from, code
):
    coord = api("coord_a")
    plan = add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每天"))
    body = {"effective_from": effective_from, "items": []}
    response = coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=body)
    assert response.status_code == 422 and response.json["error"] == code
    assert "effective_from" in response.json["errors"]


def test_plans_are_station_scoped(api, world):
    coord_a, coord_b = api("coord_a"), api("coord_b")
    resident = add_resident(coord_a, world.station_a, 1)
    plan = add_plan(coord_a, resident, item("MEAL", "每天"))
    assert coord_b.get(f"/api/v1/care-plans/{plan['id']}").status_code == 404
    assert coord_b.get("/api/v1/care-plans").json["total"] == 0
    assert api("admin").get("/api/v1/care-plans").json["total"] == 1
    body = {"effective_from": "2026-02-01", "items": []}
    assert coord_b.post(f"/api/v1/care-plans/{plan['id']}/versions", json=body).status_code == 404
    other = {"resident_id": resident, "items": []}
    assert coord_b.post("/api/v1/care-plans", json=other).status_code == 404
    assert api("carer").get("/api/v1/care-plans").status_code == 403
    assert api("auditor").post("/api/v1/care-plans", json=other).status_code == 403


def test_recurrence_helper_both_ways(api, world):
    coord = api("coord_a")
    words = coord.get("/api/v1/care-plans/recurrence", query_string={"words": "隔周六"}).json
    assert words["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"
    assert words["recurrence"]["en"] == "every other Saturday"
    rule = coord.get("/api/v1/care-plans/recurrence",
                     query_string={"rrule": "FREQ=MONTHLY;BYDAY=+1MO"}).json  # fmt: skip
    assert rule["recurrence"] == {"zh": "每月第一个周一", "en": "the first Monday of every month"}
    bad = coord.get("/api/v1/care-plans/recurrence", query_string={"words": "sometimes"})
    assert bad.status_code == 422 and "words" in bad.json["errors"]
