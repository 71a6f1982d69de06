"""Pages of care plans and visits: the resident's plan and fortnight, the station's visits by day,
the admin's holiday calendar. Thin: every read and write is a service call, as in the API.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from carehub.auth.scoping import READ_ROLES
from carehub.careplans import calendar_admin
from carehub.careplans.clock import local_today
from carehub.careplans.generation import preview
from carehub.careplans.models import FUNDING_TIERS, CarePlan
from carehub.careplans.recurrence import describe
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.registry.models import SERVICE_CODES, ServiceType
from carehub.registry.views.common import actor, guarded
from carehub.ui import LABELS
from carehub.visits import reasons
from carehub.visits import services as visit_services
from carehub.visits.models import STATES, Visit

bp = Blueprint("careplans", __name__)
FORTNIGHT = 14
# Labels of this domain's codes, for ``label(kind, code)`` in every template.
LABELS.setdefault("funding", {
    "government": _l("Government purchase"), "low_cost": _l("Low cost"), "paid": _l("Paid"),
    "time_credit": _l("Time bank hours"), "volunteer": _l("Volunteer"),
})  # fmt: skip
LABELS.setdefault("visit_state", {
    "planned": _l("Planned"), "scheduled": _l("Scheduled"), "in_progress": _l("In progress"),
    "completed": _l("Completed"), "verified": _l("Verified"), "cancelled": _l("Cancelled"),
    "missed": _l("Missed"), "preview": _l("Not generated yet"),
})  # fmt: skip


@bp.app_context_processor
def _helpers() -> dict:
    return {"care_plan_of": care_plan_of, "describe_rule": describe, "visit_reason": reasons.render}


def care_plan_of(resident) -> dict | None:
    """For the resident page: the current plan in words and the next two weeks, day by day.

    Stored visits are shown with their state; days not generated yet show what the plan wants.
    """
    plan = db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident.id))
    if plan is None:
        return None
    start = local_today()
    end = start + timedelta(days=FORTNIGHT - 1)
    wanted, unknown = preview(plan, start, end)
    stored = db.session.scalars(
        select(Visit).where(Visit.resident_id == resident.id, Visit.visit_date.between(start, end))
    ).all()
    days = {start + timedelta(days=n): [] for n in range(FORTNIGHT)}
    seen = set()
    for visit in stored:
        days[visit.visit_date].append({"service": visit.service_code, "start": visit.window1_start,
                                       "state": visit.state})  # fmt: skip
        seen.add((visit.plan_item_id, visit.visit_date))
    for row in wanted:
        if (row["plan_item_id"], row["visit_date"]) not in seen:
            days[row["visit_date"]].append({"service": row["service_code"],
                                            "start": row["window1_start"], "state": "preview"})  # fmt: skip
    weeks, cells = [], [None] * start.weekday() + sorted(days.items())
    for n in range(0, len(cells), 7):
        weeks.append(cells[n : n + 7] + [None] * (7 - len(cells[n : n + 7])))
    return {"plan": plan, "version": plan.current, "weeks": weeks, "unknown_years": unknown,
            "names": _service_names()}  # fmt: skip


def _service_names() -> dict[str, ServiceType]:
    return {s.code: s for s in db.session.scalars(select(ServiceType))}


@bp.get("/visits")
@login_required
@guarded
def visits():
    """The station's visits for a day or a week, with filters."""
    args = {k: v for k, v in request.args.items() if v and k != "lang"}  # lang: the switch's
    day = _day(args.pop("day", None))
    span = 7 if args.pop("span", "") == "week" else 1
    query = {**args, "date_from": day.isoformat(),
             "date_to": (day + timedelta(days=span - 1)).isoformat(), "per_page": 500}  # fmt: skip
    try:
        page = visit_services.list_visits(actor(), query)
        error = None
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        page, error = None, err
    return render_template(
        "careplans/visits.html", page=page, error=error, day=day, span=span, args=args,
        services=SERVICE_CODES, states=STATES, fundings=FUNDING_TIERS, names=_service_names(),
        previous=day - timedelta(days=span), following=day + timedelta(days=span),
    )  # fmt: skip


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else local_today()
    except ValueError:
        return local_today()


@bp.route("/holidays", methods=["GET", "POST"])
@login_required
@guarded
def holidays():
    """The official calendar of a year, and (admin) its overrides."""
    if actor().role not in READ_ROLES:
        from flask import abort

        abort(403)
    year_text = request.values.get("year", "")
    year = int(year_text) if year_text.isdigit() else local_today().year
    if request.method == "POST":
        try:
            calendar_admin.add_override(actor(), {k: v for k, v in request.form.items()
                                                  if k in ("day", "is_workday", "name")})  # fmt: skip
            flash(_("Saved."), "ok")
        except CareHubError as err:
            if err.status == 403:
                raise
            flash(err.message, "error")
        return redirect(url_for("careplans.holidays", year=year))
    calendar = calendar_admin.year_calendar(actor(), {"year": max(2000, min(year, 2100))})
    return render_template("careplans/holidays.html", calendar=calendar, year=year,
                           can_edit=actor().role == "admin")  # fmt: skip


@bp.post("/holidays/<day>/delete")
@login_required
@guarded
def holiday_delete(day: str):
    calendar_admin.delete_override(actor(), _day(day))
    flash(_("Deleted."), "ok")
    return redirect(url_for("careplans.holidays", year=_day(day).year))


from carehub.careplans import editor  # noqa: E402,F401  (the plan editor's routes)
