"""The plan editor page: the current items as rows, a few blank rows, errors at the field.

It posts to the same services as the API: the first save creates the plan, later ones add a
version from the chosen date.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from carehub.careplans import services
from carehub.careplans.blueprint import bp
from carehub.careplans.fortnight import service_names
from carehub.careplans.models import FUNDING_TIERS
from carehub.careplans.recurrence import describe, pattern_of
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.registry.models import SERVICE_CODES
from carehub.registry.services.residents import get_resident
from carehub.registry.views.common import actor, guarded

BLANK_ROWS = 2
ROW_FIELDS = ("line", "service_code", "recurrence", "workdays_only", "w1s", "w1e", "w2s", "w2e",
              "duration_minutes", "carers", "volunteer_suitable", "funding", "notes", "remove")  # fmt: skip


@bp.route("/residents/<int:resident_id>/care-plan", methods=["GET", "POST"])
@login_required
@guarded
def plan_editor(resident_id: int):
    resident = get_resident(actor(), resident_id)
    plan = services.plan_of_resident(actor(), resident_id)
    if request.method == "GET":
        rows = [_row_of(i) for i in plan.current.items] if plan else []
        return _page(resident, plan, rows + [{}] * BLANK_ROWS, {}, {})
    payload, row_map = _payload(request.form)
    try:
        if plan is None:
            services.create_plan(actor(), {**payload, "resident_id": resident.id})
        else:
            services.add_version(actor(), plan.id, payload)
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        db.session.rollback()
        rows, top = _posted_rows(request.form), {k: request.form.get(k, "") for k in
                                                 ("effective_from", "reason")}  # fmt: skip
        return _page(resident, plan, rows, top, _placed(err, row_map), err.status)
    flash(_("Saved."), "ok")
    return redirect(url_for("registry.resident", resident_id=resident.id) + "#care-plan")


def _page(resident, plan, rows, top, errors, status=200):
    return render_template(
        "careplans/editor.html", resident=resident, plan=plan, rows=rows, top=top,
        errors=errors, services=SERVICE_CODES, fundings=FUNDING_TIERS, names=service_names(),
    ), status  # fmt: skip


def _row_of(item) -> dict:
    words = describe(item.rrule, item.workdays_only)["zh"]
    common = pattern_of(item.rrule, item.workdays_only) is not None
    return {
        "line": item.line, "service_code": item.service_code,
        "recurrence": words if common else item.rrule,
        "workdays_only": item.workdays_only and not common,
        "w1s": f"{item.window1_start:%H:%M}", "w1e": f"{item.window1_end:%H:%M}",
        "w2s": f"{item.window2_start:%H:%M}" if item.window2_start else "",
        "w2e": f"{item.window2_end:%H:%M}" if item.window2_end else "",
        "duration_minutes": item.duration_minutes, "carers": item.carers,
        "volunteer_suitable": item.volunteer_suitable, "funding": item.funding, "notes": item.notes,
    }  # fmt: skip


def _posted_rows(form) -> list[dict]:
    count = min(int(form.get("rows", "0") or 0) if form.get("rows", "").isdigit() else 0, 40)
    return [{f: form.get(f"items-{i}-{f}", "") for f in ROW_FIELDS} for i in range(count)]


def _payload(form) -> tuple[dict, list[int]]:
    """The service payload, and for each item the form row it came from (to place errors)."""
    items, row_map = [], []
    for i, row in enumerate(_posted_rows(form)):
        if not row["service_code"] or row["remove"]:
            continue
        rule = row["recurrence"].strip()
        item = {"service_code": row["service_code"], "funding": row["funding"],
                "notes": row["notes"], "volunteer_suitable": bool(row["volunteer_suitable"]),
                "workdays_only": bool(row["workdays_only"]),
                "windows": [{"start": row["w1s"], "end": row["w1e"]}]}  # fmt: skip
        item["rrule" if re.match(r"(?i)(RRULE:)?FREQ=", rule) else "recurrence_words"] = rule
        if row["w2s"] or row["w2e"]:
            item["windows"].append({"start": row["w2s"], "end": row["w2e"]})
        for key in ("line", "duration_minutes", "carers"):
            if str(row[key]).strip().isdigit():
                item[key] = int(row[key])
        items.append(item)
        row_map.append(i)
    payload = {"items": items, "reason": form.get("reason", "")}
    if form.get("effective_from"):
        payload["effective_from"] = form["effective_from"]
    return payload, row_map


def _placed(err: CareHubError, row_map: list[int]) -> dict:
    """{"effective_from": [...], "items-3-recurrence": [...], "_": [...]} for the template."""
    placed: dict[str, list[str]] = {}
    for key, messages in (err.errors or {"_": [err.message]}).items():
        match = re.match(r"items\.(\d+)\.(\w+)", key)
        if match and int(match[1]) < len(row_map):
            field = {"rrule": "recurrence", "recurrence_words": "recurrence",
                     "windows": "w1s"}.get(match[2], match[2])  # fmt: skip
            key = f"items-{row_map[int(match[1])]}-{field}"
        elif key not in ("effective_from", "reason"):
            key = "_"
        placed.setdefault(key, []).extend(messages)
    return placed


# --- a volunteer's offer: weekly availability and services (the phone page) --------------------


@bp.route("/my/offer", methods=["GET", "POST"])
@bp.route("/volunteers/<int:volunteer_id>/offer", methods=["GET", "POST"])
@login_required
@guarded
def volunteer_offer(volunteer_id: int | None = None):
    """The volunteer's own page (``/my/offer``), or the coordinator's for one volunteer."""
    from carehub.careplans import volunteers
    from carehub.careplans.models import VOLUNTEER_SERVICES

    volunteer_id = volunteer_id or actor().volunteer_id
    if volunteer_id is None:
        return render_template("careplans/offer.html", offer=None, errors={}), 200
    errors: dict = {}
    if request.method == "POST":
        try:
            volunteers.set_offer(actor(), volunteer_id, _offer_payload(request.form))
            flash(_("Saved."), "ok")
            return redirect(request.path)
        except CareHubError as err:
            if err.status in (403, 404):
                raise
            db.session.rollback()
            errors = err.errors or {"_": [err.message]}
    offer = volunteers.get_offer(actor(), volunteer_id)
    slots = {s.weekday: s for s in offer["availability"]}
    return render_template("careplans/offer.html", offer=offer, slots=slots, errors=errors,
                           suitable=VOLUNTEER_SERVICES, names=service_names())  # fmt: skip


def _offer_payload(form) -> dict:
    availability = [
        {"weekday": day, "start": form.get(f"start-{day}"), "end": form.get(f"end-{day}")}
        for day in range(7)
        if form.get(f"start-{day}") or form.get(f"end-{day}")
    ]
    return {"availability": availability, "services": form.getlist("services")}
