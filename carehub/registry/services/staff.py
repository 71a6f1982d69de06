"""Caregivers (护理员) and volunteers (志愿者)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, require_read, require_write, station_filter
from carehub.common import crypto
from carehub.common.errors import Conflict, Invalid, NotFound
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
from carehub.registry.services.common import set_id_number, set_phone, station_for_write

CAREGIVER_WRITERS = frozenset({"admin", "coordinator", "provider_manager"})
DUPLICATE_VOLUNTEER = "a volunteer with this ID number is already registered"


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
        raise NotFound(f"caregiver {caregiver_id} not found")
    return caregiver


def create_caregiver(actor: User, payload: dict) -> Caregiver:
    require_write(actor, CAREGIVER_WRITERS)
    data = load(CaregiverIn(), payload)
    with atomic():
        caregiver = Caregiver()
        _apply_caregiver(actor, caregiver, data)
        db.session.add(caregiver)
        db.session.flush()
        record(actor, "create", "caregiver", caregiver.id, caregiver.station_id, _plain(data))
    return caregiver


def update_caregiver(actor: User, caregiver_id: int, payload: dict) -> Caregiver:
    """Change some fields; the merged record is validated whole, nested rows included."""
    require_write(actor, CAREGIVER_WRITERS)
    caregiver = get_caregiver(actor, caregiver_id)
    merged = _caregiver_fields(caregiver) | payload if isinstance(payload, dict) else payload
    data = load(CaregiverIn(), merged)
    with atomic():
        _apply_caregiver(actor, caregiver, data)
        changed = {k: v for k, v in data.items() if k in payload}
        record(actor, "update", "caregiver", caregiver.id, caregiver.station_id, _plain(changed))
    return caregiver


def _apply_caregiver(actor: User, caregiver: Caregiver, data: dict) -> None:
    station_for_write(actor, data["station_id"])
    provider = db.session.get(Provider, data["provider_id"])
    if provider is None or (actor.role == "provider_manager" and provider.id != actor.provider_id):
        raise Invalid.field("provider_id", f"no provider with id {data['provider_id']}")
    for key in ("provider_id", "station_id", "name", "sex", "home_latitude", "home_longitude",
                "travel_mode", "max_minutes_per_day", "status"):  # fmt: skip
        setattr(caregiver, key, data.get(key))
    if "phone" in data:
        set_phone(caregiver, data["phone"])
    caregiver.skill_rows = [CaregiverSkill(skill=s) for s in sorted(set(data.get("skills", [])))]
    caregiver.certificates = [Certificate(**c) for c in data.get("certificates", [])]
    hours = data.get("working_hours", [])
    if len({(h["weekday"], h["start"]) for h in hours}) != len(hours):
        raise Invalid.field("working_hours", "two periods start at the same time on one day")
    if caregiver.id is not None:  # delete the old periods first: (weekday, start) is unique
        caregiver.working_hours = []
        db.session.flush()
    caregiver.working_hours = [WorkingHours(**h) for h in hours]


def _caregiver_fields(caregiver: Caregiver) -> dict:
    """The stored caregiver in the input shape of CaregiverIn (the phone stays unless given)."""
    keep = ("provider_id", "station_id", "name", "sex", "home_latitude", "home_longitude",
            "travel_mode", "max_minutes_per_day", "status")  # fmt: skip
    data = {k: getattr(caregiver, k) for k in keep if getattr(caregiver, k) is not None}
    data["skills"] = caregiver.skills
    data["certificates"] = [
        {"kind": c.kind, "number": c.number, "issued_on": c.issued_on.isoformat(),
         "expires_on": c.expires_on.isoformat() if c.expires_on else None}
        for c in caregiver.certificates
    ]  # fmt: skip
    data["working_hours"] = [
        {"weekday": h.weekday, "start": h.start.isoformat(), "end": h.end.isoformat()}
        for h in caregiver.working_hours
    ]
    return data


def _plain(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "phone"}


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
        raise NotFound(f"volunteer {volunteer_id} not found")
    check_station(actor, volunteer.station_id, "volunteer", volunteer_id)
    return volunteer


def create_volunteer(actor: User, payload: dict) -> Volunteer:
    require_write(actor)
    data = load(VolunteerIn(), payload)
    with atomic("id_number", DUPLICATE_VOLUNTEER):
        volunteer = Volunteer()
        _apply_volunteer(actor, volunteer, data)
        db.session.add(volunteer)
        db.session.flush()
        record(actor, "create", "volunteer", volunteer.id, volunteer.station_id, _plain_v(data))
    return volunteer


def update_volunteer(actor: User, volunteer_id: int, payload: dict) -> Volunteer:
    require_write(actor)
    volunteer = get_volunteer(actor, volunteer_id)
    current = {
        "station_id": volunteer.station_id, "resident_id": volunteer.resident_id,
        "name": volunteer.name, "id_number": crypto.decrypt(volunteer.id_number_enc),
        "phone": crypto.decrypt(volunteer.phone_enc) if volunteer.phone_enc else None,
        "joined_on": volunteer.joined_on.isoformat(), "status": volunteer.status,
        "skills_note": volunteer.skills_note,
    }  # fmt: skip
    data = load(VolunteerIn(), current | payload if isinstance(payload, dict) else payload)
    with atomic("id_number", DUPLICATE_VOLUNTEER):
        _apply_volunteer(actor, volunteer, data)
        record(actor, "update", "volunteer", volunteer.id, volunteer.station_id, _plain_v(data))
    return volunteer


def _apply_volunteer(actor: User, volunteer: Volunteer, data: dict) -> None:
    station_for_write(actor, data["station_id"])
    parsed = parse_id_number(data["id_number"])
    other = db.session.scalar(
        select(Volunteer.id).where(Volunteer.id_number_hash == crypto.blind_index(parsed.value))
    )
    if other is not None and other != volunteer.id:
        raise Conflict(DUPLICATE_VOLUNTEER, {"id_number": [DUPLICATE_VOLUNTEER]})
    if data.get("resident_id") is not None:
        resident = db.session.get(Resident, data["resident_id"])
        if resident is None or not (
            actor.district_wide or resident.station_id in actor.station_ids
        ):
            raise Invalid.field("resident_id", f"no resident with id {data['resident_id']}")
        if resident.id_number_hash != crypto.blind_index(parsed.value):
            raise Invalid.field("resident_id", "this resident has a different ID number")
    set_id_number(volunteer, parsed.value)
    volunteer.sex, volunteer.birth_date = parsed.sex, parsed.birth_date
    for key in ("station_id", "resident_id", "name", "joined_on", "status", "skills_note"):
        setattr(volunteer, key, data.get(key))
    set_phone(volunteer, data.get("phone"))


def _plain_v(data: dict) -> dict:
    out = {k: v for k, v in data.items() if k not in ("phone", "id_number")}
    out["id_number"] = crypto.mask(data["id_number"])
    return out
