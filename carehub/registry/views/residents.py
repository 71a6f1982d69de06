"""Resident pages: list, detail, register, edit and add an assessment.

Every read and write goes through ``carehub.registry.services.residents``, like the API.
"""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from carehub.audit.services import history
from carehub.auth.scoping import WRITE_ROLES, require_write
from carehub.common.clock import local_today
from carehub.common.errors import Conflict, Invalid
from carehub.registry.models import RESIDENT_STATUSES, Resident
from carehub.registry.services import network, residents
from carehub.registry.views import bp
from carehub.registry.views.charts import ability_chart
from carehub.registry.views.common import (
    actor,
    discard_changes,
    guarded,
    list_args,
    may,
    paged,
)
from carehub.registry.views.forms import (
    FormState,
    filled_rows,
    opt_float,
    opt_int,
    opt_text,
    place_errors,
    state_from_form,
)
from carehub.ui import label

FILTERS = (
    "q", "station_id", "category", "ability_level", "status", "household", "page", "per_page",
)  # fmt: skip
FIELDS = (
    "station_id", "name", "id_number", "phone", "address", "latitude", "longitude", "household",
    "categories", "health_notes", "caregiver_sex_preference", "status", "status_since",
    "deceased_on", "consent_signed_on", "consent_note",
)  # fmt: skip
FAMILY_FLAGS = ("lives_away", "emergency_contact")
BLANK_FAMILY_ROWS = 3
ASSESSMENT_FIELDS = (
    "assessed_on", "level", "self_care", "mobility", "mental", "perception", "assessor", "notes",
)  # fmt: skip


# --- list -------------------------------------------------------------------------------------


@bp.get("/residents", endpoint="residents")
@login_required
@guarded
def residents_list():
    page, args, problems = paged(
        partial(residents.list_residents, family=False), list_args(FILTERS)
    )
    return render_template(
        "registry/residents/list.html",
        page=page,
        args=args,
        problems=problems,
        chips=_status_chips(args),
        stations=network.list_stations(actor()),
        can_write=may(WRITE_ROLES),
    )


def _status_chips(args: dict) -> list[dict]:
    """How many residents match the other filters, per status; a chip toggles its status."""
    base = {k: v for k, v in args.items() if k not in ("status", "page")}
    counts = residents.count_by_status(actor(), base)
    chips = []
    for status in RESIDENT_STATUSES:
        on = args.get("status") == status
        target = base if on else {**base, "status": status}
        chips.append({"status": status, "count": counts[status], "on": on,
                      "url": url_for("registry.residents", **target)})  # fmt: skip
    return chips


# --- detail -----------------------------------------------------------------------------------


@bp.get("/residents/<int:resident_id>")
@login_required
@guarded
def resident(resident_id: int):
    record = residents.get_resident(actor(), resident_id)
    return render_template(
        "registry/residents/detail.html",
        resident=record,
        chart=ability_chart(record.assessments),
        events=[_event(e) for e in history("resident", record.id)],
        can_write=may(WRITE_ROLES),
    )


def _event(event) -> dict:
    """An audit event as a line of the timeline."""
    changes = event.changes or {}
    lines: list[str] = []
    if event.action == "update":
        for key, pair in changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            lines.append(_("%(field)s: %(old)s → %(new)s", field=label("field", key),
                           old=_shown(key, old), new=_shown(key, new)))  # fmt: skip
    elif event.action == "assess":
        lines.append(_("%(field)s: %(message)s", field=label("field", "level"),
                       message=_shown("level", changes.get("level"))))  # fmt: skip
    return {"at": event.at, "who": event.username, "action": label("action", event.action),
            "lines": lines}  # fmt: skip


def _shown(key: str, value) -> str:
    """A value from the audit log, in words."""
    if value is None or value == "":
        return "—"
    kinds = {"household": "household", "status": "status", "sex": "sex",
             "caregiver_sex_preference": "sex", "level": "level"}  # fmt: skip
    if key in kinds:
        return label(kinds[key], value)
    if key == "categories" and isinstance(value, list):
        return _(", ").join(label("category", c) for c in value) or "—"
    if key == "family_members" and isinstance(value, list):
        return _(", ").join(_member_line(m) for m in value if isinstance(m, dict)) or "—"
    if key == "station_id":
        return next((s.name for s in network.list_stations(actor()) if s.id == value), str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _member_line(member: dict) -> str:
    """A family member in the audit timeline: name, relationship and masked phone."""
    return _("%(name)s (%(relationship)s, %(phone)s)", name=member.get("name", ""),
             relationship=member.get("relationship", ""), phone=member.get("phone") or "—")  # fmt: skip


# --- register and edit ------------------------------------------------------------------------


@bp.route("/residents/new", methods=["GET", "POST"])
@login_required
@guarded
def resident_new():
    require_write(actor())
    if request.method == "POST":
        payload, row_map = _payload(request.form, None)
        try:
            created = residents.create_resident(actor(), payload)
        except (Invalid, Conflict) as err:
            return _form_again(err, row_map, None)
        flash(_("%(name)s is registered.", name=created.name), "success")
        return redirect(url_for("registry.resident", resident_id=created.id))
    stations = network.list_stations(actor())
    state = FormState(
        values={"household": "with_family",
                "station_id": str(stations[0].id) if len(stations) == 1 else ""},
        rows={"family_members": [{} for _ in range(BLANK_FAMILY_ROWS)]},
    )  # fmt: skip
    return _form(state, None)


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@login_required
@guarded
def resident_edit(resident_id: int):
    require_write(actor())
    record = residents.get_resident(actor(), resident_id)
    if request.method == "POST":
        payload, row_map = _payload(request.form, record)
        try:
            residents.update_resident(actor(), record.id, payload)
        except (Invalid, Conflict) as err:
            return _form_again(err, row_map, residents.get_resident(actor(), resident_id))
        flash(_("Changes saved."), "success")
        return redirect(url_for("registry.resident", resident_id=record.id))
    return _form(_stored(record), record)


def _form(state: FormState, record: Resident | None, status: int = 200):
    _mask_family_phones(state, record)
    return render_template(
        "registry/residents/form.html",
        state=state,
        resident=record,
        stations=network.list_stations(actor()),
    ), status


def _form_again(err: Invalid | Conflict, row_map: list[int], record: Resident | None):
    discard_changes()
    state = state_from_form(request.form, ("categories",), {"family_members": BLANK_FAMILY_ROWS})
    place_errors(state, err.errors or {"_schema": [err.message]}, FIELDS,
                 {"family_members": row_map})  # fmt: skip
    return _form(state, record, err.status)


def _payload(form: MultiDict, record: Resident | None) -> tuple[dict, list[int]]:
    """The service payload from the posted form, and which form row each family member came from.

    On an edit, a blank ID number or phone keeps the stored one: the form never shows them in clear.
    """
    payload: dict = {
        "station_id": opt_int(form.get("station_id")),
        "name": form.get("name", ""),
        "address": form.get("address", ""),
        "latitude": opt_float(form.get("latitude")),
        "longitude": opt_float(form.get("longitude")),
        "household": form.get("household") or "with_family",
        "categories": form.getlist("categories"),
        "health_notes": form.get("health_notes", ""),
        "caregiver_sex_preference": opt_text(form.get("caregiver_sex_preference")),
        "consent_signed_on": opt_text(form.get("consent_signed_on")),
        "consent_note": form.get("consent_note", ""),
    }
    if payload["station_id"] is None:
        del payload["station_id"]  # "Required", rather than "may not be null"
    id_number, phone = form.get("id_number", "").strip(), form.get("phone", "").strip()
    if record is None or id_number:
        payload["id_number"] = id_number
    if record is None or phone or form.get("clear_phone"):
        payload["phone"] = phone or None
    if record is not None:
        payload["version"] = form.get("version")  # the version the form showed
        payload["status"] = form.get("status") or record.status
        payload["deceased_on"] = opt_text(form.get("deceased_on"))
        if form.get("status_since", "").strip():
            payload["status_since"] = form["status_since"].strip()
    members, row_map = _family(form, record)
    payload["family_members"] = members
    return payload, row_map


def _family(form: MultiDict, record: Resident | None) -> tuple[list[dict], list[int]]:
    stored = {str(m.id): m for m in record.family_members} if record else {}
    members, row_map = [], []
    for index, row in filled_rows(form, "family_members", FAMILY_FLAGS):
        phone = row.get("phone", "")
        if not phone and row.get("id") in stored:  # kept: the form shows it masked
            phone = residents.family_phone(record, stored[row["id"]].id)
        members.append({
            "id": int(row["id"]) if row.get("id") in stored else None,
            "name": row.get("name", ""),
            "relationship": row.get("relationship", ""),
            "phone": phone,
            "lives_away": bool(row.get("lives_away")),
            "emergency_contact": bool(row.get("emergency_contact")),
            "agreement_signed_on": opt_text(row.get("agreement_signed_on")),
        })  # fmt: skip
        row_map.append(index)
    return members, row_map


def _stored(record: Resident) -> FormState:
    """The form filled from the stored record (ID and phones left blank, shown masked)."""
    values = {
        f: getattr(record, f) for f in FIELDS if f not in ("id_number", "phone", "categories")
    }
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    rows = [
        {"id": str(m.id), "name": m.name, "relationship": m.relationship_,
         "lives_away": "y" if m.lives_away else "", "phone": "",
         "emergency_contact": "y" if m.emergency_contact else "",
         "agreement_signed_on": str(m.agreement_signed_on or "")}
        for m in record.family_members
    ]  # fmt: skip
    rows += [{} for _ in range(BLANK_FAMILY_ROWS)]
    return FormState(values=values, lists={"categories": record.categories},
                     rows={"family_members": rows})  # fmt: skip


def _mask_family_phones(state: FormState, record: Resident | None) -> None:
    """Show each stored family member's masked phone as the placeholder of its blank field."""
    if record is None:
        return
    masked = {str(m.id): m.phone_masked for m in record.family_members}
    for row in state.rows.get("family_members", []):
        if row.get("id") in masked:
            row["phone_masked"] = masked[row["id"]]


# --- assessments ------------------------------------------------------------------------------


@bp.route("/residents/<int:resident_id>/assessments/new", methods=["GET", "POST"])
@login_required
@guarded
def assessment_new(resident_id: int):
    require_write(actor())
    record = residents.get_resident(actor(), resident_id)
    if request.method == "GET":
        state = FormState(values={"assessed_on": local_today().isoformat(),
                                  "assessor": actor().display_name})  # fmt: skip
        return _assessment_form(state, record)
    try:
        residents.add_assessment(actor(), record.id, _assessment_payload(request.form))
    except (Invalid, Conflict) as err:
        discard_changes()
        state = state_from_form(request.form)
        place_errors(state, err.errors or {"_schema": [err.message]}, ASSESSMENT_FIELDS)
        return _assessment_form(state, residents.get_resident(actor(), resident_id), err.status)
    flash(_("Assessment recorded."), "success")
    return redirect(url_for("registry.resident", resident_id=record.id, _anchor="assessments"))


def _assessment_form(state: FormState, record: Resident, status: int = 200):
    return render_template("registry/residents/assess.html", state=state, resident=record), status


def _assessment_payload(form: MultiDict) -> dict:
    payload = {
        "assessed_on": opt_text(form.get("assessed_on")),
        "level": opt_int(form.get("level")),
        "assessor": form.get("assessor", ""),
        "notes": form.get("notes", ""),
    }
    for key in ("self_care", "mobility", "mental", "perception"):
        payload[key] = opt_int(form.get(key))
    # A blank required field is reported as "required", not as "may not be null".
    return {k: v for k, v in payload.items() if v is not None or k not in ("assessed_on", "level")}
