"""A paid resident's share paid in time-bank hours: booked over the API, held, posted exactly."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from carehub.extensions import db
from carehub.policy.models import VisitFunding
from carehub.timebank.verify import verify as verify_ledger
from carehub.visits.models import Visit
from carehub.visits.states import transition
from tests.careplans.helpers import TODAY
from tests.factories import ApiClient
from tests.policy.helpers import publish, verify
from tests.timebank.helpers import (
    account_of,
    add_resident,
    add_volunteer,
    seat,
    verify_visit,
    visit_for,
)

BORN = date(1960, 3, 8)  # 65: of redemption age, in no category, so a paid resident


@pytest.fixture(autouse=True)
def pinned_today(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", TODAY)


@pytest.fixture
def holder(app, world, client, pinned_today):
    """A paid resident who volunteers, with 90 minutes earned, and a booking client."""
    return _holder(app, world, client)


def _holder(app, world, client, born=BORN, categories=(), **overrides):
    """A resident who volunteers (``born``, in ``categories``), 90 minutes earned, under a
    version published with ``overrides``."""
    with app.app_context():
        publish(world.user("admin"), **overrides)
        coord = world.user("coord_a")
        resident_id = add_resident(coord, world.station_a, born=born, categories=list(categories))
        volunteer_id, token = add_volunteer(world.station_a, born=born, resident_id=resident_id,
                                            username="elder")  # fmt: skip
        earned = visit_for(coord, add_resident(coord, world.station_a), 90)
        seat(earned, volunteer_id)
        verify_visit(coord, earned)
        account_id = account_of(volunteer_id).id
    return {"account_id": account_id, "resident_id": resident_id,
            "api": ApiClient(client, token)}  # fmt: skip


def _book(holder, key="share-1", minutes=60, share_of="paid"):
    body = {"account_id": holder["account_id"], "resident_id": holder["resident_id"],
            "service_code": "MEAL", "visit_date": "2026-01-09", "share_of": share_of,
            "windows": [{"start": "09:00", "end": "11:00"}], "duration_minutes": minutes}  # fmt: skip
    api = holder["api"]
    return api.client.post("/api/v1/time-redemptions", json=body,
                           headers={**api.headers, "Idempotency-Key": key})  # fmt: skip


def _balance(holder):
    mine = holder["api"].get(f"/api/v1/time-accounts/{holder['account_id']}").json
    return mine["balance_minutes"], mine["held_minutes"]


def test_the_share_is_held_then_posted_exactly_as_the_split_records_it(app, world, holder):
    booked = _book(holder)
    assert booked.status_code == 201, booked.json
    assert booked.json["minutes"] == 30  # 15.00 yuan at 30 yuan an hour
    assert _balance(holder) == (60, 30)
    assert _book(holder).json == booked.json  # the same key: the first booking, nothing new
    with app.app_context():
        visit = verify(world.user("coord_a"), db.session.get(Visit, booked.json["visit_id"]))
        [row] = db.session.scalars(select(VisitFunding).where(VisitFunding.visit_id == visit.id))
        assert (visit.funding, row.tier) == ("paid", "paid")
        assert (row.price_fen, row.government_fen, row.copay_fen, row.paid_fen) == (
            1500,
            1500,
            0,
            0,
        )
        assert row.time_credit_minutes == 30
        assert verify_ledger().ok
    assert _balance(holder) == (60, 0)


def test_the_hour_value_is_the_policy_version_s(app, world, client):
    from tests.policy.helpers import version_payload

    with app.app_context():
        rules = version_payload()["rules"]
    rules = {**rules, "timebank": {**rules.get("timebank", {}), "hour_value_fen": 4500}}
    booked = _book(_holder(app, world, client, rules=rules))
    assert booked.status_code == 201, booked.json
    assert booked.json["minutes"] == 20  # 15.00 yuan at 45 yuan an hour


def test_a_cancelled_visit_gives_the_share_back(app, world, holder):
    booked = _book(holder)
    with app.app_context():
        visit = db.session.get(Visit, booked.json["visit_id"])
        transition(world.user("coord_a"), visit, "cancelled", "家属接走")
        db.session.commit()
        assert verify_ledger().ok
    assert _balance(holder) == (90, 0)


def test_more_than_the_balance_is_refused_naming_the_field(holder):
    refused = _book(holder, minutes=240)  # 60.00 yuan: 120 minutes, 90 held
    assert refused.status_code in (409, 422), refused.json
    assert _balance(holder) == (90, 0)


def test_the_visits_page_shows_the_estimate_then_the_frozen_split(app, world, holder, client,
                                                                  login):  # fmt: skip
    booked = _book(holder)
    login("coord_a")
    planned = client.get("/visits?day=2026-01-09").get_data(as_text=True)
    assert "预估" in planned and "时间币 30 分钟" in planned
    with app.app_context():
        verify(world.user("coord_a"), db.session.get(Visit, booked.json["visit_id"]))
    login("coord_a")
    page = client.get("/visits?day=2026-01-09").get_data(as_text=True)
    assert "政府" in page and "15.00" in page and "时间币 30 分钟" in page
    assert "预估" not in page


def _government_holder(app, world, client, allowance: str):
    """A 三无 resident of 76 (government tier, §3.1a) who volunteers, with 90 minutes earned."""
    return _holder(app, world, client, born=date(1950, 3, 8), categories=["sanwu"],
                   allowance=allowance, low_cost_cap="0")  # fmt: skip


def test_a_government_visit_beyond_the_allowance_is_paid_in_hours(app, world, client):
    """Allowance 9.00 of a 15.00 meal, no low-cost cap: 6.00 is the resident's, 12 minutes."""
    holder = _government_holder(app, world, client, allowance="9.00")
    booked = _book(holder, "gov-1", share_of="government")
    assert booked.status_code == 201, booked.json
    assert booked.json["minutes"] == 12
    with app.app_context():
        visit = verify(world.user("coord_a"), db.session.get(Visit, booked.json["visit_id"]))
        [row] = db.session.scalars(select(VisitFunding).where(VisitFunding.visit_id == visit.id))
        parts = (row.tier, row.price_fen, row.government_fen, row.allowance_fen)
        assert parts == ("government", 1500, 1500, 900)
        assert (row.copay_fen, row.paid_fen, row.time_credit_minutes) == (0, 0, 12)
        assert verify_ledger().ok
    assert _balance(holder) == (78, 0)


def test_a_government_visit_the_allowance_covers_owes_no_hours(app, world, client):
    holder = _government_holder(app, world, client, allowance="600.00")
    refused = _book(holder, "gov-1", share_of="government")
    assert refused.status_code == 422 and "share_of" in refused.json["errors"], refused.json
    assert _balance(holder) == (90, 0)


def test_the_holder_s_page_books_only_their_share(app, world, client, login):
    holder = _government_holder(app, world, client, allowance="9.00")
    page = login("elder")
    form = {"service_code": "MEAL", "visit_date": "2026-01-09", "start": "09:00",
            "end": "11:00", "duration_minutes": "60", "pay": "share", "key": "page-1"}  # fmt: skip
    done = page.post("/time-bank/me/redeem", data=form)
    assert done.status_code == 302
    assert _balance(holder) == (78, 12)  # the share held, not the whole hour
