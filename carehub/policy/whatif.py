"""What-if: a draft version run over the verified visits of past months, beside what they cost.

"In force" is what was frozen (the splits as verified, reversals netted out); "draft" is each
visit split again under the draft at the same price (the price is the contract's, not the
policy's), spending a simulated allowance month by month in the order the visits were
verified. Facts are read in bulk, once per resident, so a district's month takes seconds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from carehub.careplans.facts import ResidentFacts, _history, _snapshot_on, ability_level_on
from carehub.extensions import db
from carehub.policy.eligibility import TIER_ORDER, decide, month_of
from carehub.policy.funding import tier_of
from carehub.policy.models import PolicyVersion, VisitFunding
from carehub.policy.split import split
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident, Station, Street
from carehub.visits.models import Visit

GROUPS = ("tier", "category", "station", "service")
AMOUNTS = ("government_fen", "copay_fen", "paid_fen")


def run(draft: PolicyVersion, start: date, end: date) -> dict:
    """Side-by-side totals for visits dated ``start``..``end`` and the residents who change."""
    rows = _frozen(draft.district_id, start, end)
    residents = _residents({row.resident_id for row in rows})
    eligible_on = _eligibility(draft, residents)
    spent: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    sums = {"in_force": defaultdict(lambda: [0, 0, 0, 0]),
            "draft": defaultdict(lambda: [0, 0, 0, 0])}  # fmt: skip
    best = {"in_force": {}, "draft": {}}
    for row in rows:
        eligible, category = eligible_on(row.resident_id, row.visit_date, row.service_code)
        tier, parts = _draft_split(draft, row, tier_of(row, eligible), spent)
        for side, side_tier, amounts in (("in_force", row.tier, row), ("draft", tier, parts)):
            total = sums[side][side_tier, category, row.station_id, row.service_code]
            total[0] += 1
            total[1] += amounts.government_fen
            total[2] += amounts.copay_fen
            total[3] += amounts.paid_fen
            _keep_best(best[side], row.resident_id, side_tier)
    return {"visits": len(rows), "in_force": _rolled_up(sums["in_force"]),
            "draft": _rolled_up(sums["draft"]), **_changes(best, residents)}  # fmt: skip


def _eligibility(draft: PolicyVersion, residents: dict[int, Resident]):
    """(resident, day, service) -> (tier under the draft, category), each computed once."""
    facts_of = _facts(residents)
    cache: dict[tuple, tuple[str, str]] = {}

    def eligible_on(resident_id: int, day: date, service_code: str) -> tuple[str, str]:
        key = (resident_id, day, service_code)
        if key not in cache:
            resident = residents[resident_id]
            facts = facts_of(resident, day)
            tier = decide(draft, age_on(resident.birth_date, day), facts, service_code)[0]
            cache[key] = (tier, min(facts.categories) if facts.categories else "none")
        return cache[key]

    return eligible_on


def _draft_split(draft, row, tier: str, spent):
    used = spent[row.resident_id, month_of(row.visit_date)]
    parts = split(tier, row.price_fen, allowance_left=draft.allowance_fen - used[0],
                  share_pct=draft.low_cost_share_pct, cap_left=draft.low_cost_cap_fen - used[1],
                  minutes=row.time_credit_minutes)  # fmt: skip
    used[0] += parts.allowance_fen
    used[1] += parts.low_cost_fen
    return tier, parts


def _rolled_up(sums: dict) -> dict:
    """{group: [{key, visits, government_fen, copay_fen, paid_fen}]} from the finest sums."""
    tables = {group: defaultdict(lambda: [0, 0, 0, 0]) for group in GROUPS}
    for (tier, category, station, service), values in sums.items():
        for group, key in zip(GROUPS, (tier, category, str(station), service), strict=True):
            total = tables[group][key]
            for i, value in enumerate(values):
                total[i] += value
    return {group: [{"key": key, **dict(zip(("visits", *AMOUNTS), tables[group][key],
                                            strict=True))}
                    for key in sorted(tables[group])]
            for group in GROUPS}  # fmt: skip


def _frozen(district_id: int, start: date, end: date) -> list:
    """The current splits (not reversed) of verified visits in the district and dates."""
    reversed_ids = select(VisitFunding.reverses_id).where(VisitFunding.reverses_id.is_not(None))
    query = (
        select(VisitFunding.visit_date, VisitFunding.tier, VisitFunding.price_fen,
               VisitFunding.government_fen, VisitFunding.copay_fen, VisitFunding.paid_fen,
               VisitFunding.time_credit_minutes, Visit.resident_id, Visit.station_id,
               Visit.service_code, Visit.funding)
        .join(Visit, Visit.id == VisitFunding.visit_id)
        .join(Station, Station.id == Visit.station_id)
        .join(Street, Street.id == Station.street_id)
        .where(Street.district_id == district_id, VisitFunding.kind == "split",
               VisitFunding.visit_date.between(start, end),
               VisitFunding.id.not_in(reversed_ids))
        .order_by(VisitFunding.id)
    )  # fmt: skip
    return db.session.execute(query).all()


def _residents(ids: set[int]) -> dict[int, Resident]:
    found: dict[int, Resident] = {}
    ordered = sorted(ids)
    for chunk in range(0, len(ordered), 500):
        query = (
            select(Resident)
            .where(Resident.id.in_(ordered[chunk : chunk + 500]))
            .options(selectinload(Resident.assessments), selectinload(Resident.category_rows))
        )
        found.update((r.id, r) for r in db.session.scalars(query))
    return found


def _facts(residents: dict[int, Resident]):
    history = _history(list(residents))
    cache: dict[tuple, ResidentFacts] = {}

    def facts_on(resident: Resident, day: date) -> ResidentFacts:
        key = (resident.id, day)
        if key not in cache:
            status, household, categories = _snapshot_on(resident, history.get(resident.id, []),
                                                         day)  # fmt: skip
            cache[key] = ResidentFacts(status, household, tuple(categories),
                                       ability_level_on(resident, day))  # fmt: skip
        return cache[key]

    return facts_on


def _keep_best(best: dict, resident_id: int, tier: str) -> None:
    if TIER_ORDER.get(tier, -1) > TIER_ORDER.get(best.get(resident_id, ""), -1):
        best[resident_id] = tier


def _changes(best: dict, residents: dict[int, Resident]) -> dict:
    gain, lose = [], []
    for resident_id, now in best["in_force"].items():
        then = best["draft"].get(resident_id, now)
        entry = {"resident_id": resident_id, "name": residents[resident_id].name,
                 "in_force": now, "draft": then}  # fmt: skip
        if TIER_ORDER.get(then, -1) > TIER_ORDER.get(now, -1):
            gain.append(entry)
        elif TIER_ORDER.get(then, -1) < TIER_ORDER.get(now, -1):
            lose.append(entry)
    return {"gain": gain, "lose": lose}


def side_by_side(found: dict) -> dict:
    """{group: [(key, in force totals, draft totals)]} for the page, both sides every key."""
    empty = {"visits": 0, **dict.fromkeys(AMOUNTS, 0)}
    table = {}
    for group in GROUPS:
        now = {row["key"]: row for row in found["in_force"][group]}
        then = {row["key"]: row for row in found["draft"][group]}
        table[group] = [(key, now.get(key, empty), then.get(key, empty))
                        for key in sorted(now.keys() | then.keys())]  # fmt: skip
    return table


def bars(rows: list, width: int = 250) -> list[tuple]:
    """(key, in force width, draft width) of the government cost, scaled to ``width``."""
    top = max([max(a["government_fen"], b["government_fen"]) for _k, a, b in rows] or [0])
    scale = (lambda fen: round(width * fen / top, 1)) if top else (lambda _fen: 0)
    return [(key, scale(a["government_fen"]), scale(b["government_fen"])) for key, a, b in rows]
