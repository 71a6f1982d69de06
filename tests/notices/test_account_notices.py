"""Notices to user accounts: an escalated complaint reaches the station's coordinator and the
bureau's auditor (not another station's coordinator), shown as a badge and a list, read once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from carehub.extensions import db
from carehub.notices.models import Notice
from carehub.visits.complaints import escalate_overdue

BODY = {"channel": "phone", "complainant": "李明", "summary": "送餐晚了一个小时"}


def _escalated(app, api, world) -> int:
    made = api("coord_a").post("/api/v1/complaints", json={**BODY, "station_id": world.station_a})
    assert made.status_code == 201, made.json
    with app.app_context():
        assert escalate_overdue(date(2026, 1, 13)) == [made.json["id"]]
        db.session.commit()
    return made.json["id"]


def test_an_escalation_notifies_the_station_head_and_the_bureau(app, api, world, login, client):
    complaint = _escalated(app, api, world)
    with app.app_context():
        again = escalate_overdue(date(2026, 1, 14))
        db.session.commit()
        notices = db.session.scalars(select(Notice)).all()
        readers = {world.user(name).id for name in ("coord_a", "auditor")}
        assert again == [] and {n.user_id for n in notices} == readers and len(notices) == 2
        assert all(n.code == "complaint_escalated" and n.params["id"] == complaint
                   for n in notices)  # fmt: skip
    coord = login("coord_a")
    page = coord.get("/notices").get_data(as_text=True)
    assert f"投诉 {complaint}" in page and "已上报" in page
    assert 'class="notice-badge unread"' in coord.get("/schedule").get_data(as_text=True)
    ids = [str(n) for n in _ids(app, world, "coord_a")]
    assert coord.post("/notices/read", data={"notice_id": ids}).status_code == 302
    assert "没有未读通知" in coord.get("/notices").get_data(as_text=True)
    client.post("/logout")
    other = login("coord_b")
    assert "notice-badge unread" not in other.get("/notices").get_data(as_text=True)
    client.post("/logout")
    assert f"投诉 {complaint}" in login("auditor").get("/notices").get_data(as_text=True)


def _ids(app, world, username: str) -> list[int]:
    with app.app_context():
        user_id = world.user(username).id
        return list(db.session.scalars(select(Notice.id).where(Notice.user_id == user_id)))


def test_a_notice_has_exactly_one_recipient(app, world):
    with app.app_context():
        both = Notice(station_id=world.station_a, code="route_changed", params={},
                      user_id=world.user("coord_a").id, caregiver_id=None)  # fmt: skip
        none = Notice(station_id=world.station_a, code="route_changed", params={})
        db.session.add(none)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(both)
        db.session.flush()  # one recipient: fine
        db.session.rollback()
