"""Verification: proof before billing, the resident's card code, corrections, settlement's query."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from carehub.extensions import db
from carehub.visits.execution_models import FollowUp, Verification
from carehub.visits.models import Visit
from carehub.visits.verification import card_code, verified_visits
from tests.factories import ApiClient
from tests.visits.execution_helpers import NOW, freeze, published_day
from tests.visits.test_execution import AT_HOME


@pytest.fixture
def day(app, api, world, monkeypatch):
    freeze(monkeypatch, NOW)
    return published_day(app, api, world, residents=2)


@pytest.fixture
def carer(client, day):
    return ApiClient(client, day.tokens["carer1"])


def complete(carer, visit_id, monkeypatch, minutes=40):
    freeze(monkeypatch, NOW)
    assert carer.post(f"/api/v1/visits/{visit_id}/check-in", json=AT_HOME).status_code == 201
    freeze(monkeypatch, NOW + timedelta(minutes=minutes))
    assert carer.post(f"/api/v1/visits/{visit_id}/check-out", json=AT_HOME).status_code == 201


def code_of(app, visit_id: int) -> str:
    with app.app_context():
        return card_code(db.session.get(Visit, visit_id))


def verify(client, visit_id, **body):
    return client.post(f"/api/v1/visits/{visit_id}/verification", json=body)


def test_no_verification_before_check_out(app, carer, day):
    visit = day.visit_ids[0]
    carer.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME)
    refused = verify(carer, visit, method="resident_code", code=code_of(app, visit))
    assert refused.status_code == 409 and refused.json["error"] == "not_completed"


def test_no_verification_without_check_in(api, day):
    refused = verify(api("coord_a"), day.visit_ids[0], method="coordinator")
    assert refused.status_code == 409


def test_the_card_code_verifies_once(app, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    complete(carer, visit, monkeypatch)
    code = code_of(app, visit)
    done = verify(carer, visit, method="resident_code", code=code,
                  checklist={"meal_delivered": True}, rating=5)  # fmt: skip
    assert done.status_code == 201, done.json
    assert done.json["method"] == "resident_code" and done.json["minutes"] == 40
    assert done.json["checklist"] == {"meal_delivered": True, "meal_warm": False,
                                      "diet_respected": False}  # fmt: skip
    again = verify(carer, visit, method="resident_code", code=code)
    assert again.status_code == 409


def test_the_card_code_of_another_visit_is_refused(app, carer, day, monkeypatch):
    mine, other = day.visit_ids
    complete(carer, mine, monkeypatch)
    refused = verify(carer, mine, method="resident_code", code=code_of(app, other))
    assert refused.status_code == 422 and refused.json["error"] == "bad_code"


def test_the_card_code_changes_with_the_day(app):
    with app.app_context():
        one = Visit(id=7, resident_id=3, visit_date=date(2026, 1, 5))
        same_visit_next_day = Visit(id=7, resident_id=3, visit_date=date(2026, 1, 6))
        other_resident = Visit(id=7, resident_id=4, visit_date=date(2026, 1, 5))
        codes = {card_code(v) for v in (one, same_visit_next_day, other_resident)}
    assert len(codes) == 3 and all(len(c) == 6 and c.isdigit() for c in codes)


def test_an_implausible_duration_needs_the_coordinator_and_a_reason(app, api, carer, day,
                                                                    monkeypatch):  # fmt: skip
    visit = day.visit_ids[0]
    complete(carer, visit, monkeypatch, minutes=3)
    refused = verify(carer, visit, method="resident_code", code=code_of(app, visit))
    assert refused.status_code == 409 and refused.json["error"] == "implausible_duration"
    coord = api("coord_a")
    assert verify(coord, visit, method="coordinator").status_code == 409
    done = verify(coord, visit, method="coordinator", duration_reason="送餐只需几分钟")
    assert done.status_code == 201 and done.json["username"] == "coord_a"


def test_a_carer_cannot_verify_by_their_own_word(carer, day, monkeypatch):
    complete(carer, day.visit_ids[0], monkeypatch)
    assert verify(carer, day.visit_ids[0], method="coordinator").status_code == 403


def test_an_unknown_checklist_item_is_refused(app, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    complete(carer, visit, monkeypatch)
    refused = verify(carer, visit, method="resident_code", code=code_of(app, visit),
                     checklist={"bath_given": True})  # fmt: skip
    assert refused.status_code == 422 and "checklist" in refused.json["errors"]


def test_a_low_rating_asks_for_a_follow_up_call(app, carer, day, monkeypatch):
    second = day.visit_ids[1]
    complete(carer, second, monkeypatch)
    assert verify(carer, second, method="resident_code", code=code_of(app, second),
                  rating=2).status_code == 201  # fmt: skip
    with app.app_context():
        reasons = {f.visit_id: f.reason for f in db.session.scalars(select(FollowUp))}
    assert second in reasons  # first visit of that resident, so "first_visit" came first


def test_only_verified_visits_reach_settlement(app, api, carer, day, monkeypatch):
    verified, completed = day.visit_ids
    complete(carer, verified, monkeypatch)
    complete(carer, completed, monkeypatch)
    verify(carer, verified, method="resident_code", code=code_of(app, verified))
    with app.app_context():
        rows = verified_visits(None, 2026, 1)
        assert [r.visit_id for r in rows] == [verified]
        assert rows[0].caregiver_ids == tuple(day.caregiver_ids) and rows[0].minutes == 40
        assert verified_visits({-1}, 2026, 1) == []
        assert verified_visits(None, 2026, 2) == []


def test_a_correction_is_a_new_record_and_settlement_reads_it(app, api, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    complete(carer, visit, monkeypatch)
    verify(carer, visit, method="resident_code", code=code_of(app, visit))
    coord = api("coord_a")
    url = f"/api/v1/visits/{visit}/corrections"
    assert coord.post(url, json={"minutes": 30}).status_code == 422  # no reason
    fixed = coord.post(url, json={"minutes": 30, "reason": "签退晚了十分钟"})
    assert fixed.status_code == 201, fixed.json
    with app.app_context():
        assert verified_visits(None, 2026, 1)[0].minutes == 30
        proof = db.session.scalar(select(Verification))
        assert proof.minutes == 40  # the original is kept as it was
        proof.minutes = 1
        with pytest.raises(ValueError):
            db.session.flush()
        db.session.rollback()


def test_verification_is_station_scoped(app, api, carer, day, monkeypatch):
    visit = day.visit_ids[0]
    complete(carer, visit, monkeypatch)
    assert verify(api("coord_b"), visit, method="coordinator").status_code == 404
    assert verify(api("auditor"), visit, method="coordinator").status_code == 403
