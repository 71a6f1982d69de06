"""Pages of care plans and visits: the resident's plan and fortnight, the station's visits by day,
the admin's holiday calendar. Thin: every read and write is a service call, as in the API.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from carehub.auth.scoping import READ_ROLES
from carehub.careplans import calendar_admin
from carehub.careplans.blueprint import bp
from carehub.careplans.clock import local_today
from carehub.careplans.fortnight import care_plan_of, service_names
from carehub.careplans.models import FUNDING_TIERS
from carehub.careplans.recurrence import describe
from carehub.common.errors import CareHubError
from carehub.policy.estimates import estimates
from carehub.policy.funding import frozen_splits
from carehub.registry.models import SERVICE_CODES
from carehub.registry.views.common import actor, guarded
from carehub.ui import LABELS
from carehub.visits import reasons
from carehub.visits import services as visit_services
from carehub.visits.models import STATES

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
        services=SERVICE_CODES, states=STATES, fundings=FUNDING_TIERS, names=service_names(),
        previous=day - timedelta(days=span), following=day + timedelta(days=span),
        splits=frozen_splits(v.id for v in page.items) if page else {},
        estimates=estimates(page.items) if page else {},
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
