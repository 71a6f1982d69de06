"""The coordinator's station-day page (排班): start a run and follow it, read the draft as a
timeline and a route drawing, why visits are left out, pin, compare, publish, and on the day
re-plan after an absence or find who takes an urgent visit. Thin: every read and write is a
service call, as in the API; the solve runs in the worker, the page's script polls the job.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from carehub.auth.scoping import own_stations
from carehub.careplans.clock import local_today
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.jobs.services import get_job
from carehub.registry.models import Caregiver, Resident, Station, Volunteer
from carehub.registry.views.common import actor, guarded
from carehub.scheduling import absences, drawing, services
from carehub.scheduling.models import SchedulePlan
from carehub.scheduling.reasons import render
from carehub.ui import LABELS
from carehub.visits import services as visit_services
from carehub.visits.models import Visit

bp = Blueprint("scheduling", __name__)
READERS = frozenset({"admin", "auditor", "coordinator"})
WRITERS = frozenset({"admin", "coordinator"})
LABELS.setdefault("plan_state", {"draft": _l("Draft"), "published": _l("Published"),
                                 "superseded": _l("Superseded")})  # fmt: skip
LABELS.setdefault("plan_kind", {"plan": _l("Plan"), "replan": _l("Re-plan")})


def _reader() -> None:
    if actor().role not in READERS:
        abort(403)


def _stations() -> list[Station]:
    return list(db.session.scalars(own_stations(select(Station), Station.id, actor())
                                   .order_by(Station.code)))  # fmt: skip


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else local_today() + timedelta(days=1)
    except ValueError:
        return local_today() + timedelta(days=1)


def _back(station_id, day, **extra):
    return redirect(url_for("scheduling.day", station=station_id, day=str(day), **extra))


@bp.get("/schedule")
@login_required
@guarded
def day():
    """The station-day: its plans, the chosen one drawn, and what may be done with it."""
    _reader()
    stations = _stations()
    if not stations:
        abort(404)
    station_id = request.args.get("station", type=int) or stations[0].id
    if station_id not in {s.id for s in stations}:
        abort(404)
    the_day = _day(request.args.get("day"))
    plans = services.list_plans(actor(), {"station_id": station_id, "day": the_day.isoformat(),
                                          "per_page": 200}).items  # fmt: skip
    chosen = _chosen(plans, request.args.get("plan", type=int))
    context = _plan_context(chosen, plans) if chosen else {}
    return render_template(
        "scheduling/day.html", stations=stations, station_id=station_id, day=the_day,
        plans=plans, plan=chosen, job_id=request.args.get("job", type=int),
        can_write=actor().role in WRITERS, carers=_carers(station_id),
        residents=_residents(station_id), **context)  # fmt: skip


def _chosen(plans: list[SchedulePlan], plan_id: int | None) -> SchedulePlan | None:
    if plan_id is not None:
        return next((p for p in plans if p.id == plan_id), None)
    return plans[0] if plans else None


def _plan_context(plan: SchedulePlan, plans: list[SchedulePlan]) -> dict:
    visits = {v.id: v for v in db.session.scalars(select(Visit).where(
        Visit.station_id == plan.station_id, Visit.visit_date == plan.day))}  # fmt: skip
    names = {vid: v.resident.name for vid, v in visits.items()}
    carers = {(r["kind"], r["id"]): r["name"] for r in plan.routes or []}
    previous = next((p for p in plans if p.number < plan.number), None)
    other = request.args.get("compare", type=int) or (previous.id if previous else None)
    diff = None
    if other and other != plan.id:
        try:
            diff = services.compare(actor(), plan.id, {"other": other})
        except CareHubError:
            diff = None
    recommend_for = request.args.get("recommend", type=int)
    candidates = None
    if recommend_for:
        try:
            candidates = services.recommend(actor(), plan.id, {"visit_id": recommend_for})
        except CareHubError as err:
            flash(err.message, "error")
    unassigned = [(u, visits.get(u.visit_id), render(u.code, u.params)) for u in plan.unassigned]
    return {"visits": visits, "names": names, "carer_names": carers, "diff": diff,
            "timeline": drawing.timeline(plan, names, absences.off_hours(plan.station_id, plan.day)), "load": drawing.load(plan),
            "absences": absences.of_day(plan.station_id, plan.day), "route_map": drawing.route_map(plan),
            "unassigned": unassigned, "candidates": candidates, "recommend_for": recommend_for,
            "published": services.published_of(plan), "pins": {p.visit_id: p for p in
            services.pins_of(actor(), plan.station_id, plan.day)}}  # fmt: skip


def _carers(station_id: int) -> list[tuple[str, int, str]]:
    caregivers = db.session.execute(select(Caregiver.id, Caregiver.name).where(
        Caregiver.station_id == station_id, Caregiver.status == "active").order_by(Caregiver.name))  # fmt: skip
    volunteers = db.session.execute(select(Volunteer.id, Volunteer.name).where(
        Volunteer.station_id == station_id, Volunteer.status == "active").order_by(Volunteer.name))  # fmt: skip
    return [("caregiver", i, n) for i, n in caregivers] + [
        ("volunteer", i, n) for i, n in volunteers
    ]


def _residents(station_id: int) -> list[tuple[int, str]]:
    return list(db.session.execute(select(Resident.id, Resident.name).where(
        Resident.station_id == station_id, Resident.status == "active").order_by(Resident.name)))  # fmt: skip


def _carer_fields(value: str) -> dict:
    """A select's ``caregiver:3`` / ``volunteer:7`` as the service's fields."""
    kind, _sep, number = value.partition(":")
    if kind in ("caregiver", "volunteer") and number.isdigit():
        return {f"{kind}_id": int(number)}
    return {}


def _attempt(call, ok_message: str):
    try:
        result = call()
        flash(ok_message, "ok")
        return result
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
        db.session.rollback()
        return None


@bp.post("/schedule/run")
@login_required
@guarded
def run():
    station_id, the_day = request.form.get("station", type=int), _day(request.form.get("day"))
    body = {"station_id": station_id or 0, "day": the_day.isoformat(),
            "time_limit": request.form.get("time_limit", 10, type=float)}  # fmt: skip
    job = _attempt(
        lambda: services.start_run(actor(), body), _("The run is queued; a worker plans the day.")
    )
    return _back(station_id, the_day, **({"job": job.id} if job else {}))


@bp.get("/schedule/job.json")
@login_required
@guarded
def job_status():
    """A run's state and progress for the page's poll; ``plan`` once the draft is stored."""
    _reader()
    job = get_job(actor(), request.args.get("id", 0, type=int))
    return jsonify({"state": job.state, "done": job.progress_done, "total": job.progress_total,
                    "message": job.progress_message, "percent": job.percent,
                    "plan": (job.result or {}).get("plan_id"), "error": job.error})  # fmt: skip


@bp.post("/schedule/plans/<int:plan_id>/publish")
@login_required
@guarded
def publish(plan_id: int):
    plan = services.get_plan(actor(), plan_id)
    body = {"version": request.form.get("version", type=int)}
    _attempt(lambda: services.publish(actor(), plan_id, {k: v for k, v in body.items() if v}),
             _("Published: the carers see their new routes."))  # fmt: skip
    return _back(plan.station_id, plan.day, plan=plan_id)


@bp.post("/schedule/pins")
@login_required
@guarded
def pin():
    visit_id = request.form.get("visit_id", 0, type=int)
    visit = visit_services.get_visit(actor(), visit_id)
    body = {"visit_id": visit_id, **_carer_fields(request.form.get("carer", ""))}
    if request.form.get("start"):
        body["start"] = request.form["start"]
    if request.form.get("unpin"):
        _attempt(lambda: services.delete_pin(actor(), visit_id), _("Unpinned."))
    else:
        _attempt(lambda: services.set_pin(actor(), body), _("Pinned: the next run keeps it."))
    return _back(visit.station_id, visit.visit_date, plan=request.form.get("plan", type=int))


@bp.post("/schedule/plans/<int:plan_id>/replan")
@login_required
@guarded
def replan(plan_id: int):
    plan = services.get_plan(actor(), plan_id)
    body: dict = {"absent": [], "late": []}
    carer = _carer_fields(request.form.get("carer", ""))
    if request.form.get("change") == "late":
        body["late"].append({**carer, "minutes": request.form.get("minutes", 0, type=int),
                             "at": request.form.get("at") or "08:00"})  # fmt: skip
    else:
        body["absent"].append({**carer, "start": request.form.get("start") or None})
    job = _attempt(lambda: services.start_replan(actor(), plan_id, body),
                   _("The re-plan is queued; a worker plans the rest of the day."))  # fmt: skip
    return _back(plan.station_id, plan.day, plan=plan_id, **({"job": job.id} if job else {}))


@bp.post("/schedule/urgent")
@login_required
@guarded
def urgent():
    """An urgent visit (助急) on the plan's day, then its ranked candidates."""
    plan = services.get_plan(actor(), request.form.get("plan", 0, type=int))
    body = {"resident_id": request.form.get("resident_id", 0, type=int),
            "service_code": request.form.get("service_code", "EMERGENCY"),
            "visit_date": plan.day.isoformat(), "urgent": True, "funding": "government",
            "windows": [{"start": request.form.get("start", ""),
                         "end": request.form.get("end", "")}]}  # fmt: skip
    visit = _attempt(lambda: visit_services.request_visit(actor(), body), _("Urgent visit added."))
    extra = {"recommend": visit.id} if visit else {}
    return _back(plan.station_id, plan.day, plan=plan.id, **extra)


@bp.app_template_filter("hm")
def _hm(moment) -> str:
    """A stored UTC time as the station's wall-clock HH:MM."""
    from carehub.common.clock import timezone

    return moment.astimezone(timezone()).strftime("%H:%M") if moment else ""


@bp.app_template_filter("carer_of")
def _carer_of(carer: dict, names: dict) -> str:
    return names.get((carer["kind"], carer["id"]), str(carer["id"]))


@bp.post("/schedule/absences")
@login_required
@guarded
def absence():
    """Record an absence or lateness from the page's form; the page shows it from then on."""
    station_id, the_day = request.form.get("station", type=int), _day(request.form.get("day"))
    form = request.form
    body = {**_carer_fields(form.get("carer", "")), "day": the_day.isoformat(),
            "kind": form.get("kind", "absent"), "reason": form.get("reason", ""),
            "start": form.get("start") or None, "end": form.get("end") or None,
            "minutes": form.get("minutes", type=int)}  # fmt: skip
    _attempt(lambda: absences.record_absence(actor(), body), _("Recorded."))
    return _back(station_id, the_day, plan=form.get("plan", type=int))


@bp.app_template_filter("minute_hm")
def _minute_hm(minute: int | None) -> str:
    return "" if minute is None else drawing.hhmm(minute)
