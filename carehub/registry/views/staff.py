"""Caregiver (护理员) and volunteer (志愿者) pages; reads and writes go through the staff services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from carehub.auth.scoping import WRITE_ROLES, require_write
from carehub.common.clock import local_today
from carehub.common.errors import Conflict, Invalid
from carehub.registry.models import Caregiver, Volunteer
from carehub.registry.services import network, providers, staff
from carehub.registry.views import bp
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

FILTERS = ("q", "station_id", "provider_id", "status", "page", "per_page")
CAREGIVER_FIELDS = (
    "provider_id", "station_id", "name", "sex", "phone", "home_latitude", "home_longitude",
    "travel_mode", "max_minutes_per_day", "status", "skills",
)  # fmt: skip
VOLUNTEER_FIELDS = ("station_id", "name", "id_number", "phone", "joined_on", "status",
                    "skills_note", "resident_id")  # fmt: skip
BLANK_ROWS = {"certificates": 2, "working_hours": 3}


# --- caregivers -------------------------------------------------------------------------------


@bp.get("/caregivers", endpoint="caregivers")
@login_required
@guarded
def caregivers_list():
    page, args, problems = paged(staff.list_caregivers, list_args(FILTERS))
    return render_template(
        "registry/caregivers/list.html",
        page=page,
        args=args,
        problems=problems,
        stations=network.list_stations(actor()),
        providers=_providers(),
        can_write=may(staff.CAREGIVER_WRITERS),
    )


@bp.get("/caregivers/<int:caregiver_id>")
@login_required
@guarded
def caregiver(caregiver_id: int):
    record = staff.get_caregiver(actor(), caregiver_id)
    return render_template(
        "registry/caregivers/detail.html",
        caregiver=record,
        weekly_hours=round(record.weekly_minutes / 60, 1),
        can_write=may(staff.CAREGIVER_WRITERS),
    )


@bp.route("/caregivers/new", methods=["GET", "POST"])
@login_required
@guarded
def caregiver_new():
    require_write(actor(), staff.CAREGIVER_WRITERS)
    if request.method == "POST":
        payload, row_maps = _caregiver_payload(request.form, None)
        try:
            created = staff.create_caregiver(actor(), payload)
        except (Invalid, Conflict) as err:
            return _caregiver_again(err, row_maps, None)
        flash(_("%(name)s is registered.", name=created.name), "success")
        return redirect(url_for("registry.caregiver", caregiver_id=created.id))
    stations, choices = network.list_stations(actor()), _providers()
    values = {"travel_mode": "ebike", "max_minutes_per_day": "480", "status": "active",
              "station_id": str(stations[0].id) if len(stations) == 1 else "",
              "provider_id": str(choices[0].id) if len(choices) == 1 else ""}  # fmt: skip
    rows = {group: [{} for _ in range(n)] for group, n in BLANK_ROWS.items()}
    return _caregiver_form(FormState(values=values, rows=rows), None)


@bp.route("/caregivers/<int:caregiver_id>/edit", methods=["GET", "POST"])
@login_required
@guarded
def caregiver_edit(caregiver_id: int):
    require_write(actor(), staff.CAREGIVER_WRITERS)
    record = staff.get_caregiver(actor(), caregiver_id)
    if request.method == "POST":
        payload, row_maps = _caregiver_payload(request.form, record)
        try:
            staff.update_caregiver(actor(), record.id, payload)
        except (Invalid, Conflict) as err:
            return _caregiver_again(err, row_maps, staff.get_caregiver(actor(), caregiver_id))
        flash(_("Changes saved."), "success")
        return redirect(url_for("registry.caregiver", caregiver_id=record.id))
    return _caregiver_form(_caregiver_stored(record), record)


def _caregiver_form(state: FormState, record: Caregiver | None, status: int = 200):
    return render_template(
        "registry/caregivers/form.html",
        state=state,
        caregiver=record,
        stations=network.list_stations(actor()),
        providers=_providers(),
    ), status


def _caregiver_again(err, row_maps: dict[str, list[int]], record: Caregiver | None):
    discard_changes()
    state = state_from_form(request.form, ("skills",), BLANK_ROWS)
    place_errors(state, err.errors or {"_schema": [err.message]}, CAREGIVER_FIELDS, row_maps)
    return _caregiver_form(state, record, err.status)


def _providers():
    return providers.provider_choices(actor())


def _caregiver_payload(form: MultiDict, record: Caregiver | None) -> tuple[dict, dict]:
    """The service payload, and which form row each certificate and working period came from."""
    payload: dict = {
        "provider_id": opt_int(form.get("provider_id")),
        "station_id": opt_int(form.get("station_id")),
        "name": form.get("name", ""),
        "sex": form.get("sex", ""),
        "home_latitude": opt_float(form.get("home_latitude")),
        "home_longitude": opt_float(form.get("home_longitude")),
        "travel_mode": form.get("travel_mode") or "ebike",
        "max_minutes_per_day": opt_int(form.get("max_minutes_per_day")) or 480,
        "status": form.get("status") or "active",
        "skills": form.getlist("skills"),
    }
    for key in ("provider_id", "station_id"):
        if payload[key] is None:
            del payload[key]
    phone = form.get("phone", "").strip()
    if record is None or phone or form.get("clear_phone"):
        payload["phone"] = phone or None
    if record is not None:
        payload["version"] = form.get("version")  # the version the form showed
    certificates = filled_rows(form, "certificates")
    payload["certificates"] = [
        {"kind": r.get("kind", ""), "number": r.get("number", ""),
         "issued_on": r.get("issued_on") or "", "expires_on": opt_text(r.get("expires_on"))}
        for _, r in certificates
    ]  # fmt: skip
    hours = filled_rows(form, "working_hours", ("weekday",))
    payload["working_hours"] = [
        {"weekday": opt_int(r.get("weekday")), "start": r.get("start") or "",
         "end": r.get("end") or ""}
        for _, r in hours
    ]  # fmt: skip
    row_maps = {
        "certificates": [i for i, _ in certificates],
        "working_hours": [i for i, _ in hours],
    }
    return payload, row_maps


def _caregiver_stored(record: Caregiver) -> FormState:
    keys = [f for f in CAREGIVER_FIELDS if f not in ("phone", "skills")]
    values = {k: "" if getattr(record, k) is None else str(getattr(record, k)) for k in keys}
    certificates = [
        {"kind": c.kind, "number": c.number, "issued_on": c.issued_on.isoformat(),
         "expires_on": c.expires_on.isoformat() if c.expires_on else ""}
        for c in record.certificates
    ]  # fmt: skip
    hours = [
        {"weekday": str(h.weekday), "start": h.start.strftime("%H:%M"),
         "end": h.end.strftime("%H:%M")}
        for h in record.working_hours
    ]  # fmt: skip
    rows = {
        "certificates": certificates + [{} for _ in range(BLANK_ROWS["certificates"])],
        "working_hours": hours + [{} for _ in range(BLANK_ROWS["working_hours"])],
    }
    return FormState(values=values, lists={"skills": record.skills}, rows=rows)


# --- volunteers -------------------------------------------------------------------------------


@bp.get("/volunteers", endpoint="volunteers")
@login_required
@guarded
def volunteers_list():
    page, args, problems = paged(staff.list_volunteers, list_args(("q", "station_id", "status",
                                                                       "page")))  # fmt: skip
    return render_template(
        "registry/volunteers/list.html",
        page=page,
        args=args,
        problems=problems,
        stations=network.list_stations(actor()),
        can_write=may(WRITE_ROLES),
    )


@bp.get("/volunteers/<int:volunteer_id>")
@login_required
@guarded
def volunteer(volunteer_id: int):
    record = staff.get_volunteer(actor(), volunteer_id)
    return render_template(
        "registry/volunteers/detail.html", volunteer=record, can_write=may(WRITE_ROLES)
    )


@bp.route("/volunteers/new", methods=["GET", "POST"])
@login_required
@guarded
def volunteer_new():
    require_write(actor())
    if request.method == "POST":
        return _volunteer_save(None)
    stations = network.list_stations(actor())
    values = {"joined_on": local_today().isoformat(), "status": "active",
              "station_id": str(stations[0].id) if len(stations) == 1 else ""}  # fmt: skip
    return _volunteer_form(FormState(values=values), None)


@bp.route("/volunteers/<int:volunteer_id>/edit", methods=["GET", "POST"])
@login_required
@guarded
def volunteer_edit(volunteer_id: int):
    require_write(actor())
    record = staff.get_volunteer(actor(), volunteer_id)
    if request.method == "POST":
        return _volunteer_save(record)
    values = {k: "" if getattr(record, k) is None else str(getattr(record, k))
              for k in ("station_id", "name", "joined_on", "status", "skills_note")}  # fmt: skip
    if record.resident_id:
        values["is_resident"] = "y"
    return _volunteer_form(FormState(values=values), record)


def _volunteer_save(record: Volunteer | None):
    payload = _volunteer_payload(request.form, record)
    try:
        if record is None:
            saved = staff.create_volunteer(actor(), payload)
        else:
            saved = staff.update_volunteer(actor(), record.id, payload)
    except (Invalid, Conflict) as err:
        discard_changes()
        state = state_from_form(request.form)
        place_errors(state, err.errors or {"_schema": [err.message]}, VOLUNTEER_FIELDS)
        if record is not None:
            record = staff.get_volunteer(actor(), record.id)
        return _volunteer_form(state, record, err.status)
    flash(_("%(name)s is registered.", name=saved.name) if record is None else _("Changes saved."),
          "success")  # fmt: skip
    return redirect(url_for("registry.volunteer", volunteer_id=saved.id))


def _volunteer_form(state: FormState, record: Volunteer | None, status: int = 200):
    return render_template(
        "registry/volunteers/form.html",
        state=state,
        volunteer=record,
        stations=network.list_stations(actor()),
    ), status


def _volunteer_payload(form: MultiDict, record: Volunteer | None) -> dict:
    payload: dict = {
        "station_id": opt_int(form.get("station_id")),
        "name": form.get("name", ""),
        "joined_on": opt_text(form.get("joined_on")),
        "status": form.get("status") or "active",
        "skills_note": form.get("skills_note", ""),
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    id_number, phone = form.get("id_number", "").strip(), form.get("phone", "").strip()
    if record is None or id_number:
        payload["id_number"] = id_number
    if record is None or phone or form.get("clear_phone"):
        payload["phone"] = phone or None
    if record is not None:
        payload["version"] = form.get("version")  # the version the form showed
    payload["resident_id"] = None
    if form.get("is_resident"):
        found = staff.resident_with_id_number(actor(), id_number, record)
        # No match: an id that exists nowhere, so that the service names the field.
        payload["resident_id"] = found or 0
    return payload
