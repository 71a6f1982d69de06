"""The split frozen at verification: price from the contract, tier, allowance, version cited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.policy import services
from carehub.policy.models import AllowanceMonth, VisitFunding
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient, id_number
from tests.policy.helpers import add_visit, publish, verify, version_payload


@pytest.fixture
def resident(client, world, ctx):
    """A 81-year-old 低保 resident at station A (government tier under §3.1a)."""
    resident_id = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a)
    return db.session.get(Resident, resident_id)


def _splits(visit_id: int) -> list[VisitFunding]:
    return list(db.session.scalars(select(VisitFunding).where(VisitFunding.visit_id == visit_id)))


def test_verification_freezes_the_split_citing_version_and_clause(world, resident):
    version = publish(world.user("admin"))
    visit = verify(world.user("admin"), add_visit(resident, minutes=90))
    [row] = _splits(visit.id)
    assert (row.price_fen, row.government_fen, row.copay_fen, row.paid_fen) == (2250, 2250, 0, 0)
    assert (row.policy_version_id, row.clause, row.tier) == (version.id, "§3.1a", "government")
    assert row.provider_id == world.provider
    month = db.session.get(AllowanceMonth, (resident.id, date(2026, 3, 1)))
    assert month.spent_fen == 2250


def test_the_allowance_is_never_overspent(world, resident):
    publish(world.user("admin"), allowance="30.00")
    admin = world.user("admin")
    first = verify(admin, add_visit(resident, minutes=120))  # 30.00 yuan: the whole allowance
    second = verify(admin, add_visit(resident, day=date(2026, 3, 3)))  # 15.00 beyond it
    [a], [b] = _splits(first.id), _splits(second.id)
    assert a.allowance_fen == 3000
    assert (b.allowance_fen, b.low_cost_fen, b.copay_fen, b.paid_fen) == (0, 750, 750, 0)
    month = db.session.get(AllowanceMonth, (resident.id, date(2026, 3, 1)))
    assert month.spent_fen == 3000 == month.allowance_fen


def test_eligibility_bounds_the_visit_funding(world, client, ctx):
    publish(world.user("admin"))
    young = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a, seq=2,
                         categories=[], id_number=id_number(2, date(1960, 3, 8)))  # fmt: skip
    visit = verify(world.user("admin"), add_visit(db.session.get(Resident, young)))
    [row] = _splits(visit.id)
    assert (row.tier, row.clause, row.paid_fen) == ("paid", "default", 1500)


def test_volunteer_and_time_credit_visits(world, resident):
    publish(world.user("admin"))
    admin = world.user("admin")
    volunteer = verify(admin, add_visit(resident, funding="volunteer"))
    hours = verify(admin, add_visit(resident, funding="time_credit", minutes=60, carers=2))
    [v], [h] = _splits(volunteer.id), _splits(hours.id)
    assert (v.price_fen, v.government_fen) == (0, 0)
    assert (h.price_fen, h.government_fen, h.time_credit_minutes, h.allowance_fen) == (
        3000, 3000, 120, 0)  # fmt: skip


def test_no_contract_freezes_at_no_price(world, resident):
    publish(world.user("admin"))
    visit = verify(world.user("admin"), add_visit(resident, service="CLEAN"))
    [row] = _splits(visit.id)
    assert (row.clause, row.provider_id, row.price_fen) == ("no_price", None, 0)


def test_a_later_version_never_alters_a_frozen_split(world, resident):
    admin = world.user("admin")
    publish(admin, valid_from="2026-01-01", valid_to="2026-12-31")
    visit = verify(admin, add_visit(resident))
    before = services.visit_funding(admin, visit.id)
    draft = services.create_version(admin, version_payload("2027-01-01", allowance="0.00"))
    services.publish_version(admin, draft.id)
    assert services.visit_funding(admin, visit.id) == before
    assert before["frozen"] is True


def test_estimate_while_planned_writes_nothing(world, resident):
    publish(world.user("admin"))
    visit = add_visit(resident)
    found = services.visit_funding(world.user("coord_a"), visit.id)
    assert (found["frozen"], found["price_fen"], found["government_fen"]) == (False, 1500, 1500)
    assert _splits(visit.id) == []
    assert db.session.get(AllowanceMonth, (resident.id, date(2026, 3, 1))) is None


def test_reversal_negates_and_gives_the_allowance_back(world, resident):
    admin = world.user("admin")
    publish(admin)
    visit = verify(admin, add_visit(resident))
    after = services.reverse_visit_funding(admin, visit.id, {"reason": "重复录入"})
    rows = _splits(visit.id)
    assert [r.kind for r in rows] == ["split", "reversal"]
    assert sum(r.price_fen for r in rows) == 0 and rows[1].reverses_id == rows[0].id
    assert after["frozen"] is False
    assert db.session.get(AllowanceMonth, (resident.id, date(2026, 3, 1))).spent_fen == 0
    with pytest.raises(CareHubError) as info:
        services.reverse_visit_funding(admin, visit.id, {"reason": "again"})
    assert info.value.code == "no_split"


def test_frozen_rows_are_append_only_in_the_database(world, resident):
    publish(world.user("admin"))
    visit = verify(world.user("admin"), add_visit(resident))
    with pytest.raises(Exception):  # noqa: B017,PT011 (the trigger's error differs per database)
        db.session.execute(VisitFunding.__table__.update().values(price_fen=1))
        db.session.flush()
    db.session.rollback()
    assert _splits(visit.id)[0].price_fen == 1500
