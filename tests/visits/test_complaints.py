"""Complaints: first responsible, deadlines in workdays (weekends, 春节, 调休), escalation."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.visits.complaints import due_on, escalate_overdue

BODY = {"channel": "phone", "complainant": "李明", "summary": "送餐晚了一个小时"}


@pytest.mark.parametrize("received, due", [
    (date(2026, 1, 5), date(2026, 1, 12)),  # Monday: the weekend does not count
    (date(2026, 1, 9), date(2026, 1, 16)),  # Friday
    (date(2026, 2, 12), date(2026, 2, 26)),  # before 春节: Sat 14 is a 调休 workday, 15-23 off
    (date(2026, 2, 25), date(2026, 3, 3)),  # Sat 28 is a 调休 workday
])  # fmt: skip
def test_the_deadline_counts_workdays_on_the_holiday_calendar(ctx, received, due):
    assert due_on(received, 5) == due


def test_a_complaint_is_received_by_whoever_took_it(app, api, world):
    coord = api("coord_a")
    made = coord.post("/api/v1/complaints", json={**BODY, "station_id": world.station_a})
    assert made.status_code == 201, made.json
    assert made.json["state"] == "received" and made.json["due_on"] == "2026-01-12"
    with app.app_context():
        assert made.json["received_by"] == world.user("coord_a").id


def test_a_complaint_moves_on_to_a_reply(api, world):
    coord = api("coord_a")
    made = coord.post("/api/v1/complaints", json={**BODY, "station_id": world.station_a}).json
    url = f"/api/v1/complaints/{made['id']}/steps"
    assert coord.post(url, json={"to_state": "replied", "reply": "x"}).status_code == 409
    assert coord.post(url, json={"to_state": "in_progress"}).status_code == 200
    assert (
        coord.post(url, json={"to_state": "resolved", "notes": "已调换护理员"}).status_code == 200
    )
    assert coord.post(url, json={"to_state": "replied"}).status_code == 422  # no reply text
    replied = coord.post(url, json={"to_state": "replied", "reply": "已电话告知"})
    assert replied.status_code == 200 and replied.json["replied_at"]


def test_complaints_are_station_scoped(api, world):
    made = api("coord_a").post("/api/v1/complaints", json={**BODY, "station_id": world.station_a})
    assert api("coord_b").get(f"/api/v1/complaints/{made.json['id']}").status_code == 404
    assert api("coord_b").get("/api/v1/complaints").json["items"] == []
    other = api("coord_b").post("/api/v1/complaints", json={**BODY, "station_id": world.station_a})
    assert other.status_code in (403, 404, 422)
    assert api("auditor").get(f"/api/v1/complaints/{made.json['id']}").status_code == 200


def test_an_overdue_complaint_is_escalated_once(app, api, world):
    made = api("coord_a").post("/api/v1/complaints", json={**BODY, "station_id": world.station_a})
    with app.app_context():
        assert escalate_overdue(date(2026, 1, 12)) == []  # due that day: not yet overdue
        assert escalate_overdue(date(2026, 1, 13)) == [made.json["id"]]
        assert escalate_overdue(date(2026, 1, 14)) == []
        from carehub.extensions import db

        db.session.commit()
    shown = api("coord_a").get(f"/api/v1/complaints/{made.json['id']}").json
    assert shown["escalated_at"]
