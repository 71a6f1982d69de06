"""Absences and lateness as stored facts: a coordinator records that a carer is off (all day,
from a time, or between two times) or late on a day, with a reason; the audit log keeps who.
New plans of that day leave the carer out for those hours and a re-plan starts from them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import Caregiver, Volunteer
from carehub.scheduling import schemas as s
from carehub.scheduling.models import CarerAbsence


def _minute(t) -> int | None:
    return None if t is None else t.hour * 60 + t.minute


def _station_of(actor: User, data: dict) -> int:
    """The carer's station; an unknown carer or one outside the actor's stations is not found."""
    what = "caregiver" if data.get("caregiver_id") is not None else "volunteer"
    carer_id = data[f"{what}_id"]
    carer = db.session.get(Caregiver if what == "caregiver" else Volunteer, carer_id)
    if carer is None:
        raise not_found(what, carer_id)
    check_station(actor, carer.station_id, what, carer_id)
    return carer.station_id


def record_absence(actor: User, payload: dict) -> CarerAbsence:
    """Store one absence or lateness, audited in the same transaction."""
    require_write(actor)
    data = load(s.AbsenceIn(), payload)
    station_id = _station_of(actor, data)
    with atomic():
        row = CarerAbsence(
            station_id=station_id, day=data["day"], caregiver_id=data.get("caregiver_id"),
            volunteer_id=data.get("volunteer_id"), kind=data["kind"],
            from_minute=_minute(data.get("start")), to_minute=_minute(data.get("end")),
            minutes_late=data.get("minutes"), reason=data["reason"].strip(),
            recorded_by=actor.username)  # fmt: skip
        db.session.add(row)
        db.session.flush()
        record(actor, "record_absence", "carer_absence", row.id, station_id,
               {"kind": row.kind, "day": row.day.isoformat(), "caregiver_id": row.caregiver_id,
                "volunteer_id": row.volunteer_id, "from": row.from_minute, "to": row.to_minute,
                "minutes": row.minutes_late, "reason": row.reason})  # fmt: skip
    return row


def list_absences(actor: User, args: dict) -> list[CarerAbsence]:
    data = load(s.AbsenceQuery(), args)
    check_station(actor, data["station_id"], "station", data["station_id"])
    return of_day(data["station_id"], data["day"])


def of_day(station_id: int, day: date) -> list[CarerAbsence]:
    return list(db.session.scalars(select(CarerAbsence).where(
        CarerAbsence.station_id == station_id, CarerAbsence.day == day)
        .order_by(CarerAbsence.id)))  # fmt: skip


def off_hours(station_id: int, day: date) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Per carer, the minutes of the day they are not there: absences, and a late start from
    the start of the day to the reported time plus the minutes late."""
    out: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for a in of_day(station_id, day):
        who = ("caregiver", a.caregiver_id) if a.caregiver_id else ("volunteer", a.volunteer_id)
        if a.kind == "absent":
            gap = (a.from_minute or 0, a.to_minute or 1440)
        else:
            gap = (0, a.from_minute + a.minutes_late)
        out.setdefault(who, []).append(gap)
    return out


def minus(periods: list[tuple[int, int]], gaps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Working periods with the gaps cut out (pieces shorter than 15 minutes dropped)."""
    for g0, g1 in gaps:
        cut = []
        for p0, p1 in periods:
            cut += [(p0, min(p1, g0)), (max(p0, g1), p1)]
        periods = [(a, b) for a, b in cut if b - a >= 15]
    return periods


def replan_changes(station_id: int, day: date) -> dict:
    """The day's stored facts in the re-plan job's shape (``absent`` / ``late`` lists)."""
    absent, late = [], []
    for a in of_day(station_id, day):
        who = (
            {"caregiver_id": a.caregiver_id} if a.caregiver_id else {"volunteer_id": a.volunteer_id}
        )
        if a.kind == "absent":
            absent.append({**who, "from_minute": a.from_minute})
        else:
            late.append({**who, "minutes": a.minutes_late, "at_minute": a.from_minute})
    return {"absent": absent, "late": late}
