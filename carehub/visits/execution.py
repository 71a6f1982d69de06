"""Check-in and check-out (EVV): the carer's phone, a queued offline record, or a coordinator's entry.

A visit is ``in_progress`` at its first check-in and ``completed`` when every seat that is on it
(``visit_carers``) has checked in and out: a two-carer bath is done when both have left. Location
is taken only here, with its accuracy and the great-circle distance from the registered address.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write
from carehub.careplans.errors import conflict, invalid
from carehub.common import clock
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.services.common import lock
from carehub.visits.execution_models import CheckEvent
from carehub.visits.execution_schemas import CheckIn, ManualCheck, MissedIn
from carehub.visits.models import Visit, VisitCarer
from carehub.visits.states import transition

EARTH_RADIUS_M = 6_371_008.8
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock a little ahead is not "in the future"
OFFLINE_MAX_AGE = timedelta(hours=24)


def setting(name: str, default: int) -> int:
    """An execution setting ``CAREHUB_<NAME>``: the app's config, else the environment, else the
    default; integers, so no float reaches a rule."""
    key = f"CAREHUB_{name}"
    return int(current_app.config.get(key, os.environ.get(key, default)))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle (haversine) distance in whole metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def seat_of(actor: User, visit: Visit) -> VisitCarer | None:
    """The actor's own seat on the visit, if the account is a carer on it."""
    for seat in visit.carers_on:
        if actor.caregiver_id and seat.caregiver_id == actor.caregiver_id:
            return seat
        if actor.volunteer_id and seat.volunteer_id == actor.volunteer_id:
            return seat
    return None


def visit_for_carer(actor: User, visit_id: int) -> tuple[Visit, VisitCarer]:
    """A visit the carer is on; any other is "not found", as for another station's."""
    visit = db.session.get(Visit, visit_id)
    seat = seat_of(actor, visit) if visit is not None else None
    if seat is None:
        raise not_found("visit", visit_id)
    return visit, seat


def checks_of(visit_id: int) -> dict[tuple[int, str], CheckEvent]:
    rows = db.session.scalars(select(CheckEvent).where(CheckEvent.visit_id == visit_id))
    return {(row.seat, row.kind): row for row in rows}


def check(actor: User, visit_id: int, kind: str, payload: dict) -> CheckEvent:
    """The carer's own check-in or -out, live or queued offline (``client_at``)."""
    data = load(CheckIn(), payload)
    visit, seat = visit_for_carer(actor, visit_id)
    now = clock.utc_now()
    at = now
    if data.get("client_at") is not None:
        at = _offline_time(data["client_at"], visit, now)
    with atomic("kind", _l("Already recorded."), "already_recorded"):
        lock(visit, None)
        event = _record(actor, visit, seat, kind, at, now, offline="client_at" in data,
                        location=data)  # fmt: skip
    return event


def manual(actor: User, visit_id: int, payload: dict) -> CheckEvent:
    """A coordinator's entry when the phone failed: a reason, no location, always flagged."""
    require_write(actor)
    data = load(ManualCheck(), payload)
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    check_station(actor, visit.station_id, "visit", visit_id)
    seat = next((s for s in visit.carers_on if s.seat == data["seat"]), None)
    if seat is None:
        raise invalid("seat", "no_such_seat", _l("Nobody is on this seat of the visit."))
    now = clock.utc_now()
    if data["at"] > now + CLOCK_SKEW or data["at"] < _day_start(visit):
        raise invalid("at", "time_out_of_bounds", _l("Not a time on the visit's day so far."))
    with atomic("kind", _l("Already recorded."), "already_recorded"):
        lock(visit, None)
        event = _record(actor, visit, seat, data["kind"], data["at"], now,
                        manual_reason=data["reason"])  # fmt: skip
    return event


def _record(actor, visit, seat, kind, at, now, offline=False, location=None, manual_reason=""):
    if visit.state not in ("scheduled", "in_progress"):
        raise conflict("state", "not_started_state",
                       _l("A visit that is %(state)s takes no check-in or check-out.",
                          state=visit.state))  # fmt: skip
    if at.astimezone(clock.timezone()).date() != visit.visit_date:
        raise conflict("visit_date", "not_visit_day", _l("This visit is not on this day."))
    done = checks_of(visit.id)
    if (seat.seat, kind) in done:
        raise conflict("kind", "already_recorded", _l("Already recorded."))
    if kind == "out":
        checked_in = done.get((seat.seat, "in"))
        if checked_in is None:
            raise conflict("kind", "not_checked_in", _l("Check in before checking out."))
        if at < checked_in.at:
            raise invalid("client_at", "before_check_in", _l("Earlier than the check-in."))
    event = CheckEvent(visit_id=visit.id, seat=seat.seat, kind=kind, at=at, received_at=now,
                       caregiver_id=seat.caregiver_id, volunteer_id=seat.volunteer_id,
                       user_id=actor.id, offline=offline, manual=bool(manual_reason),
                       manual_reason=manual_reason)  # fmt: skip
    _place(event, visit, location or {})
    db.session.add(event)
    db.session.flush()
    done[(seat.seat, kind)] = event
    _advance(actor, visit, done)
    record(actor, f"check_{kind}", "visit", visit.id, visit.station_id,
           {"seat": seat.seat, "at": at, "offline": offline, "manual": bool(manual_reason),
            "distance_m": event.distance_m, "far": event.far})  # fmt: skip
    return event


def _place(event: CheckEvent, visit: Visit, location: dict) -> None:
    """Where, how sure, how far from home; flags for far or inaccurate (or none given)."""
    if event.manual:
        return
    lat, lon = location.get("latitude"), location.get("longitude")
    event.latitude, event.longitude = lat, lon
    event.accuracy_m = location.get("accuracy_m")
    home = visit.resident
    if lat is None or home.latitude is None or home.longitude is None:
        event.inaccurate = lat is None
        return
    event.distance_m = distance_m(lat, lon, home.latitude, home.longitude)
    event.far = event.distance_m > setting("CHECKIN_FAR_M", 300)
    accuracy = event.accuracy_m
    event.inaccurate = accuracy is None or accuracy > setting("CHECKIN_ACCURACY_M", 150)


def _advance(actor, visit: Visit, done: dict) -> None:
    if visit.state == "scheduled":
        transition(actor, visit, "in_progress")
    seats = {s.seat for s in visit.carers_on}
    if all((s, "out") in done for s in seats):
        transition(actor, visit, "completed")


def _day_start(visit: Visit) -> datetime:
    zone = clock.timezone()
    return datetime.combine(visit.visit_date, time(0), tzinfo=zone).astimezone(UTC)


def _offline_time(client_at: datetime, visit: Visit, now: datetime) -> datetime:
    """A queued record keeps its phone time, if sane: not ahead, not stale, on the visit's day."""
    if client_at > now + CLOCK_SKEW:
        raise invalid("client_at", "in_future", _l("This time is in the future."))
    if client_at < now - OFFLINE_MAX_AGE:
        raise invalid("client_at", "too_old", _l("Older than 24 hours: ask the coordinator."))
    if client_at < _day_start(visit):
        raise invalid("client_at", "before_visit_day", _l("Before the visit's day began."))
    return client_at


def mark_missed(actor: User, visit_id: int, payload: dict) -> Visit:
    """A no-show: the coordinator decides, with the reason, and the event says who."""
    require_write(actor)
    data = load(MissedIn(), payload)
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    check_station(actor, visit.station_id, "visit", visit_id)
    with atomic():
        lock(visit, data.get("version"))
        before = visit.state
        transition(actor, visit, "missed", data["reason"])
        record(actor, "missed", "visit", visit.id, visit.station_id,
               {"state": [before, "missed"], "reason": data["reason"]})  # fmt: skip
    return visit


def evv(actor: User, visit_id: int) -> dict:
    """The six elements of electronic visit verification, as recorded: service type, resident,
    date, place (address and distances), carer(s), start and end (first in, last out)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    if seat_of(actor, visit) is None:
        check_station(actor, visit.station_id, "visit", visit_id)
    done = checks_of(visit.id)
    starts = [c.at for (_, kind), c in done.items() if kind == "in"]
    ends = [c.at for (_, kind), c in done.items() if kind == "out"]
    return {
        "visit_id": visit.id, "state": visit.state, "service_code": visit.service_code,
        "resident_id": visit.resident_id, "visit_date": visit.visit_date,
        "address": visit.resident.address, "start": min(starts) if starts else None,
        "end": max(ends) if len(ends) == len(visit.carers_on) and ends else None,
        "carers": [
            {"seat": s.seat, "caregiver_id": s.caregiver_id, "volunteer_id": s.volunteer_id,
             "check_in": done.get((s.seat, "in")), "check_out": done.get((s.seat, "out"))}
            for s in visit.carers_on
        ],
    }  # fmt: skip
