"""Residents and their ability assessments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, require_write, station_filter
from carehub.common import crypto
from carehub.common.errors import Conflict, NotFound
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.idnumbers import parse_id_number
from carehub.registry.models import (
    RESIDENT_STATUSES,
    AbilityAssessment,
    FamilyMember,
    Resident,
    ResidentCategory,
)
from carehub.registry.schemas import (
    AssessmentIn,
    ResidentIn,
    ResidentQuery,
    check_assessment_date,
)
from carehub.registry.services.common import diff, set_id_number, set_phone, station_for_write

DUPLICATE = "a resident with this ID number is already registered"
SIMPLE_FIELDS = (
    "name", "address", "latitude", "longitude", "household", "health_notes",
    "caregiver_sex_preference", "status", "status_since", "deceased_on",
    "consent_signed_on", "consent_note",
)  # fmt: skip


def list_residents(actor: User, args: dict) -> Page:
    """A page of residents, with everything a list shows loaded in a fixed number of queries."""
    args = load(ResidentQuery(), args)
    query = _matching(actor, args)
    if "status" in args:
        query = query.where(Resident.status == args["status"])
    query = query.options(
        selectinload(Resident.category_rows),
        joinedload(Resident.station),  # many-to-one: joined, no query of its own
        selectinload(Resident.assessments),  # the current ability level
        selectinload(Resident.family_members),
    )
    return paginate(query.order_by(Resident.name, Resident.id), args["page"], args["per_page"])


def count_by_status(actor: User, args: dict) -> dict[str, int]:
    """How many residents match the filters other than the status, per status: one query."""
    args = load(ResidentQuery(), {k: v for k, v in args.items() if k != "status"})
    matching = _matching(actor, args).subquery()
    rows = db.session.execute(
        select(matching.c.status, func.count()).group_by(matching.c.status)
    ).all()
    counts = dict.fromkeys(RESIDENT_STATUSES, 0)
    counts.update({status: total for status, total in rows})
    return counts


def _matching(actor: User, args: dict):
    """Residents the actor may see that match the search and filters (all but the status)."""
    query = station_filter(select(Resident), Resident.station_id, actor)
    if args.get("q"):
        term = args["q"]
        query = query.where(
            or_(
                Resident.name.contains(term),
                Resident.address.contains(term),
                Resident.id_number_hash == crypto.blind_index(term),
            )
        )
    if "station_id" in args:
        query = query.where(Resident.station_id == args["station_id"])
    if "category" in args:
        query = query.where(
            Resident.category_rows.any(ResidentCategory.category == args["category"])
        )
    if "household" in args:
        query = query.where(Resident.household == args["household"])
    if "ability_level" in args:
        query = query.where(Resident.id.in_(_at_level(args["ability_level"])))
    return query


def _at_level(level: int):
    """Residents whose latest assessment has ``level``."""
    newest = (
        select(AbilityAssessment.id)
        .where(AbilityAssessment.resident_id == Resident.id)
        .order_by(AbilityAssessment.assessed_on.desc(), AbilityAssessment.id.desc())
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )
    return (
        select(Resident.id)
        .join(AbilityAssessment, AbilityAssessment.id == newest)
        .where(AbilityAssessment.level == level)
    )


def get_resident(actor: User, resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(f"resident {resident_id} not found")
    check_station(actor, resident.station_id, "resident", resident_id)
    return resident


def create_resident(actor: User, payload: dict) -> Resident:
    require_write(actor)
    data = load(ResidentIn(), payload)
    station_for_write(actor, data["station_id"])
    with atomic("id_number", DUPLICATE):
        resident = Resident(station_id=data["station_id"])
        _apply(resident, data)
        db.session.add(resident)
        db.session.flush()
        record(actor, "create", "resident", resident.id, resident.station_id, _summary(data))
    return resident


def update_resident(actor: User, resident_id: int, payload: dict) -> Resident:
    """Change some fields; the merged record is validated whole, as if newly entered."""
    require_write(actor)
    resident = get_resident(actor, resident_id)
    before = _as_input(resident)
    merged = {**before, **(payload if isinstance(payload, dict) else {})}
    data = load(ResidentIn(), merged if isinstance(payload, dict) else payload)
    station_for_write(actor, data["station_id"])
    if data["status"] != resident.status and "status_since" not in payload:
        data["status_since"] = date.today()
    with atomic("id_number", DUPLICATE):
        _apply(resident, data)
        changes = diff(_summary(before), _summary(data))
        if changes:
            record(actor, "update", "resident", resident.id, resident.station_id, changes)
    return resident


def add_assessment(actor: User, resident_id: int, payload: dict) -> AbilityAssessment:
    """Record a new assessment; earlier ones stay as history."""
    require_write(actor)
    resident = get_resident(actor, resident_id)
    data = load(AssessmentIn(), payload)
    check_assessment_date(data["assessed_on"], resident.birth_date)
    with atomic():
        assessment = AbilityAssessment(resident_id=resident.id, **data)
        db.session.add(assessment)
        db.session.flush()
        record(
            actor, "assess", "resident", resident.id, resident.station_id, {"level": data["level"]}
        )
    db.session.expire(resident, ["assessments"])
    return assessment


def _apply(resident: Resident, data: dict) -> None:
    parsed = parse_id_number(data["id_number"])
    _refuse_duplicate(parsed.value, resident.id)
    set_id_number(resident, parsed.value)
    resident.sex, resident.birth_date = parsed.sex, parsed.birth_date
    resident.station_id = data["station_id"]
    for field in SIMPLE_FIELDS:
        setattr(resident, field, data.get(field))
    resident.health_notes = data.get("health_notes") or ""
    resident.consent_note = data.get("consent_note") or ""
    set_phone(resident, data.get("phone"))
    resident.category_rows = [ResidentCategory(category=c) for c in sorted(set(data["categories"]))]
    resident.family_members = [_family_member(f) for f in data["family_members"]]


def _refuse_duplicate(id_number: str, own_id: int | None) -> None:
    other = db.session.scalar(
        select(Resident.id).where(Resident.id_number_hash == crypto.blind_index(id_number))
    )
    if other is not None and other != own_id:
        raise Conflict(DUPLICATE, {"id_number": [DUPLICATE]})


def _family_member(data: dict) -> FamilyMember:
    member = FamilyMember(
        name=data["name"],
        relationship_=data["relationship"],
        lives_away=data["lives_away"],
        emergency_contact=data["emergency_contact"],
        agreement_signed_on=data.get("agreement_signed_on"),
    )
    member.phone_enc = crypto.encrypt(data["phone"])
    member.phone_masked = crypto.mask_phone(data["phone"])
    return member


def _as_input(resident: Resident) -> dict:
    """The stored resident in the shape of ResidentIn, to merge a partial change into."""
    data = {f: getattr(resident, f) for f in SIMPLE_FIELDS}
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    data.update(
        station_id=resident.station_id,
        id_number=crypto.decrypt(resident.id_number_enc),
        phone=crypto.decrypt(resident.phone_enc) if resident.phone_enc else None,
        categories=resident.categories,
        family_members=[
            {
                "name": f.name,
                "relationship": f.relationship_,
                "phone": crypto.decrypt(f.phone_enc),
                "lives_away": f.lives_away,
                "emergency_contact": f.emergency_contact,
                "agreement_signed_on": f.agreement_signed_on.isoformat()
                if f.agreement_signed_on
                else None,
            }
            for f in resident.family_members
        ],
    )
    return {k: v for k, v in data.items() if v is not None}


def _summary(data: dict) -> dict:
    """What the audit log keeps of a change: no clear ID or phone numbers."""
    hidden = {"id_number", "phone", "family_members"}
    out = {k: v for k, v in data.items() if k not in hidden}
    out["family_members"] = len(data.get("family_members", []))
    if "id_number" in data:
        out["id_number"] = crypto.mask(str(data["id_number"]))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in out.items()}
