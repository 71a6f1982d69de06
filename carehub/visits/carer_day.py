"""The carer's day: today's route from ``visit_carers``, the day sheet, and a secret calendar feed.

The feed's URL carries a random token; only its SHA-256 is stored, so the link is shown once,
and a new link revokes the old one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.common import clock
from carehub.common.errors import Forbidden
from carehub.extensions import db
from carehub.registry.models import Caregiver, Resident, ServiceType, Volunteer
from carehub.registry.services.common import phone_of
from carehub.visits.execution import checks_of
from carehub.visits.execution_models import CalendarFeed, CheckEvent
from carehub.visits.models import Visit, VisitCarer

FEED_DAYS = 14


@dataclass
class Stop:
    """One visit on the carer's route, with what the carer needs at the door."""

    seat: VisitCarer
    visit: Visit
    service_name: str
    todo: str
    contact: str
    partner: str
    checks: dict[str, CheckEvent] = field(default_factory=dict)

    @property
    def resident(self) -> Resident:
        return self.visit.resident


CARER_ROLES = ("caregiver", "volunteer")


def require_carer(actor: User) -> None:
    if not (actor.caregiver_id or actor.volunteer_id):
        raise Forbidden(_l("Only a caregiver's or volunteer's account has a route."),
                        code="forbidden")  # fmt: skip


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=clock.timezone()).astimezone(UTC)
    return start, start + timedelta(days=1)


def _seats(owner: dict, start: datetime, end: datetime) -> list[VisitCarer]:
    """The seats of one carer (``{"caregiver_id": 3}`` or ``{"volunteer_id": 5}``) in a span."""
    ((name, who),) = owner.items()
    column = getattr(VisitCarer, name)
    query = (
        select(VisitCarer).join(Visit, Visit.id == VisitCarer.visit_id)
        .where(column == who, VisitCarer.planned_start >= start, VisitCarer.planned_start < end,
               Visit.state != "cancelled")
        .options(selectinload(VisitCarer.visit).selectinload(Visit.carers_on),
                 selectinload(VisitCarer.visit).selectinload(Visit.resident)
                 .selectinload(Resident.family_members),
                 selectinload(VisitCarer.visit).selectinload(Visit.plan_item))
        .order_by(VisitCarer.planned_start, VisitCarer.visit_id)
    )  # fmt: skip
    return list(db.session.scalars(query))


def route(actor: User, day: date | None = None) -> list[Stop]:
    """The carer's visits of ``day`` (today by default) in the order of the published plan.

    A carer's account not yet linked to its registry record has an empty route."""
    if actor.role in CARER_ROLES and not (actor.caregiver_id or actor.volunteer_id):
        return []
    require_carer(actor)
    start, end = day_bounds(day or clock.local_today())
    seats = _seats(_owner(actor), start, end)
    names = {s.code: s for s in db.session.scalars(select(ServiceType))}
    stops = [_stop(actor, seat, names) for seat in seats]
    if stops:
        record(actor, "view_contacts", "carer_day", 0, stops[0].visit.station_id,
               {"visits": [s.visit.id for s in stops]})  # fmt: skip
    return stops


def _stop(actor: User, seat: VisitCarer, names: dict) -> Stop:
    visit = seat.visit
    service = names.get(visit.service_code)
    notes = (visit.plan_item.notes if visit.plan_item else "", visit.notes)
    todo = " · ".join(dict.fromkeys(t for t in notes if t))  # a visit copies its item's notes
    checks = {kind: row for (s, kind), row in checks_of(visit.id).items() if s == seat.seat}
    return Stop(seat, visit, service.name_zh if service else visit.service_code, todo,
                _contact(visit.resident), _partner(visit, seat), checks)  # fmt: skip


def _contact(resident: Resident) -> str:
    """The emergency contact first (or any family member), with the number to call."""
    members = sorted(resident.family_members, key=lambda m: not m.emergency_contact)
    if not members:
        phone = phone_of(resident)
        return phone or ""
    member = members[0]
    return f"{member.name}({member.relationship_}) {phone_of(member) or member.phone_masked}"


def _partner(visit: Visit, seat: VisitCarer) -> str:
    for other in visit.carers_on:
        if other.seat != seat.seat:
            if other.caregiver_id:
                return db.session.get(Caregiver, other.caregiver_id).name
            return db.session.get(Volunteer, other.volunteer_id).name
    return ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(actor: User) -> str:
    """A new secret feed token for the carer (returned once); every older one is revoked."""
    require_carer(actor)
    owner = _owner(actor)
    now = clock.utc_now()
    column = CalendarFeed.caregiver_id if actor.caregiver_id else CalendarFeed.volunteer_id
    db.session.execute(update(CalendarFeed)
                       .where(column == (actor.caregiver_id or actor.volunteer_id),
                              CalendarFeed.revoked_at.is_(None))
                       .values(revoked_at=now))  # fmt: skip
    token = secrets.token_urlsafe(24)
    db.session.add(CalendarFeed(token_hash=_hash(token), **owner))
    record(actor, "new_feed", "calendar_feed", 0, None, owner)
    db.session.flush()
    return token


def _owner(actor: User) -> dict:
    if actor.caregiver_id:
        return {"caregiver_id": actor.caregiver_id}
    return {"volunteer_id": actor.volunteer_id}


def feed_ics(token: str) -> bytes | None:
    """The calendar of the next days for a live token, or None (an unknown or revoked link)."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token),
                                                        CalendarFeed.revoked_at.is_(None)))  # fmt: skip
    if feed is None:
        return None
    owner = (
        {"caregiver_id": feed.caregiver_id}
        if feed.caregiver_id
        else {"volunteer_id": feed.volunteer_id}
    )
    start, _ = day_bounds(clock.local_today())
    seats = _seats(owner, start, start + timedelta(days=FEED_DAYS))
    return _calendar(seats)


def _calendar(seats: list[VisitCarer]) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//CareHub//carer day//ZH")
    cal.add("version", "2.0")
    names = {s.code: s.name_zh for s in db.session.scalars(select(ServiceType))}
    for seat in seats:
        visit = seat.visit
        event = Event()
        event.add("uid", f"visit-{visit.id}-seat-{seat.seat}@carehub")
        event.add("dtstamp", clock.utc_now())
        event.add("dtstart", seat.planned_start)
        event.add("dtend", seat.planned_end)
        event.add("summary", f"{names.get(visit.service_code, visit.service_code)} · "
                             f"{visit.resident.name}")  # fmt: skip
        event.add("location", visit.resident.address)
        cal.add_component(event)
    return cal.to_ical()
