"""Residents and their ability assessments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write, station_filter
from carehub.careplans.hooks import resident_saved
from carehub.common import crypto
from carehub.common.clock import local_today
from carehub.common.normalise import NotNormal, normalise_id_number
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
from carehub.registry.services.common import (
    ID_NUMBER_UNAVAILABLE,
    RESIDENT_UNAVAILABLE,
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

SIMPLE_FIELDS = (
    "name", "address", "latitude", "longitude", "household", "health_notes",
    "caregiver_sex_preference", "status", "status_since", "deceased_on",
    "consent_signed_on", "consent_note",
)  # fmt: skip


def list_residents(actor: User, args: dict, family: bool = True) -> Page:
    """A page of residents, with everything a list shows loaded in a fixed number of queries
    (``family=False``: a list that does not show the family members, such as the page)."""
    args = load(ResidentQuery(), args)
    query = _matching(actor, args)
    if "status" in args:
        query = query.where(Resident.status == args["status"])
    query = query.options(
        selectinload(Resident.category_rows),
        joinedload(Resident.station),  # many-to-one: joined, no query of its own
        selectinload(Resident.assessments),  # the current ability level
    )
    if family:
        query = query.options(selectinload(Resident.family_members))
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
        matches = [Resident.name.contains(term), Resident.address.contains(term)]
        id_number = _as_id_number(term)
        if id_number:
            matches.append(Resident.id_number_hash == crypto.blind_index(id_number))
        query = query.where(or_(*matches))
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


def _as_id_number(term: str) -> str | None:
    """The search term as a stored ID number (ASCII, upper case), if it can be one."""
    try:
        return normalise_id_number(term)
    except NotNormal:
        return None


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
        raise not_found("resident", resident_id)
    check_station(actor, resident.station_id, "resident", resident_id)
    return resident


def create_resident(actor: User, payload: dict) -> Resident:
    require_write(actor)
    data = load(ResidentIn(), payload)
    station_for_write(actor, data["station_id"])
    with atomic("id_number", RESIDENT_UNAVAILABLE, ID_NUMBER_UNAVAILABLE):
        resident = Resident(station_id=data["station_id"])
        _apply(resident, data)
        db.session.add(resident)
        db.session.flush()
        created = created_summary(resident)
        resident_saved(actor, resident, None)
        record(actor, "create", "resident", resident.id, resident.station_id, created)
    return resident


def update_resident(actor: User, resident_id: int, payload: dict) -> Resident:
    """Change some fields; the merged record is validated whole, as if newly entered.

    The change is all of this request or none of it: the row is locked first, and a ``version``
    the client read (If-Match, the form's hidden field) must still be current. One audit event
    lists what changed; saving the record unchanged writes nothing.
    """
    require_write(actor)
    payload, expected_version = split_version(payload)
    resident = get_resident(actor, resident_id)
    lock(resident, expected_version)
    check_station(actor, resident.station_id, "resident", resident_id)  # it may have moved
    merged = {**_as_input(resident), **payload} if isinstance(payload, dict) else payload
    data = load(ResidentIn(), merged)
    station_for_write(actor, data["station_id"])
    if data["status"] != resident.status and "status_since" not in payload:
        data["status_since"] = local_today()
    with atomic("id_number", RESIDENT_UNAVAILABLE, ID_NUMBER_UNAVAILABLE):
        before = _snapshot(resident)
        _apply(resident, data)
        changed = changes(before, _snapshot(resident))
        if changed:
            touch(resident)
            record(actor, "update", "resident", resident.id, resident.station_id, changed)
            resident_saved(actor, resident, changed)
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
    """Put validated input on the record, touching only what differs (child rows in place)."""
    parsed = parse_id_number(data["id_number"])
    _refuse_duplicate(parsed.value, resident.id)
    fill(resident, data, parsed)


def fill(resident: Resident, data: dict, parsed) -> None:
    """Validated input onto a record whose ID number is known to be free.

    The import's fast path calls it on a transient record after its own one-query duplicate
    check, so a sheet is read by exactly the rules of a form.
    """
    set_id_number(resident, parsed.value)
    fields = {f: data.get(f) for f in SIMPLE_FIELDS}
    fields.update(health_notes=data.get("health_notes") or "",
                  consent_note=data.get("consent_note") or "")  # fmt: skip
    set_fields(resident, {"sex": parsed.sex, "birth_date": parsed.birth_date,
                          "station_id": data["station_id"], **fields})  # fmt: skip
    set_phone(resident, data.get("phone"))
    _set_categories(resident, set(data["categories"]))
    _set_family(resident, data["family_members"])


def _set_categories(resident: Resident, wanted: set[str]) -> None:
    if set(resident.categories) != wanted:
        keep = [row for row in resident.category_rows if row.category in wanted]
        new = wanted - {row.category for row in keep}
        resident.category_rows = keep + [ResidentCategory(category=c) for c in sorted(new)]


def _set_family(resident: Resident, wanted: list[dict]) -> None:
    """Family members as listed; a stored one that stays (same id, same person) keeps its row."""
    stored = list(resident.family_members)
    found = pair_rows(
        stored,
        wanted,
        (lambda m: m.id, lambda item: item.get("id")),
        (_member, lambda item: _member_input(item)),
        (lambda m: (m.name, m.relationship_), lambda item: (item["name"], item["relationship"])),
    )
    rows = [row or FamilyMember() for row in found]
    for row, item in zip(rows, wanted, strict=True):
        _fill_member(row, item)
    if rows != stored:
        resident.family_members = rows


def _fill_member(member: FamilyMember, data: dict) -> None:
    set_fields(member, {
        "name": data["name"],
        "relationship_": data["relationship"],
        "lives_away": data["lives_away"],
        "emergency_contact": data["emergency_contact"],
        "agreement_signed_on": data.get("agreement_signed_on"),
    })  # fmt: skip
    if member.phone_enc is None or phone_of(member) != data["phone"]:
        member.phone_enc = crypto.encrypt(data["phone"])
        member.phone_masked = crypto.mask_phone(data["phone"])


def _member(member: FamilyMember) -> dict:
    """A stored family member in the shape of its input, phone in clear (to match input)."""
    return {**_member_fields(member), "phone": phone_of(member)}


def _member_fields(member: FamilyMember) -> dict:
    return {
        "name": member.name,
        "relationship": member.relationship_,
        "lives_away": member.lives_away,
        "emergency_contact": member.emergency_contact,
        "agreement_signed_on": member.agreement_signed_on,
    }


def _member_input(item: dict) -> dict:
    return {key: item.get(key) for key in (
        "name", "relationship", "phone", "lives_away", "emergency_contact", "agreement_signed_on"
    )}  # fmt: skip


def _refuse_duplicate(id_number: str, own_id: int | None) -> None:
    """One ID number, one resident in the district; the answer never says where the other is."""
    other = db.session.scalar(
        select(Resident.id).where(Resident.id_number_hash == crypto.blind_index(id_number))
    )
    if other is not None and other != own_id:
        raise id_number_unavailable(RESIDENT_UNAVAILABLE)


def _as_input(resident: Resident) -> dict:
    """The stored resident in the shape of ResidentIn, to merge a partial change into."""
    data = {f: getattr(resident, f) for f in SIMPLE_FIELDS}
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    data.update(
        station_id=resident.station_id,
        id_number=crypto.decrypt(resident.id_number_enc),
        phone=phone_of(resident),
        categories=resident.categories,
        family_members=[
            {"id": m.id, **_member(m), "agreement_signed_on": _iso(m.agreement_signed_on)}
            for m in resident.family_members
        ],
    )
    return {k: v for k, v in data.items() if v is not None}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def created_summary(resident: Resident) -> dict:
    """What the audit log keeps of a new resident (numbers masked)."""
    return shown(_snapshot(resident))


def _snapshot(resident: Resident) -> dict:
    """The record as the audit log compares it: every field a person can change."""
    data = {f: getattr(resident, f) for f in SIMPLE_FIELDS}
    data.update(
        station_id=resident.station_id,
        id_number=secret_id_number(resident),
        phone=secret_phone(resident),
        categories=sorted(resident.categories),
        family_members=[
            {**_member_fields(m), "phone": secret_phone(m)} for m in resident.family_members
        ],
    )
    return data


def family_phone(resident: Resident, member_id: int) -> str:
    """A stored family member's phone in clear, for a form that left it blank to keep it.

    Forms show stored phones masked, so a blank field means "unchanged"; only a service decrypts.
    """
    member = next((m for m in resident.family_members if m.id == member_id), None)
    if member is None:
        raise not_found("family member", member_id)
    return phone_of(member)
