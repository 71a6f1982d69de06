"""Complaints (投诉): received by whoever took them first (首问负责), due in working days (限时办结).

The deadline counts workdays on the holiday calendar (weekends, 春节, and 调休 Saturdays that are
workdays). A nightly job flags the overdue ones as escalated, for the station head and the bureau.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write, station_filter
from carehub.careplans.clock import local_today
from carehub.careplans.errors import conflict, invalid
from carehub.careplans.holidays import Calendar
from carehub.common import clock
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import Caregiver, Provider
from carehub.registry.services.common import lock, station_for_write
from carehub.visits.execution import setting
from carehub.visits.execution_models import Complaint
from carehub.visits.execution_schemas import ComplaintIn, ComplaintQuery, ComplaintStep
from carehub.visits.models import Visit

NEXT = {"received": {"in_progress", "resolved"}, "in_progress": {"resolved"},
        "resolved": {"replied"}, "replied": set()}  # fmt: skip


def due_on(received: date, workdays: int, calendar: Calendar | None = None) -> date:
    """The ``workdays``-th workday after the day received (that day itself does not count)."""
    calendar = calendar or Calendar()
    day, left = received, workdays
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def overdue(complaint: Complaint, today: date) -> bool:
    return complaint.state in ("received", "in_progress") and today > complaint.due_on


def receive(actor: User, payload: dict) -> Complaint:
    require_write(actor)
    data = load(ComplaintIn(), payload)
    station = station_for_write(actor, data["station_id"])
    _check_links(actor, data, station.id)
    today = local_today()
    with atomic():
        complaint = Complaint(
            station_id=station.id, received_by=actor.id, received_on=today,
            due_on=due_on(today, setting("COMPLAINT_WORKDAYS", 5)), channel=data["channel"],
            complainant=data["complainant"], summary=data["summary"],
            visit_id=data.get("visit_id"), caregiver_id=data.get("caregiver_id"),
            provider_id=data.get("provider_id"),
        )  # fmt: skip
        db.session.add(complaint)
        db.session.flush()
        record(actor, "receive", "complaint", complaint.id, station.id,
               {"channel": complaint.channel, "due_on": complaint.due_on})  # fmt: skip
    return complaint


def _check_links(actor: User, data: dict, station_id: int) -> None:
    if "visit_id" in data:
        visit = db.session.get(Visit, data["visit_id"])
        if visit is None or visit.station_id != station_id:
            raise invalid("visit_id", "unknown_visit", _l("No such visit at this station."))
    if "caregiver_id" in data and db.session.get(Caregiver, data["caregiver_id"]) is None:
        raise invalid("caregiver_id", "unknown_caregiver", _l("No such caregiver."))
    if "provider_id" in data and db.session.get(Provider, data["provider_id"]) is None:
        raise invalid("provider_id", "unknown_provider", _l("No such provider."))


def get_complaint(actor: User, complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise not_found("complaint", complaint_id)
    check_station(actor, complaint.station_id, "complaint", complaint_id)
    return complaint


def list_complaints(actor: User, args: dict) -> Page:
    args = load(ComplaintQuery(), args)
    query = station_filter(select(Complaint), Complaint.station_id, actor)
    for name in ("station_id", "state"):
        if name in args:
            query = query.where(getattr(Complaint, name) == args[name])
    return paginate(query.order_by(Complaint.id.desc()), args["page"], args["per_page"])


def step(actor: User, complaint_id: int, payload: dict) -> Complaint:
    """Move a complaint on: in progress, resolved, replied (the reply to the complainant)."""
    require_write(actor)
    data = load(ComplaintStep(), payload)
    complaint = get_complaint(actor, complaint_id)
    with atomic():
        lock(complaint, data.get("version"))
        before = complaint.state
        if data["to_state"] not in NEXT[before]:
            raise conflict("to_state", "illegal_transition",
                           _l("A complaint that is %(state)s cannot become %(to)s.",
                              state=before, to=data["to_state"]))  # fmt: skip
        if data["to_state"] == "replied" and not data["reply"]:
            raise invalid("reply", "reply_required", _l("Write the reply given."))
        _apply(complaint, data)
        record(actor, "step", "complaint", complaint.id, complaint.station_id,
               {"state": [before, complaint.state]})  # fmt: skip
    return complaint


def _apply(complaint: Complaint, data: dict) -> None:
    now = clock.utc_now()
    complaint.state = data["to_state"]
    if data["notes"]:
        complaint.handler_notes = (f"{complaint.handler_notes}\n{data['notes']}".strip())[:1000]
    if complaint.state == "resolved":
        complaint.resolved_at = now
    if complaint.state == "replied":
        complaint.reply, complaint.replied_at = data["reply"], now


def escalate_overdue(today: date) -> list[int]:
    """Flag every overdue, unescalated complaint (once); returns their ids."""
    rows = db.session.scalars(
        select(Complaint).where(Complaint.state.in_(("received", "in_progress")),
                                Complaint.due_on < today, Complaint.escalated_at.is_(None))
    )  # fmt: skip
    done = []
    for complaint in rows:
        complaint.escalated_at = clock.utc_now()
        record(None, "escalate", "complaint", complaint.id, complaint.station_id,
               {"due_on": complaint.due_on})  # fmt: skip
        _notify(complaint)
        done.append(complaint.id)
    db.session.flush()
    return done


def _notify(complaint: Complaint) -> None:
    """Tell the station head (its coordinators) and the bureau (auditors) in the same
    transaction as the flag, so an escalation is never silent."""
    from carehub.auth.models import User
    from carehub.notices import services as notices
    from carehub.registry.models import Station

    params = {"id": complaint.id, "station": db.session.get(Station, complaint.station_id).name,
              "due": complaint.due_on.isoformat()}  # fmt: skip
    users = db.session.scalars(select(User).where(User.active.is_(True),
                                                  User.role.in_(("coordinator", "auditor"))))  # fmt: skip
    for user in users:
        if user.role == "auditor" or complaint.station_id in user.station_ids:
            notices.post(complaint.station_id, "complaint_escalated", params, user_id=user.id)
