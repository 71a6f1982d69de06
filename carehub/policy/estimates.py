"""Funding estimates of a page of planned visits in bulk: the same rule as ``funding.compute``
(contract price, tier bounded by eligibility, allowance left, share in hours) with each lookup
made once for the page, not once per visit."""

from __future__ import annotations

from sqlalchemy import select

from carehub.extensions import db
from carehub.policy import whatif
from carehub.policy.eligibility import month_of
from carehub.policy.funding import SHARE_IN_HOURS, tier_of
from carehub.policy.models import AllowanceMonth, PolicyVersion
from carehub.policy.split import Parts, hour_value_of, in_hours, price_fen, split
from carehub.policy.versions import district_of_station
from carehub.registry.models import Caregiver, Contract, ContractPrice, contract_stations
from carehub.visits.models import VisitCarer

PLANNED = ("planned", "scheduled", "in_progress", "completed")


def estimates(visits) -> dict[int, Parts]:
    """{visit id: estimated parts} for the visits not verified or dropped yet."""
    todo = [v for v in visits if v.state in PLANNED]
    if not todo:
        return {}
    versions = _versions(todo)
    residents = whatif._residents({v.resident_id for v in todo})
    prices, seat_one = _prices(todo), _seat_one({v.id for v in todo})
    months, held = _months(todo), _held({v.id for v in todo})
    tiers = {}
    found = {}
    for visit in todo:
        version = versions[visit.station_id, visit.visit_date]
        if version not in tiers:
            tiers[version] = whatif._eligibility(version, residents) if version else None
        eligible = tiers[version](visit.resident_id, visit.visit_date, visit.service_code)[0] \
            if version else "paid"  # fmt: skip
        parts = _parts(visit, version, tier_of(visit, eligible), prices, seat_one,
                       months.get((visit.resident_id, month_of(visit.visit_date))))  # fmt: skip
        found[visit.id] = in_hours(parts, hour_value_of(version)) if visit.id in held else parts
    return found


def _parts(visit, version, tier, prices, seat_one, spent) -> Parts:
    unit_price, unit_minutes = _price_of(visit, prices, seat_one.get(visit.id))
    price = 0 if visit.funding == "volunteer" else price_fen(
        unit_price, unit_minutes, visit.duration_minutes, visit.carers)  # fmt: skip
    full_allowance = version.allowance_fen if version else 0
    full_cap = version.low_cost_cap_fen if version else 0
    parts = split(tier, price,
                  allowance_left=spent.allowance_fen - spent.spent_fen if spent else full_allowance,
                  cap_left=spent.low_cost_cap_fen - spent.low_cost_spent_fen if spent else full_cap,
                  share_pct=version.low_cost_share_pct if version else 0,
                  minutes=visit.duration_minutes * visit.carers)  # fmt: skip
    return parts


def _versions(visits) -> dict:
    """{(station, day): version in force}: the districts' published versions read once."""
    districts = {s: district_of_station(s) for s in {v.station_id for v in visits}}
    query = select(PolicyVersion).where(PolicyVersion.district_id.in_(set(districts.values())),
                                        PolicyVersion.state == "published")  # fmt: skip
    published = list(db.session.scalars(query))

    def on(district: int, day):
        return next((p for p in published if p.district_id == district and p.valid_from <= day
                     and (p.valid_to is None or p.valid_to >= day)), None)  # fmt: skip

    return {(s, d): on(districts[s], d) for s, d in {(v.station_id, v.visit_date) for v in visits}}


def _prices(visits) -> list:
    query = (
        select(contract_stations.c.station_id, ContractPrice.service_code, Contract.provider_id,
               Contract.valid_from, Contract.valid_to, ContractPrice.unit_price_fen,
               ContractPrice.unit_minutes)
        .join(ContractPrice, ContractPrice.contract_id == Contract.id)
        .join(contract_stations, contract_stations.c.contract_id == Contract.id)
        .where(contract_stations.c.station_id.in_({v.station_id for v in visits}),
               ContractPrice.service_code.in_({v.service_code for v in visits}))
        .order_by(Contract.id)
    )  # fmt: skip
    return db.session.execute(query).all()


def _price_of(visit, prices, provider) -> tuple[int, int]:
    rows = [r for r in prices if r.station_id == visit.station_id
            and r.service_code == visit.service_code
            and r.valid_from <= visit.visit_date <= r.valid_to]  # fmt: skip
    for row in rows:
        if row.provider_id == provider:
            return row.unit_price_fen, row.unit_minutes
    return (rows[0].unit_price_fen, rows[0].unit_minutes) if rows else (0, 60)


def _seat_one(ids: set[int]) -> dict[int, int]:
    query = (
        select(VisitCarer.visit_id, Caregiver.provider_id)
        .join(Caregiver, VisitCarer.caregiver_id == Caregiver.id)
        .where(VisitCarer.visit_id.in_(ids), VisitCarer.seat == 1)
    )
    return dict(db.session.execute(query).all())


def _months(visits) -> dict:
    query = select(AllowanceMonth).where(
        AllowanceMonth.resident_id.in_({v.resident_id for v in visits}),
        AllowanceMonth.month.in_({month_of(v.visit_date) for v in visits}),
    )
    return {(m.resident_id, m.month): m for m in db.session.scalars(query)}


def _held(ids: set[int]) -> set[int]:
    """The visits whose resident share the time bank holds (the resident chose hours)."""
    from carehub.timebank.models import Transaction
    from carehub.visits.models import Visit

    settled = select(Transaction.settles_id).where(Transaction.settles_id.is_not(None))
    query = (
        select(Transaction.visit_id)
        .join(Visit, Visit.id == Transaction.visit_id)
        .where(Transaction.visit_id.in_(ids), Transaction.kind == "hold",
               Transaction.id.not_in(settled), Visit.funding.in_(SHARE_IN_HOURS))
    )  # fmt: skip
    return set(db.session.scalars(query))
