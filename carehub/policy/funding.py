"""Estimating, freezing and reversing a visit's funding split (the money side of §9).

Which provider: the provider of the caregiver in seat 1 (``visit_carers``) when that provider
holds a contract for the station and service on the visit date; otherwise the first contract (by
id) in force then at the visit's station with a price for the service. No such contract: the
split is frozen at price 0 with clause ``no_price`` and no provider, so settlement never claims
it and the coordinator sees why.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from carehub.extensions import db
from carehub.policy import eligibility as elig
from carehub.policy.models import AllowanceMonth, PolicyVersion, VisitFunding
from carehub.policy.split import Parts, hour_value_of, in_hours, price_fen, split
from carehub.policy.versions import district_of_station, version_on
from carehub.registry.models import Caregiver, Contract, ContractPrice, contract_stations
from carehub.visits.models import Visit, VisitCarer

SUBSIDISED = ("government", "low_cost")
# the fundings whose resident share may be paid in hours (government: what the allowance and the
# low-cost cap leave of it)
SHARE_IN_HOURS = ("government", "low_cost", "paid")


def contract_price(visit: Visit) -> tuple[int | None, int, int]:
    """(provider_id, unit_price_fen, unit_minutes) for the visit, or (None, 0, 60)."""
    query = (
        select(Contract.provider_id, ContractPrice.unit_price_fen, ContractPrice.unit_minutes)
        .join(ContractPrice, ContractPrice.contract_id == Contract.id)
        .join(contract_stations, contract_stations.c.contract_id == Contract.id)
        .where(contract_stations.c.station_id == visit.station_id,
               ContractPrice.service_code == visit.service_code,
               Contract.valid_from <= visit.visit_date, Contract.valid_to >= visit.visit_date)
        .order_by(Contract.id)
    )  # fmt: skip
    rows = db.session.execute(query).all()
    carer = _seat_one_provider(visit.id)
    for row in rows:
        if row.provider_id == carer:
            return tuple(row)
    return tuple(rows[0]) if rows else (None, 0, 60)


def _seat_one_provider(visit_id: int) -> int | None:
    query = (
        select(Caregiver.provider_id)
        .join(VisitCarer, VisitCarer.caregiver_id == Caregiver.id)
        .where(VisitCarer.visit_id == visit_id, VisitCarer.seat == 1)
    )
    return db.session.scalar(query)


def tier_of(visit: Visit, eligible: str) -> str:
    """The visit's funding, but never more subsidy than the resident is eligible for."""
    if visit.funding not in SUBSIDISED:
        return visit.funding
    if elig.TIER_ORDER[visit.funding] > elig.TIER_ORDER[eligible]:
        return eligible
    return visit.funding


def compute(visit: Visit, version: PolicyVersion | None, spent: AllowanceMonth | None):
    """(parts, tier, clause, provider_id, unit price, unit minutes) under ``version``."""
    provider_id, unit_price, unit_minutes = contract_price(visit)
    eligible = elig.of_resident(visit.resident, visit.visit_date, version, visit.service_code,
                                lookup=False)  # fmt: skip
    tier = tier_of(visit, eligible.tier)
    price = 0 if visit.funding == "volunteer" else price_fen(
        unit_price, unit_minutes, visit.duration_minutes, visit.carers)  # fmt: skip
    allowance_left = spent.allowance_fen - spent.spent_fen if spent else _full(version, "allowance")
    cap_left = spent.low_cost_cap_fen - spent.low_cost_spent_fen if spent else _full(version, "cap")
    parts = split(tier, price, allowance_left=allowance_left, cap_left=cap_left,
                  share_pct=version.low_cost_share_pct if version else 0,
                  minutes=visit.duration_minutes * visit.carers)  # fmt: skip
    if visit.funding in SHARE_IN_HOURS and _chose_hours(visit.id):
        parts = in_hours(parts, hour_value_of(version))
    clause = "no_price" if provider_id is None else eligible.clause
    return parts, tier, clause, provider_id, unit_price, unit_minutes


def _chose_hours(visit_id: int) -> bool:
    """The resident chose hours for their share: the time bank holds minutes for the visit."""
    from carehub.timebank.flows import open_hold

    return open_hold(visit_id) is not None


def share_in_hours(visit: Visit) -> int:
    """The minutes the resident's share of ``visit`` would cost now (the booking's hold)."""
    version = version_on(district_of_station(visit.station_id), visit.visit_date)
    spent = db.session.get(AllowanceMonth, (visit.resident_id, elig.month_of(visit.visit_date)))
    return in_hours(compute(visit, version, spent)[0], hour_value_of(version)).time_credit_minutes


def _full(version: PolicyVersion | None, what: str) -> int:
    if version is None:
        return 0
    return version.allowance_fen if what == "allowance" else version.low_cost_cap_fen


def estimate(visit: Visit) -> dict:
    """The split as it would be if the visit were verified now (nothing written or locked)."""
    frozen = current_split(visit.id)
    if frozen is not None:
        return _as_dict(frozen, frozen=True)
    version = version_on(district_of_station(visit.station_id), visit.visit_date)
    spent = db.session.get(AllowanceMonth, (visit.resident_id, elig.month_of(visit.visit_date)))
    parts, tier, clause, provider_id, unit_price, unit_minutes = compute(visit, version, spent)
    return {"visit_id": visit.id, "frozen": False, "tier": tier, "clause": clause,
            "policy_version_id": version.id if version else None, "provider_id": provider_id,
            "unit_price_fen": unit_price, "unit_minutes": unit_minutes, **vars(parts)}  # fmt: skip


def freeze(actor, visit: Visit) -> VisitFunding:
    """Freeze the split now (the visit is being verified), spending from the locked month."""
    version = version_on(district_of_station(visit.station_id), visit.visit_date)
    spent = lock_month(visit.resident_id, visit.visit_date, version)
    parts, tier, clause, provider_id, unit_price, unit_minutes = compute(visit, version, spent)
    spent.spent_fen += parts.allowance_fen
    spent.low_cost_spent_fen += parts.low_cost_fen
    row = VisitFunding(
        visit_id=visit.id, kind="split", policy_version_id=version.id if version else None,
        clause=clause, tier=tier, provider_id=provider_id, visit_date=visit.visit_date,
        unit_price_fen=unit_price, unit_minutes=unit_minutes,
        created_by=getattr(actor, "username", "system"), **vars(parts),
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def lock_month(resident_id: int, day: date, version: PolicyVersion | None) -> AllowanceMonth:
    """The resident's month row, created if missing (a race creates one), locked for update."""
    month = elig.month_of(day)
    values = {"resident_id": resident_id, "month": month, "spent_fen": 0, "low_cost_spent_fen": 0,
              "allowance_fen": _full(version, "allowance"),
              "low_cost_cap_fen": _full(version, "cap")}  # fmt: skip
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(AllowanceMonth).values(values).on_conflict_do_nothing())
    query = (
        select(AllowanceMonth)
        .where(AllowanceMonth.resident_id == resident_id, AllowanceMonth.month == month)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.scalar(query)


def current_split(visit_id: int) -> VisitFunding | None:
    """The visit's split not reversed yet (the latest split, if it has no reversal)."""
    reversed_ids = select(VisitFunding.reverses_id).where(VisitFunding.reverses_id.is_not(None))
    query = (
        select(VisitFunding)
        .where(VisitFunding.visit_id == visit_id, VisitFunding.kind == "split",
               VisitFunding.id.not_in(reversed_ids))
        .order_by(VisitFunding.id.desc())
    )  # fmt: skip
    return db.session.scalar(query.limit(1))


def reverse(actor, original: VisitFunding, reason: str) -> VisitFunding:
    """A reversal row negating ``original``; the allowance it spent is given back."""
    spent = lock_month(db.session.get(Visit, original.visit_id).resident_id, original.visit_date,
                       original.policy_version)  # fmt: skip
    spent.spent_fen -= original.allowance_fen
    spent.low_cost_spent_fen -= original.low_cost_fen
    negated = {name: -getattr(original, name) for name in (*vars(Parts(0)),)}
    row = VisitFunding(
        visit_id=original.visit_id, kind="reversal", reverses_id=original.id,
        policy_version_id=original.policy_version_id, clause=original.clause, tier=original.tier,
        provider_id=original.provider_id, visit_date=original.visit_date,
        unit_price_fen=original.unit_price_fen, unit_minutes=original.unit_minutes,
        reason=reason[:200], created_by=getattr(actor, "username", "system"), **negated,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def _as_dict(row: VisitFunding, frozen: bool) -> dict:
    keys = ("tier", "clause", "policy_version_id", "provider_id", "unit_price_fen",
            "unit_minutes", *vars(Parts(0)))  # fmt: skip
    return {"visit_id": row.visit_id, "frozen": frozen, "funding_id": row.id,
            **{k: getattr(row, k) for k in keys}}  # fmt: skip


def frozen_splits(visit_ids) -> dict[int, VisitFunding]:
    """The current (not reversed) split of each of the visits, in one query (a page's worth)."""
    ids = list(visit_ids)
    if not ids:
        return {}
    reversed_ids = select(VisitFunding.reverses_id).where(VisitFunding.reverses_id.is_not(None))
    query = (
        select(VisitFunding)
        .where(VisitFunding.visit_id.in_(ids), VisitFunding.kind == "split",
               VisitFunding.id.not_in(reversed_ids))
        .order_by(VisitFunding.id)
    )  # fmt: skip
    return {row.visit_id: row for row in db.session.scalars(query)}
