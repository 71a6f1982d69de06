"""Effective-dated facts: what was true on date D about a resident, a caregiver, a provider.

Generation, the policy engine and the audit rules all ask "on the visit date", never "now".
A resident's status, household and categories come from ``resident_history`` (one row per
change, written by the registry services through ``record_resident``); a resident registered
before that table existed is read from the record itself (its ``status_since``). Ability levels,
certificates and contracts are dated in the registry already.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select

from carehub.careplans.models import ResidentHistory
from carehub.extensions import db
from carehub.registry.models import Caregiver, Certificate, Contract, Provider, Resident


@dataclass(frozen=True)
class ResidentFacts:
    status: str
    household: str
    categories: tuple[str, ...]
    ability_level: int | None


def record_resident(resident: Resident, day: date) -> None:
    """The registry's hook: the resident's current facts hold from ``day`` on.

    A change dated back (a hospital stay reported late) replaces what history said from that day.
    """
    db.session.flush()
    db.session.execute(
        delete(ResidentHistory).where(
            ResidentHistory.resident_id == resident.id, ResidentHistory.valid_from >= day
        )
    )
    open_row = db.session.scalar(
        select(ResidentHistory)
        .where(ResidentHistory.resident_id == resident.id)
        .order_by(ResidentHistory.valid_from.desc())
        .limit(1)
    )
    if open_row is not None and (open_row.valid_to is None or open_row.valid_to >= day):
        open_row.valid_to = day - timedelta(days=1)
    db.session.add(
        ResidentHistory(
            resident_id=resident.id,
            valid_from=day,
            status=resident.status,
            household=resident.household,
            categories=sorted(resident.categories),
        )
    )


def resident_facts_on(resident: Resident, day: date) -> ResidentFacts:
    rows = _history([resident.id]).get(resident.id, [])
    status, household, categories = _snapshot_on(resident, rows, day)
    return ResidentFacts(status, household, tuple(categories), ability_level_on(resident, day))


def status_on(resident: Resident, day: date) -> str:
    return resident_facts_on(resident, day).status


def statuses(residents: list[Resident]):
    """For many residents at once: ``(resident, day) -> status`` with one query for all."""
    history = _history([r.id for r in residents])
    return lambda resident, day: _snapshot_on(resident, history.get(resident.id, []), day)[0]


def ability_level_on(resident: Resident, day: date) -> int | None:
    done = [a for a in resident.assessments if a.assessed_on <= day]
    return max(done, key=lambda a: (a.assessed_on, a.id)).level if done else None


def certificates_on(caregiver: Caregiver, day: date) -> list[Certificate]:
    return [
        c
        for c in caregiver.certificates
        if c.issued_on <= day and (c.expires_on is None or c.expires_on >= day)
    ]


def contracts_on(provider: Provider, day: date, station_id: int | None = None) -> list[Contract]:
    return [
        c
        for c in provider.contracts
        if c.valid_from <= day <= c.valid_to
        and (station_id is None or station_id in {s.id for s in c.stations})
    ]


def _history(resident_ids: list[int]) -> dict[int, list[ResidentHistory]]:
    found: dict[int, list[ResidentHistory]] = defaultdict(list)
    if not resident_ids:
        return found
    for chunk in range(0, len(resident_ids), 500):
        query = select(ResidentHistory).where(
            ResidentHistory.resident_id.in_(resident_ids[chunk : chunk + 500])
        )
        for row in db.session.scalars(query):
            found[row.resident_id].append(row)
    return found


def _snapshot_on(resident: Resident, rows: list[ResidentHistory], day: date):
    for row in rows:
        if row.valid_from <= day and (row.valid_to is None or row.valid_to >= day):
            return row.status, row.household, list(row.categories)
    if rows and day < min(row.valid_from for row in rows):
        first = min(rows, key=lambda row: row.valid_from)
        return "active", first.household, list(first.categories)
    since = resident.deceased_on or resident.status_since
    status = resident.status if since is None or day >= since else "active"
    return status, resident.household, resident.categories
