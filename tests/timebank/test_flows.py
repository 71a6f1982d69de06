"""Redemption holds, caps, family gifts, the pool, activities and idempotent replay (services)."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.timebank import activities, redemption, rules, services
from carehub.timebank.ledger import system_account
from carehub.timebank.models import Activity, Transaction
from carehub.timebank.verify import verify
from carehub.visits.models import Visit
from carehub.visits.states import transition
from tests.timebank.helpers import (
    account_of,
    add_resident,
    add_volunteer,
    seat,
    verify_visit,
    visit_for,
)  # fmt: skip


def earn(coord, volunteer_id: int, minutes: int, day=date(2026, 1, 6), service="COMPANION"):
    """Credit ``minutes`` to a volunteer through a verified visit."""
    visit = visit_for(coord, add_resident(coord, coord.stations[0].id), minutes, service, day=day)
    seat(visit, volunteer_id)
    verify_visit(coord, visit)


@pytest.fixture
def coord(ctx, world):
    return world.user("coord_a")


@pytest.fixture
def elder(coord, world):
    """A 67-year-old volunteer who is also a registered resident, with 300 minutes earned."""
    resident_id = add_resident(coord, world.station_a, born=date(1958, 4, 1))
    volunteer_id, _ = add_volunteer(world.station_a, born=date(1958, 4, 1), resident_id=resident_id)
    for _ in range(3):
        earn(coord, volunteer_id, 100)
    return volunteer_id, resident_id


def book(coord, account_id: int, resident_id: int, minutes: int = 60, key=None, carers=1):
    body = {"account_id": account_id, "resident_id": resident_id, "service_code": "CLEAN",
            "visit_date": "2026-01-08", "windows": [{"start": "09:00", "end": "11:00"}],
            "duration_minutes": minutes, "carers": carers}  # fmt: skip
    return redemption.redeem(coord, body, key)


def test_booking_holds_the_minutes_and_verification_posts_them(coord, elder):
    volunteer_id, resident_id = elder
    account = account_of(volunteer_id)
    booked = book(coord, account.id, resident_id, minutes=45, carers=2)
    assert booked["minutes"] == 90
    db.session.refresh(account)
    assert account.balance_minutes == 210
    assert services.account(coord, account.id)["held_minutes"] == 90
    visit = db.session.get(Visit, booked["visit_id"])
    assert visit.funding == "time_credit"
    verify_visit(coord, visit)
    db.session.refresh(account)
    assert account.balance_minutes == 210
    assert services.account(coord, account.id)["held_minutes"] == 0
    assert system_account("holds").balance_minutes == 0
    assert verify().ok


@pytest.mark.parametrize("outcome", ["cancelled", "missed"])
def test_a_dropped_visit_releases_its_hold(coord, elder, outcome):
    volunteer_id, resident_id = elder
    account = account_of(volunteer_id)
    visit = db.session.get(Visit, book(coord, account.id, resident_id, 60)["visit_id"])
    transition(coord, visit, outcome, "resident in hospital")
    db.session.commit()
    db.session.refresh(account)
    assert account.balance_minutes == 300
    kinds = [t.kind for t in db.session.query(Transaction).order_by(Transaction.seq)]
    assert kinds[-2:] == ["hold", "release"]
    assert verify().ok


def test_no_booking_beyond_the_balance(coord, elder):
    volunteer_id, resident_id = elder
    with pytest.raises(CareHubError) as refused:
        book(coord, account_of(volunteer_id).id, resident_id, minutes=240, carers=2)
    assert refused.value.code == "insufficient_minutes"
    assert (
        db.session.query(Visit).filter_by(funding="time_credit").count() == 0
    )  # nothing half-written


def test_a_holder_under_the_redeem_age_cannot_redeem(coord, elder, monkeypatch):
    monkeypatch.setattr(rules, "DEFAULTS", rules.Rules(redeem_age=70))  # the holder is 67
    volunteer_id, resident_id = elder
    with pytest.raises(CareHubError) as refused:
        book(coord, account_of(volunteer_id).id, resident_id)
    assert refused.value.code == "too_young"


def test_a_volunteer_who_is_no_resident_books_nothing_for_themself(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a, born=date(1950, 1, 1))
    earn(coord, volunteer_id, 120)
    other = add_resident(coord, world.station_a)
    with pytest.raises(CareHubError) as refused:
        book(coord, account_of(volunteer_id).id, other)
    assert refused.value.code == "not_holder"


def test_hours_pay_only_for_the_holder(coord, elder, world):
    other = add_resident(coord, world.station_a)
    with pytest.raises(CareHubError) as refused:
        book(coord, account_of(elder[0]).id, other)
    assert refused.value.code == "not_holder"


def test_the_same_key_returns_the_first_booking_and_writes_nothing(coord, elder):
    volunteer_id, resident_id = elder
    account = account_of(volunteer_id)
    first = book(coord, account.id, resident_id, 60, key="k-1")
    again = book(coord, account.id, resident_id, 60, key="k-1")
    assert again == first
    assert db.session.query(Visit).filter_by(funding="time_credit").count() == 1
    with pytest.raises(CareHubError) as refused:
        book(coord, account.id, resident_id, 30, key="k-1")
    assert refused.value.code == "idempotency_key_reused"


def test_the_monthly_cap_refuses_credit_beyond_40_hours(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a)
    for _ in range(5):
        earn(coord, volunteer_id, 480)  # 40 h in January
    earn(coord, volunteer_id, 60)
    assert account_of(volunteer_id).balance_minutes == 2400
    assert db.session.query(Transaction).filter_by(kind="credit").count() == 5  # refused whole
    earn(coord, volunteer_id, 60, day=date(2026, 2, 2))  # a new month, a new allowance
    assert account_of(volunteer_id).balance_minutes == 2460


def test_a_partly_capped_credit_records_what_was_refused(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a)
    for minutes in (480, 480, 480, 480, 440, 100):
        earn(coord, volunteer_id, minutes)
    last = db.session.query(Transaction).order_by(Transaction.seq.desc()).first()
    assert last.capped_minutes == 60
    from carehub.notices.models import Notice

    told = db.session.query(Notice).filter_by(volunteer_id=volunteer_id).one()
    assert told.code == "hours_capped" and told.params["minutes"] == 60
    assert account_of(volunteer_id).balance_minutes == 2400


def test_the_storage_cap_sends_the_surplus_to_the_station_pool(coord, world, monkeypatch):
    monkeypatch.setattr(rules, "DEFAULTS", rules.Rules(storage_cap_minutes=150))
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 100)
    earn(coord, volunteer_id, 100)
    assert account_of(volunteer_id).balance_minutes == 150
    assert system_account("pool", world.station_a).balance_minutes == 50
    assert verify().ok


def test_weights_change_what_an_hour_earns(coord, world, monkeypatch):
    from types import MappingProxyType

    weights = MappingProxyType({"ESCORT": 150})
    monkeypatch.setattr(rules, "DEFAULTS", rules.Rules(weights=weights))
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 60, service="ESCORT")
    earn(coord, volunteer_id, 60, service="COMPANION")
    assert account_of(volunteer_id).balance_minutes == 150


def _kin(coord, volunteer_id, resident_id, relation="parent"):
    return services.record_kin(coord, {"volunteer_id": volunteer_id, "resident_id": resident_id,
                                       "relation": relation, "evidence": "户口本"})  # fmt: skip


def test_hours_go_to_a_recorded_relative_aged_60_and_pay_their_visit(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a, born=date(1985, 1, 1))
    earn(coord, volunteer_id, 200)
    mother = add_resident(world.user("admin"), world.station_b, born=date(1950, 6, 1))
    _kin(coord, volunteer_id, mother)
    account = account_of(volunteer_id)
    given = services.gift(coord, {"account_id": account.id, "resident_id": mother, "minutes": 120})
    assert given.kind == "gift"
    target = next(e.account for e in given.entries if e.minutes > 0)
    assert target.balance_minutes == 120
    booked = book(world.user("admin"), target.id, mother, 60)
    assert booked["minutes"] == 60
    assert verify().ok


def test_no_gift_without_a_recorded_tie(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 100)
    stranger = add_resident(coord, world.station_a)
    with pytest.raises(CareHubError) as refused:
        services.gift(coord, {"account_id": account_of(volunteer_id).id, "resident_id": stranger,
                              "minutes": 30})  # fmt: skip
    assert refused.value.code == "not_kin"


def test_no_gift_to_a_relative_under_the_redeem_age(coord, world, monkeypatch):
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 100)
    monkeypatch.setattr(rules, "DEFAULTS", rules.Rules(redeem_age=70))
    son = add_resident(coord, world.station_a, born=date(1960, 1, 1))  # 65
    _kin(coord, volunteer_id, son, "child")
    with pytest.raises(CareHubError) as refused:
        services.gift(coord, {"account_id": account_of(volunteer_id).id, "resident_id": son,
                              "minutes": 30})  # fmt: skip
    assert refused.value.code == "too_young"


def test_the_pool_serves_priority_elders_first(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 200)
    account = account_of(volunteer_id)
    services.donate(coord, {"account_id": account.id, "minutes": 150})
    younger = add_resident(coord, world.station_a, born=date(1960, 1, 1), household="with_family")
    oldest_alone = add_resident(coord, world.station_a, born=date(1935, 1, 1), household="alone")
    body = {"station_id": world.station_a,
            "requests": [{"resident_id": younger, "minutes": 100},
                         {"resident_id": oldest_alone, "minutes": 100}]}  # fmt: skip
    result = redemption.allocate_pool(coord, body, key="pool-1")
    assert result["granted"] == [{"resident_id": oldest_alone, "minutes": 100}]
    assert result["refused"] == [{"resident_id": younger, "minutes": 100}]
    assert result["pool_minutes"] == 50
    assert redemption.allocate_pool(coord, body, key="pool-1")["granted"] == result["granted"]
    assert system_account("pool", world.station_a).balance_minutes == 50
    assert verify().ok


def test_a_reversal_undoes_a_credit_once(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 90)
    credit = db.session.query(Transaction).filter_by(kind="credit").one()
    reversal = services.reverse(coord, credit.id, {"reason": "wrong volunteer"})
    assert reversal.reverses_id == credit.id
    assert account_of(volunteer_id).balance_minutes == 0
    with pytest.raises(CareHubError) as refused:
        services.reverse(coord, credit.id, {"reason": "again"})
    assert refused.value.code == "not_reversible"
    assert verify().ok


def test_activities_stay_pending_until_a_coordinator_verifies_them_in_bulk(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a, username="vol1")
    volunteer = world.user("vol1")
    logged = [activities.log_activity(volunteer, {"activity_date": "2026-01-04", "minutes": m,
                                                  "description": "社区义诊引导"})
              for m in (60, 30)]  # fmt: skip
    assert account_of(volunteer_id).balance_minutes == 0
    assert [a.id for a in activities.list_activities(coord)] == [a.id for a in logged]
    result = activities.decide(coord, {"activity_ids": [a.id for a in logged]})
    assert result == {"decided": 2, "credited_minutes": 90}
    assert activities.decide(coord, {"activity_ids": [a.id for a in logged]})["decided"] == 0
    assert account_of(volunteer_id).balance_minutes == 90


def test_the_served_resident_confirms_with_their_id_digits(coord, world):
    volunteer_id, _ = add_volunteer(world.station_a, username="vol2")
    volunteer = world.user("vol2")
    resident_id = add_resident(coord, world.station_a)
    from carehub.registry.models import Resident

    pin = db.session.get(Resident, resident_id).id_number_masked[-4:]
    logged = activities.log_activity(volunteer, {"activity_date": "2026-01-05", "minutes": 45,
                                                 "description": "陪聊", "resident_id": resident_id})  # fmt: skip
    with pytest.raises(CareHubError) as refused:
        activities.confirm(volunteer, logged.id, {"pin": "0000" if pin != "0000" else "1111"})
    assert refused.value.code == "wrong_pin"
    activities.confirm(volunteer, logged.id, {"pin": pin})
    assert db.session.get(Activity, logged.id).confirmed_by == "resident"
    assert account_of(volunteer_id).balance_minutes == 45


def test_an_auditor_reads_but_never_posts(ctx, world, coord):
    volunteer_id, _ = add_volunteer(world.station_a)
    earn(coord, volunteer_id, 60)
    auditor = world.user("auditor")
    assert services.account(auditor, account_of(volunteer_id).id)["balance_minutes"] == 60
    with pytest.raises(CareHubError):
        services.donate(auditor, {"account_id": account_of(volunteer_id).id, "minutes": 10})


def test_expiry_is_off_by_default_and_first_in_first_out_when_on(coord, world, monkeypatch):
    from carehub.timebank import flows

    volunteer_id, _ = add_volunteer(world.station_a)
    for day, minutes in (("2025-01-06", 100), ("2026-01-02", 40)):
        logged = activities.log_activity(coord, {"volunteer_id": volunteer_id, "minutes": minutes,
                                                 "activity_date": day, "description": "巡访"})  # fmt: skip
        activities.decide(coord, {"activity_ids": [logged.id]})
    with flows.unit():
        assert flows.expire(coord, date(2026, 1, 5)) == []
    monkeypatch.setattr(rules, "DEFAULTS", rules.Rules(expiry_months=6))
    with flows.unit():
        expired = flows.expire(coord, date(2026, 1, 5))
    assert [t.kind for t in expired] == ["expiry"]
    assert account_of(volunteer_id).balance_minutes == 40  # the old 100 went, the recent 40 stay
    assert verify().ok
