"""Scheduling as users see it: runs, plans, pins, publish, compare, re-plan, recommend.

Coordinators work on their stations' plans, auditors and admins read every one; a plan or a
visit outside the actor's stations is "not found". Solving runs in the worker (``plan-day``,
``replan-day``): starting one only queues a job.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, require_write, station_filter
from carehub.common.errors import Conflict, Invalid, NotFound
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.jobs.services import request_job
from carehub.registry.models import Caregiver, Volunteer
from carehub.registry.services.common import lock, station_for_write
from carehub.scheduling import absences
from carehub.scheduling import publish as pub
from carehub.scheduling import schemas as s
from carehub.scheduling.models import SchedulePin, SchedulePlan, StationScheduling
from carehub.visits.services import get_visit


def _not_found(plan_id: int) -> NotFound:
    return NotFound(_l("No plan with id %(id)s.", id=plan_id), code="not_found")


def get_plan(actor: User, plan_id: int) -> SchedulePlan:
    plan = db.session.get(SchedulePlan, plan_id)
    if plan is None:
        raise _not_found(plan_id)
    try:
        check_station(actor, plan.station_id, "station", plan.station_id)
    except NotFound:
        raise _not_found(plan_id) from None
    return plan


def list_plans(actor: User, args: dict) -> Page:
    args = load(s.SchedulePlanQuery(), args)
    query = station_filter(select(SchedulePlan), SchedulePlan.station_id, actor)
    for name in ("station_id", "day", "state"):
        if name in args:
            query = query.where(getattr(SchedulePlan, name) == args[name])
    order = (SchedulePlan.day.desc(), SchedulePlan.number.desc())
    return paginate(query.order_by(*order), args["page"], args["per_page"])


def start_run(actor: User, payload: dict):
    """Queue a ``plan-day`` job for a station-day; poll it at /api/v1/jobs/{id}."""
    data = load(s.RunIn(), payload)
    parameters = {**data, "day": data["day"].isoformat()}
    return request_job(actor, {"kind": "plan-day", "parameters": parameters})


def publish(actor: User, plan_id: int, payload: dict) -> dict:
    require_write(actor)
    data = load(s.PublishIn(), payload)
    plan = get_plan(actor, plan_id)
    with atomic():
        lock(plan, data.get("version"))
        if plan.state != "draft":
            raise Conflict(_l("Only a draft can be published."), code="not_draft")
        summary = pub.publish_plan(actor, plan)
    return {"plan": plan, **summary}


def compare(actor: User, plan_id: int, args: dict) -> dict:
    data = load(s.CompareQuery(), args)
    a, b = get_plan(actor, data["other"]), get_plan(actor, plan_id)
    if (a.station_id, a.day) != (b.station_id, b.day):
        message = _l("Compare plans of the same station and day.")
        raise Invalid.field("other", message, code="other_day")
    return pub.compare(a, b)


def published_of(plan: SchedulePlan) -> SchedulePlan | None:
    return db.session.scalar(select(SchedulePlan).where(
        SchedulePlan.station_id == plan.station_id, SchedulePlan.day == plan.day,
        SchedulePlan.state == "published"))  # fmt: skip


def start_replan(actor: User, plan_id: int, payload: dict):
    """Queue a ``replan-day`` job from the published plan ``plan_id`` and the day's changes."""
    require_write(actor)
    data = load(s.ReplanIn(), payload)
    plan = get_plan(actor, plan_id)
    if plan.state != "published":
        raise Conflict(_l("Re-plan from the published plan."), code="not_published")
    changes = _changes_json(data)
    for key, rows in absences.replan_changes(plan.station_id, plan.day).items():
        changes[key] = rows + changes[key]  # the stored facts of the day, then the request's
    parameters = {"station_id": plan.station_id, "plan_id": plan.id,
                  "time_limit": data["time_limit"], **changes}  # fmt: skip
    return request_job(actor, {"kind": "replan-day", "parameters": parameters})


def _minute(t) -> int | None:
    return None if t is None else t.hour * 60 + t.minute


def _changes_json(data: dict) -> dict:
    def carer(row):
        return {k: row[k] for k in ("caregiver_id", "volunteer_id") if row.get(k) is not None}

    return {
        "absent": [{**carer(r), "from_minute": _minute(r.get("start"))} for r in data["absent"]],
        "late": [{**carer(r), "minutes": r["minutes"], "at_minute": _minute(r["at"])}
                 for r in data["late"]],
        "now_minute": _minute(data.get("now")),
    }  # fmt: skip


def recommend(actor: User, plan_id: int, args: dict) -> dict:
    from carehub.scheduling.ranking import candidates

    data = load(s.RecommendQuery(), args)
    plan = get_plan(actor, plan_id)
    visit = get_visit(actor, data["visit_id"])
    if (visit.station_id, visit.visit_date) != (plan.station_id, plan.day):
        raise Invalid.field("visit_id", _l("Not a visit of this plan's day."), code="other_day")
    return {"visit_id": visit.id, "candidates": candidates(plan, visit, data["limit"])}


def pins_of(actor: User, station_id: int, day) -> list[SchedulePin]:
    from carehub.visits.models import Visit

    check_station(actor, station_id, "station", station_id)
    return list(db.session.scalars(select(SchedulePin).join(Visit, Visit.id == SchedulePin.visit_id)
        .where(Visit.station_id == station_id, Visit.visit_date == day)))  # fmt: skip


def set_pin(actor: User, payload: dict) -> SchedulePin:
    """Pin a visit to a carer of its station and/or a start; the next runs keep it."""
    require_write(actor)
    data = load(s.PinIn(), payload)
    visit = get_visit(actor, data["visit_id"])
    _check_carer(visit, data)
    with atomic():
        pin = db.session.get(SchedulePin, visit.id) or SchedulePin(visit_id=visit.id)
        pin.caregiver_id, pin.volunteer_id = data.get("caregiver_id"), data.get("volunteer_id")
        pin.start_minute = _minute(data.get("start"))
        pin.created_by = actor.username
        db.session.add(pin)
        record(actor, "pin", "visit", visit.id, visit.station_id,
               {k: v for k, v in data.items() if k != "start"} | {"start": pin.start_minute})  # fmt: skip
    return pin


def _check_carer(visit, data: dict) -> None:
    if data.get("caregiver_id") is not None:
        found = db.session.get(Caregiver, data["caregiver_id"])
        if found is None or found.station_id != visit.station_id:
            message = _l("No caregiver with id %(id)s at this station.", id=data["caregiver_id"])
            raise Invalid.field("caregiver_id", message, code="no_caregiver")
        if found.id in (visit.plan_item.excluded_caregivers if visit.plan_item else ()):
            raise Invalid.field("caregiver_id", _l("This caregiver is excluded for this visit."),
                                code="excluded")  # fmt: skip
    if data.get("volunteer_id") is not None:
        found = db.session.get(Volunteer, data["volunteer_id"])
        if found is None or found.station_id != visit.station_id:
            message = _l("No volunteer with id %(id)s at this station.", id=data["volunteer_id"])
            raise Invalid.field("volunteer_id", message, code="no_volunteer")
        if not (visit.plan_item and visit.plan_item.volunteer_suitable):
            raise Invalid.field("volunteer_id", _l("This visit is not suitable for volunteers."),
                                code="not_volunteer_suitable")  # fmt: skip


def delete_pin(actor: User, visit_id: int) -> None:
    require_write(actor)
    visit = get_visit(actor, visit_id)
    with atomic():
        pin = db.session.get(SchedulePin, visit.id)
        if pin is None:
            raise NotFound(_l("This visit is not pinned."), code="not_found")
        db.session.delete(pin)
        record(actor, "unpin", "visit", visit.id, visit.station_id, {})


def setting(actor: User, station_id: int) -> dict:
    check_station(actor, station_id, "station", station_id)
    row = db.session.get(StationScheduling, station_id)
    return {"station_id": station_id, "auto_publish": bool(row and row.auto_publish)}


def set_setting(actor: User, station_id: int, payload: dict) -> dict:
    require_write(actor)
    data = load(s.SettingIn(), payload)
    check_station(actor, station_id, "station", station_id)
    station_for_write(actor, station_id)
    with atomic():
        row = db.session.get(StationScheduling, station_id) or StationScheduling(
            station_id=station_id
        )
        row.auto_publish = data["auto_publish"]
        db.session.add(row)
        record(actor, "setting", "station", station_id, station_id, data)
    return setting(actor, station_id)
