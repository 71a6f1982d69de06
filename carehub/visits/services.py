"""Visits: list and read (station-scoped), one-off and urgent requests, cancellation, generation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write, station_filter
from carehub.careplans import errors
from carehub.careplans.clock import local_today
from carehub.careplans.generation import Result, generate
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import ServiceType
from carehub.registry.services.common import lock, station_for_write
from carehub.registry.services.residents import get_resident
from carehub.visits.models import Visit
from carehub.visits.schemas import CancelIn, GenerateIn, RequestIn, VisitQuery
from carehub.visits.states import transition

FILTERS = ("station_id", "resident_id", "service_code", "state", "funding", "carers", "source")


def list_visits(actor: User, args: dict) -> Page:
    args = load(VisitQuery(), args)
    query = station_filter(select(Visit), Visit.station_id, actor)
    for name in FILTERS:
        if name in args:
            query = query.where(getattr(Visit, name) == args[name])
    if "date_from" in args:
        query = query.where(Visit.visit_date >= args["date_from"])
    if "date_to" in args:
        query = query.where(Visit.visit_date <= args["date_to"])
    query = query.options(selectinload(Visit.resident), selectinload(Visit.events))
    order = (Visit.visit_date, Visit.window1_start, Visit.id)
    return paginate(query.order_by(*order), args["page"], args["per_page"])


def get_visit(actor: User, visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    check_station(actor, visit.station_id, "visit", visit_id)
    return visit


def request_visit(actor: User, payload: dict) -> Visit:
    """A visit outside the plan: a one-off request or an urgent (助急) call."""
    require_write(actor)
    data = load(RequestIn(), payload)
    resident = get_resident(actor, data["resident_id"])
    if data["visit_date"] < local_today():
        raise errors.past_date("visit_date")
    service = db.session.get(ServiceType, data["service_code"])
    windows = sorted(data["windows"], key=lambda w: w["start"])
    if len(windows) == 2 and windows[1]["start"] < windows[0]["end"]:
        raise errors.invalid("windows", "windows_overlap", errors.windows_overlap())
    if data["funding"] == "volunteer" and service.code not in errors.VOLUNTEER_SERVICES:
        raise errors.not_volunteer_service("funding")
    with atomic():
        visit = Visit(
            resident_id=resident.id, station_id=resident.station_id, service_code=service.code,
            visit_date=data["visit_date"],
            window1_start=windows[0]["start"], window1_end=windows[0]["end"],
            window2_start=windows[1]["start"] if len(windows) > 1 else None,
            window2_end=windows[1]["end"] if len(windows) > 1 else None,
            duration_minutes=data.get("duration_minutes") or service.default_minutes,
            carers=data.get("carers") or service.carers,
            sex_preference=data.get("sex_preference", resident.caregiver_sex_preference),
            funding=data["funding"], source="urgent" if data["urgent"] else "request",
            notes=data["notes"], state="planned",
        )  # fmt: skip
        db.session.add(visit)
        db.session.flush()
        _first_event(actor, visit)
        record(actor, "request", "visit", visit.id, visit.station_id,
               {"service": service.code, "date": visit.visit_date, "source": visit.source})  # fmt: skip
    return visit


def _first_event(actor, visit: Visit) -> None:
    from carehub.visits.models import VisitEvent

    db.session.add(VisitEvent(visit_id=visit.id, from_state=None, to_state="planned",
                              user_id=actor.id, username=actor.username,
                              reason="urgent request" if visit.source == "urgent" else "request"))  # fmt: skip


def cancel_visit(actor: User, visit_id: int, payload: dict) -> Visit:
    require_write(actor)
    data = load(CancelIn(), payload)
    visit = get_visit(actor, visit_id)
    with atomic():
        lock(visit, data.get("version"))
        before = visit.state
        transition(actor, visit, "cancelled", data["reason"])
        record(actor, "cancel", "visit", visit.id, visit.station_id,
               {"state": [before, "cancelled"], "reason": data["reason"]})  # fmt: skip
    db.session.expire(visit, ["events"])
    return visit


def run_generation(actor: User, payload: dict) -> Result:
    """Generate the next days' visits for one station or every station the actor works in."""
    require_write(actor)
    data = load(GenerateIn(), payload)
    if "station_id" in data:
        station_ids = {station_for_write(actor, data["station_id"]).id}
    else:
        station_ids = None if actor.district_wide else set(actor.station_ids)
    with atomic():
        result = generate(actor, data["days"], station_ids)
        record(actor, "generate", "visits", 0, data.get("station_id"),
               {**result.counts(), "start": result.start, "end": result.end})  # fmt: skip
    return result
