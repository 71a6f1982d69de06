"""The station's quality figures over a span of days: on time, missed, satisfaction, follow-up
coverage and complaints resolved on time (按时办结率), in all, per carer and per provider.

Rates are whole per cents (integers, never floats) or None when there is nothing to divide by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from carehub.auth.models import User
from carehub.auth.scoping import check_station
from carehub.common import clock
from carehub.extensions import db
from carehub.registry.models import Caregiver, Provider
from carehub.visits.execution import setting
from carehub.visits.execution_models import CheckEvent, Complaint, FollowUp, Verification
from carehub.visits.models import Visit


def rate(part: int, whole: int) -> int | None:
    return None if whole == 0 else (100 * part + whole // 2) // whole


@dataclass
class Tally:
    """Counts for one row of the quality page (the station, a carer or a provider)."""

    name: str
    visits: int = 0
    started: int = 0
    on_time: int = 0
    missed: int = 0
    done: int = 0
    followed_up: int = 0
    scores: list[int] = field(default_factory=list)
    complaints: int = 0
    resolved_on_time: int = 0

    @property
    def on_time_rate(self) -> int | None:
        return rate(self.on_time, self.started)

    @property
    def follow_up_rate(self) -> int | None:
        return rate(self.followed_up, self.done)

    @property
    def satisfaction_x10(self) -> int | None:
        """Mean satisfaction times ten (4.3 is 43), an integer for display as one decimal."""
        if not self.scores:
            return None
        return (10 * sum(self.scores) + len(self.scores) // 2) // len(self.scores)

    @property
    def on_time_complaints_rate(self) -> int | None:
        return rate(self.resolved_on_time, self.complaints)


@dataclass
class Quality:
    station: Tally
    carers: list[Tally]
    providers: list[Tally]
    start: date
    end: date


def station_quality(actor: User, station_id: int, start: date, end: date) -> Quality:
    check_station(actor, station_id, "station", station_id)
    station = Tally("")
    carers: dict[int, Tally] = {}
    providers: dict[int, Tally] = {}
    staff = {c.id: c for c in db.session.scalars(select(Caregiver)
                                                  .where(Caregiver.station_id == station_id))}  # fmt: skip
    names = {p.id: p.name for p in db.session.scalars(select(Provider))}
    for visit, facts in _visits(station_id, start, end):
        rows = [station]
        for seat in visit.carers_on:
            carer = staff.get(seat.caregiver_id) if seat.caregiver_id else None
            if carer is not None:
                rows.append(carers.setdefault(carer.id, Tally(carer.name)))
                rows.append(providers.setdefault(carer.provider_id,
                                                 Tally(names.get(carer.provider_id, ""))))  # fmt: skip
        for row in _unique(rows):
            _count(row, visit, facts)
    _complaints(station_id, start, end, station, carers, providers, staff)
    by_name = lambda t: t.name  # noqa: E731
    return Quality(station, sorted(carers.values(), key=by_name),
                   sorted(providers.values(), key=by_name), start, end)  # fmt: skip


def _unique(rows: list[Tally]) -> list[Tally]:
    seen: list[Tally] = []
    for row in rows:
        if all(row is not other for other in seen):
            seen.append(row)
    return seen


def _visits(station_id: int, start: date, end: date):
    visits = list(db.session.scalars(
        select(Visit).where(Visit.station_id == station_id, Visit.visit_date >= start,
                            Visit.visit_date <= end, Visit.state != "planned",
                            Visit.state != "cancelled")
        .options(selectinload(Visit.carers_on))
    ))  # fmt: skip
    ids = [v.id for v in visits] or [-1]
    first_in: dict[int, datetime] = {}
    for check in db.session.scalars(select(CheckEvent).where(CheckEvent.visit_id.in_(ids),
                                                             CheckEvent.kind == "in")):  # fmt: skip
        if check.visit_id not in first_in or check.at < first_in[check.visit_id]:
            first_in[check.visit_id] = check.at
    calls = {f.visit_id: f for f in db.session.scalars(select(FollowUp)
                                                       .where(FollowUp.visit_id.in_(ids)))}  # fmt: skip
    ratings = {v.visit_id: v.rating for v in db.session.scalars(
        select(Verification).where(Verification.visit_id.in_(ids)))}  # fmt: skip
    for visit in visits:
        yield visit, (first_in.get(visit.id), calls.get(visit.id), ratings.get(visit.id))


def _count(row: Tally, visit: Visit, facts) -> None:
    started, call, rating = facts
    row.visits += 1
    row.missed += visit.state == "missed"
    if started is not None:
        row.started += 1
        opened = datetime.combine(visit.visit_date, visit.window1_start, tzinfo=clock.timezone())
        row.on_time += started <= opened + timedelta(minutes=setting("LATE_START_MIN", 30))
    if visit.state in ("completed", "verified"):
        row.done += 1
        row.followed_up += call is not None and call.done_at is not None
    score = call.satisfaction if call is not None and call.satisfaction else rating
    if score:
        row.scores.append(score)


def _complaints(station_id, start, end, station, carers, providers, staff) -> None:
    rows = db.session.scalars(select(Complaint).where(
        Complaint.station_id == station_id, Complaint.due_on >= start, Complaint.due_on <= end))  # fmt: skip
    zone = clock.timezone()
    for complaint in rows:
        on_time = (complaint.resolved_at is not None
                   and complaint.resolved_at.astimezone(zone).date() <= complaint.due_on)  # fmt: skip
        targets = [station]
        if complaint.caregiver_id in carers:
            targets.append(carers[complaint.caregiver_id])
        provider = complaint.provider_id or getattr(staff.get(complaint.caregiver_id),
                                                    "provider_id", None)  # fmt: skip
        if provider in providers:
            targets.append(providers[provider])
        for row in targets:
            row.complaints += 1
            row.resolved_on_time += on_time
