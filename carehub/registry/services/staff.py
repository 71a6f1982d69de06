"""Caregivers (护理员) and volunteers (志愿者)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import (
    check_station,
    not_found,
    require_read,
    require_write,
    station_filter,
)
from carehub.common import crypto
from carehub.common.errors import Invalid
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.idnumbers import parse_id_number
from carehub.registry.models import (
    Caregiver,
    CaregiverSkill,
    Certificate,
    Provider,
    Resident,
    Volunteer,
    WorkingHours,
)
from carehub.registry.schemas import CaregiverIn, PageQuery, VolunteerIn
from carehub.registry.services import residents
from carehub.registry.services.common import (
    ID_NUMBER_UNAVAILABLE,
    VOLUNTEER_UNAVAILABLE,
    changes,
    id_number_unavailable,
    lock,
    pair_rows,
    phone_of,
    secret_id_number,
    secret_phone,
    set_fields,
    set_id_number,
    set_phone,
    shown,
    split_version,
    station_for_write,
    touch,
)

CAREGIVER_WRITERS = frozenset({"admin", "coordinator", "provider_manager"})
CAREGIVER_FIELDS = (
    "provider_id", "station_id", "name", "sex", "home_latitude", "home_longitude", "travel_mode",
    "max_minutes_per_day", "status",
)  # fmt: skip
VOLUNTEER_FIELDS = ("station_id", "resident_id", "name", "joined_on", "status", "skills_note")


def _caregivers_visible(actor: User):
    if actor.role == "provider_manager":
        require_read(actor)
        return select(Caregiver).where(Caregiver.provider_id == (actor.provider_id or -1))
    return station_filter(select(Caregiver), Caregiver.station_id, actor)


def list_caregivers(actor: User, args: dict) -> Page:
    args = load(PageQuery(), args)
    query = _caregivers_visible(actor)
    if args.get("q"):
        query = query.where(Caregiver.name.contains(args["q"]))
    for key in ("station_id", "provider_id", "status"):
        if key in args:
            query = query.where(getattr(Caregiver, key) == args[key])
    query = query.options(
        selectinload(Caregiver.skill_rows),
        selectinload(Caregiver.certificates),
        selectinload(Caregiver.working_hours),
        joinedload(Caregiver.provider),
    )
    return paginate(query.order_by(Caregiver.name, Caregiver.id), args["page"], args["per_page"])


def get_caregiver(actor: User, caregiver_id: int) -> Caregiver:
    caregiver = db.session.scalar(_caregivers_visible(actor).where(Caregiver.id == caregiver_id))
    if caregiver is None:
        raise not_found("caregiver", caregiver_id)
    return caregiver


def create_caregiver(actor: User, payload: dict) -> Caregiver:
    require_write(actor, CAREGIVER_WRITERS)
    data = load(CaregiverIn(), payload)
    with atomic():
        caregiver = Caregiver()
        _apply_caregiver(actor, caregiver, data)
        db.session.add(caregiver)
        db.session.flush()
        created = shown(_caregiver_snapshot(caregiver))
        record(actor, "create", "caregiver", caregiver.id, caregiver.station_id, created)
    return caregiver


def update_caregiver(actor: User, caregiver_id: int, payload: dict) -> Caregiver:
    """Change some fields; the merged record is validated whole, nested rows included.

    All of this request or none (row lock, version check); one audit event listing what changed,
    none when nothing did; certificates and working hours that stay keep their rows and ids.
    """
    require_write(actor, CAREGIVER_WRITERS)
    payload, expected_version = split_version(payload)
    caregiver = get_caregiver(actor, caregiver_id)
    lock(caregiver, expected_version)
    get_caregiver(actor, caregiver_id)  # still visible once locked (it may have moved)
    merged = _caregiver_fields(caregiver) | payload if isinstance(payload, dict) else payload
    data = load(CaregiverIn(), merged)
    with atomic():
        before = _caregiver_snapshot(caregiver)
        _apply_caregiver(actor, caregiver, data)
        changed = changes(before, _caregiver_snapshot(caregiver))
        if changed:
            touch(caregiver)
            record(actor, "update", "caregiver", caregiver.id, caregiver.station_id, changed)
    return caregiver


def _apply_caregiver(actor: User, caregiver: Caregiver, data: dict) -> None:
    station_for_write(actor, data["station_id"])
    provider = db.session.get(Provider, data["provider_id"])
    if provider is None or (actor.role == "provider_manager" and provider.id != actor.provider_id):
        message = _l("Choose a provider from the list.")
        raise Invalid.field("provider_id", message, code="unknown_provider")
    hours = data.get("working_hours", [])
    if len({(h["weekday"], h["start"]) for h in hours}) != len(hours):
        message = _l("Two periods start at the same time on one day.")
        raise Invalid.field("working_hours", message, code="overlapping_hours")
    set_fields(caregiver, {key: data.get(key) for key in CAREGIVER_FIELDS})
    if "phone" in data:
        set_phone(caregiver, data["phone"])
    _set_skills(caregiver, set(data.get("skills", [])))
    _set_certificates(caregiver, data.get("certificates", []))
    _set_hours(caregiver, hours)


def _set_skills(caregiver: Caregiver, wanted: set[str]) -> None:
    if set(caregiver.skills) != wanted:
        keep = [row for row in caregiver.skill_rows if row.skill in wanted]
        new = wanted - {row.skill for row in keep}
        caregiver.skill_rows = keep + [CaregiverSkill(skill=s) for s in sorted(new)]


def _set_certificates(caregiver: Caregiver, wanted: list[dict]) -> None:
    """Certificates as listed; one that stays (same id, content, or kind and number) keeps its row."""
    stored = list(caregiver.certificates)
    found = pair_rows(
        stored,
        wanted,
        (lambda c: c.id, lambda item: item.get("id")),
        (_certificate, _certificate_input),
        (lambda c: (c.kind, c.number), lambda item: (item["kind"], item.get("number", ""))),
    )
    rows = [row or Certificate() for row in found]
    for row, item in zip(rows, wanted, strict=True):
        set_fields(row, _certificate_input(item))
    if rows != stored:
        caregiver.certificates = rows


def _set_hours(caregiver: Caregiver, wanted: list[dict]) -> None:
    """Working periods as listed; a period that starts when a stored one does is that row."""
    stored = list(caregiver.working_hours)
    found = pair_rows(
        stored,
        wanted,
        (lambda h: (h.weekday, h.start), lambda item: (item["weekday"], item["start"])),
    )
    rows = [row or WorkingHours() for row in found]
    for row, item in zip(rows, wanted, strict=True):
        set_fields(row, {"weekday": item["weekday"], "start": item["start"], "end": item["end"]})
    if rows != stored:
        caregiver.working_hours = rows


def _certificate(certificate: Certificate) -> dict:
    return {
        "kind": certificate.kind,
        "number": certificate.number or "",
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
    }


def _certificate_input(item: dict) -> dict:
    return {
        "kind": item["kind"],
        "number": item.get("number") or "",
        "issued_on": item["issued_on"],
        "expires_on": item.get("expires_on"),
    }


def _caregiver_fields(caregiver: Caregiver) -> dict:
    """The stored caregiver in the input shape of CaregiverIn (the phone stays unless given)."""
    data = {k: getattr(caregiver, k) for k in CAREGIVER_FIELDS if getattr(caregiver, k) is not None}
    data["skills"] = caregiver.skills
    data["certificates"] = [
        {"id": c.id, "kind": c.kind, "number": c.number, "issued_on": c.issued_on.isoformat(),
         "expires_on": c.expires_on.isoformat() if c.expires_on else None}
        for c in caregiver.certificates
    ]  # fmt: skip
    data["working_hours"] = [
        {"weekday": h.weekday, "start": h.start.isoformat(), "end": h.end.isoformat()}
        for h in caregiver.working_hours
    ]
    return data


def _caregiver_snapshot(caregiver: Caregiver) -> dict:
    """The caregiver as the audit log compares it: every field a person can change."""
    data = {key: getattr(caregiver, key) for key in CAREGIVER_FIELDS}
    data.update(
        phone=secret_phone(caregiver),
        skills=sorted(caregiver.skills),
        certificates=[_certificate(c) for c in caregiver.certificates],
        working_hours=[
            {"weekday": h.weekday, "start": h.start, "end": h.end} for h in caregiver.working_hours
        ],
    )
    return data


# --- volunteers -------------------------------------------------------------------------------


def list_volunteers(actor: User, args: dict) -> Page:
    args = load(PageQuery(), args)
    query = station_filter(select(Volunteer), Volunteer.station_id, actor)
    if args.get("q"):
        query = query.where(Volunteer.name.contains(args["q"]))
    for key in ("station_id", "status"):
        if key in args:
            query = query.where(getattr(Volunteer, key) == args[key])
    return paginate(query.order_by(Volunteer.name, Volunteer.id), args["page"], args["per_page"])


def get_volunteer(actor: User, volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise not_found("volunteer", volunteer_id)
    check_station(actor, volunteer.station_id, "volunteer", volunteer_id)
    return volunteer


def create_volunteer(actor: User, payload: dict) -> Volunteer:
    require_write(actor)
    data = load(VolunteerIn(), payload)
    with atomic("id_number", VOLUNTEER_UNAVAILABLE, ID_NUMBER_UNAVAILABLE):
        volunteer = Volunteer()
        _apply_volunteer(actor, volunteer, data)
        db.session.add(volunteer)
        db.session.flush()
        created = shown(_volunteer_snapshot(volunteer))
        record(actor, "create", "volunteer", volunteer.id, volunteer.station_id, created)
    return volunteer


def update_volunteer(actor: User, volunteer_id: int, payload: dict) -> Volunteer:
    """Change some fields: all of this request or none, one audit event if anything changed."""
    require_write(actor)
    payload, expected_version = split_version(payload)
    volunteer = get_volunteer(actor, volunteer_id)
    lock(volunteer, expected_version)
    check_station(actor, volunteer.station_id, "volunteer", volunteer_id)
    data = load(
        VolunteerIn(),
        _volunteer_fields(volunteer) | payload if isinstance(payload, dict) else payload,
    )
    with atomic("id_number", VOLUNTEER_UNAVAILABLE, ID_NUMBER_UNAVAILABLE):
        before = _volunteer_snapshot(volunteer)
        _apply_volunteer(actor, volunteer, data)
        changed = changes(before, _volunteer_snapshot(volunteer))
        if changed:
            touch(volunteer)
            record(actor, "update", "volunteer", volunteer.id, volunteer.station_id, changed)
    return volunteer


def _apply_volunteer(actor: User, volunteer: Volunteer, data: dict) -> None:
    station_for_write(actor, data["station_id"])
    parsed = parse_id_number(data["id_number"])
    other = db.session.scalar(
        select(Volunteer.id).where(Volunteer.id_number_hash == crypto.blind_index(parsed.value))
    )
    if other is not None and other != volunteer.id:
        raise id_number_unavailable(VOLUNTEER_UNAVAILABLE)
    if data.get("resident_id") is not None:
        resident = db.session.get(Resident, data["resident_id"])
        if resident is None or not (
            actor.district_wide or resident.station_id in actor.station_ids
        ):
            message = _l("No resident at your stations has this ID number.")
            raise Invalid.field("resident_id", message, code="unknown_resident")
        if resident.id_number_hash != crypto.blind_index(parsed.value):
            message = _l("This resident has a different ID number.")
            raise Invalid.field("resident_id", message, code="different_id_number")
    set_id_number(volunteer, parsed.value)
    fields = {key: data.get(key) for key in VOLUNTEER_FIELDS}
    set_fields(volunteer, {"sex": parsed.sex, "birth_date": parsed.birth_date, **fields})
    set_phone(volunteer, data.get("phone"))


def _volunteer_fields(volunteer: Volunteer) -> dict:
    """The stored volunteer in the input shape of VolunteerIn, to merge a partial change into."""
    data = {key: getattr(volunteer, key) for key in VOLUNTEER_FIELDS}
    data.update(
        joined_on=volunteer.joined_on.isoformat(),
        id_number=crypto.decrypt(volunteer.id_number_enc),
    )
    if volunteer.phone_enc:
        data["phone"] = phone_of(volunteer)
    return data


def _volunteer_snapshot(volunteer: Volunteer) -> dict:
    """The volunteer as the audit log compares it: every field a person can change."""
    data = {key: getattr(volunteer, key) for key in VOLUNTEER_FIELDS}
    data.update(id_number=secret_id_number(volunteer), phone=secret_phone(volunteer))
    return data


def resident_with_id_number(
    actor: User, id_number: str, volunteer: Volunteer | None = None
) -> int | None:
    """The resident at the actor's stations with this ID number (or the volunteer's stored one).

    How a page links a volunteer who is also a resident without asking for the resident's id.
    """
    if not id_number and volunteer is not None:
        id_number = crypto.decrypt(volunteer.id_number_enc)
    if len(id_number) != 18:
        return None  # the volunteer's own checks report the ID number
    wanted = crypto.blind_index(id_number)
    found = residents.list_residents(actor, {"q": id_number, "per_page": 5}).items
    return next((r.id for r in found if r.id_number_hash == wanted), None)
