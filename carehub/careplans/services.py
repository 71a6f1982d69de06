"""Care plans: create, read, and change by adding a version effective from a date."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write, station_filter
from carehub.careplans import errors
from carehub.careplans import recurrence as rr
from carehub.careplans.clock import local_today
from carehub.careplans.facts import ability_level_on
from carehub.careplans.models import (
    VOLUNTEER_SERVICES,
    CarePlan,
    CarePlanItem,
    CarePlanVersion,
    ItemCaregiver,
)
from carehub.careplans.schemas import PlanIn, PlanQuery, VersionIn
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import Caregiver, Resident, ServiceType
from carehub.registry.services.residents import get_resident
from carehub.visits import reasons


def list_plans(actor: User, args: dict) -> Page:
    args = load(PlanQuery(), args)
    query = station_filter(
        select(CarePlan).join(Resident, Resident.id == CarePlan.resident_id),
        Resident.station_id,
        actor,
    )
    if "station_id" in args:
        query = query.where(Resident.station_id == args["station_id"])
    if "resident_id" in args:
        query = query.where(CarePlan.resident_id == args["resident_id"])
    query = query.options(
        selectinload(CarePlan.resident),
        selectinload(CarePlan.versions).selectinload(CarePlanVersion.items),
    )
    return paginate(query.order_by(Resident.name, CarePlan.id), args["page"], args["per_page"])


def get_plan(actor: User, plan_id: int) -> CarePlan:
    plan = db.session.get(CarePlan, plan_id)
    if plan is None:
        raise not_found("care plan", plan_id)
    check_station(actor, plan.resident.station_id, "care plan", plan_id)
    return plan


def plan_of_resident(actor: User, resident_id: int) -> CarePlan | None:
    resident = get_resident(actor, resident_id)
    return db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident.id))


def create_plan(actor: User, payload: dict) -> CarePlan:
    """A resident's first plan (version 1). Visits come from the next generation run."""
    require_write(actor)
    data = load(PlanIn(), payload)
    resident = get_resident(actor, data["resident_id"])
    if db.session.scalar(select(CarePlan.id).where(CarePlan.resident_id == resident.id)):
        raise errors.plan_exists()
    start = _effective_from(data, None)
    with atomic("resident_id", errors.plan_exists().message, "plan_exists"):
        plan = CarePlan(resident_id=resident.id)
        db.session.add(plan)
        db.session.flush()
        version = _new_version(actor, plan, resident, data, start, number=1)
        record(actor, "create", "care_plan", plan.id, resident.station_id, _summary(version))
    db.session.expire(plan, ["versions"])  # added beside the collection, not through it
    return plan


def add_version(actor: User, plan_id: int, payload: dict):
    """Change a plan: a new version from ``effective_from``; the one before ends the day before.

    Future visits still ``planned`` are brought in line at once (updated or cancelled, with the
    reason); visits already published are left for the coordinator.
    """
    from carehub.careplans.generation import reconcile_plan

    require_write(actor)
    plan = get_plan(actor, plan_id)
    data = load(VersionIn(), payload)
    current = plan.current
    start = _effective_from(data, current)
    _check_lines(data["items"], plan)
    with atomic():
        db.session.execute(
            select(CarePlan.id).where(CarePlan.id == plan.id).with_for_update()
        )  # one editor at a time per plan
        current.effective_to = start - timedelta(days=1)
        version = _new_version(actor, plan, plan.resident, data, start, current.number + 1)
        db.session.flush()
        why = reasons.plan_version(version.number, start)
        result = reconcile_plan(actor, plan, start, why)
        record(actor, "version", "care_plan", plan.id, plan.resident.station_id,
               {**_summary(version), "visits": result.counts()})  # fmt: skip
    db.session.expire(plan, ["versions"])
    return plan, result


def check_plan(actor: User, payload: dict) -> Resident:
    """Check a plan (or the next version) as ``save_plan`` would, writing nothing (imports)."""
    require_write(actor)
    data = load(PlanIn(), payload)
    resident = get_resident(actor, data["resident_id"])
    plan = db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident.id))
    start = _effective_from(data, plan.current if plan else None)
    for n, item in enumerate(data["items"]):
        _item(f"items.{n}", item, resident, start, line=1)
    return resident


def save_plan(actor: User, payload: dict) -> CarePlan:
    """The resident's first plan, or a new version of it (imports): an item of the same service
    as one of the current version continues that item's line, so its visits are updated in place.
    """
    require_write(actor)
    resident_id = payload.get("resident_id")
    plan = db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident_id))
    if plan is None:
        return create_plan(actor, payload)
    get_resident(actor, plan.resident_id)
    free = [(i.service_code, i.line) for i in plan.current.items]
    items = []
    for item in payload["items"]:
        match = next((pair for pair in free if pair[0] == item.get("service_code")), None)
        if match is not None and "line" not in item:
            free.remove(match)
            item = {**item, "line": match[1]}
        items.append(item)
    version = {k: v for k, v in payload.items() if k != "resident_id"}
    return add_version(actor, plan.id, {**version, "items": items})[0]


def _effective_from(data: dict, current: CarePlanVersion | None) -> date:
    today = local_today()
    start = data.get("effective_from") or today
    if start < today:
        raise errors.past_date("effective_from")
    if current is not None and start <= current.effective_from:
        raise errors.effective_order("effective_from")
    return start


def _check_lines(items: list[dict], plan: CarePlan) -> None:
    known = {item.line for version in plan.versions for item in version.items}
    seen: set[int] = set()
    for n, item in enumerate(items):
        line = item.get("line")
        if line is None:
            continue
        if line not in known:
            raise errors.unknown_line(f"items.{n}.line", line)
        if line in seen:
            raise errors.duplicate_line(f"items.{n}.line")
        seen.add(line)


def _new_version(actor, plan, resident, data, start: date, number: int) -> CarePlanVersion:
    version = CarePlanVersion(plan_id=plan.id, number=number, effective_from=start,
                              reason=data["reason"], created_by=actor.username)  # fmt: skip
    used = {item.line for v in plan.versions for item in v.items}
    for n, item in enumerate(data["items"]):
        line = item.get("line") or max(used | {0}) + 1
        used.add(line)
        version.items.append(_item(f"items.{n}", item, resident, start, line))
    db.session.add(version)
    db.session.flush()
    return version


def _item(prefix: str, data: dict, resident: Resident, start: date, line: int) -> CarePlanItem:
    """One item from validated input, with the defaults the rules give."""
    service = db.session.get(ServiceType, data["service_code"])
    rule, workdays_only = _recurrence(prefix, data)
    begins = data.get("start_date") or start
    if data.get("end_date") and data["end_date"] < begins:
        raise errors.bad_dates(f"{prefix}.end_date")
    if data["volunteer_suitable"] and data["service_code"] not in VOLUNTEER_SERVICES:
        raise errors.not_volunteer_service(f"{prefix}.volunteer_suitable")
    funding = data.get("funding") or proposed_tier(resident, begins, service.code)
    if funding == "volunteer" and not data["volunteer_suitable"]:
        raise errors.volunteer_funding(f"{prefix}.funding")
    windows = data["windows"]
    if len(windows) == 2 and windows[1]["start"] < windows[0]["end"]:
        windows = sorted(windows, key=lambda w: w["start"])
        if windows[1]["start"] < windows[0]["end"]:
            raise errors.invalid(f"{prefix}.windows", "windows_overlap", errors.windows_overlap())
    item = CarePlanItem(
        line=line, service_code=service.code, rrule=rule, workdays_only=workdays_only,
        window1_start=windows[0]["start"], window1_end=windows[0]["end"],
        window2_start=windows[1]["start"] if len(windows) > 1 else None,
        window2_end=windows[1]["end"] if len(windows) > 1 else None,
        duration_minutes=data.get("duration_minutes") or service.default_minutes,
        carers=data.get("carers") or _default_carers(service, resident, begins),
        sex_preference=data.get("sex_preference", resident.caregiver_sex_preference),
        volunteer_suitable=data["volunteer_suitable"], start_date=begins,
        end_date=data.get("end_date"), funding=funding, notes=data["notes"],
    )  # fmt: skip
    item.caregiver_rows = _caregivers(prefix, data, resident)
    return item


def proposed_tier(resident: Resident, day: date, service_code: str) -> str:
    """The tier the policy in force proposes for an item that names none."""
    from carehub.policy.eligibility import of_resident

    return of_resident(resident, day, service_code=service_code).tier


def _recurrence(prefix: str, data: dict) -> tuple[str, bool]:
    if data.get("rrule"):
        try:
            return rr.check(data["rrule"]), data["workdays_only"]
        except rr.BadRule as exc:
            raise errors.bad_recurrence(f"{prefix}.rrule", str(exc)) from None
    if data.get("recurrence_words"):
        try:
            return rr.from_words(data["recurrence_words"]).rrule()
        except rr.BadRule as exc:
            raise errors.bad_recurrence(f"{prefix}.recurrence_words", str(exc)) from None
    raise errors.no_recurrence(f"{prefix}.rrule")


def _default_carers(service: ServiceType, resident: Resident, day: date) -> int:
    """The catalogue's number, except bathing: two carers at ability level 3–4, else one.

    (The catalogue's two carers for bathing describe the disabled resident; DESIGN.md §2.)
    """
    if service.code != "BATH":
        return service.carers
    level = ability_level_on(resident, day)
    if level is None and resident.current_assessment is not None:
        level = resident.current_assessment.level
    return 2 if level is not None and level >= 3 else 1


def _caregivers(prefix: str, data: dict, resident: Resident) -> list[ItemCaregiver]:
    preferred, excluded = data["preferred_caregivers"], data["excluded_caregivers"]
    if set(preferred) & set(excluded):
        raise errors.caregiver_both(f"{prefix}.excluded_caregivers")
    wanted = {**{c: "preferred" for c in preferred}, **{c: "excluded" for c in excluded}}
    if wanted:
        found = set(db.session.scalars(select(Caregiver.id).where(
            Caregiver.id.in_(wanted), Caregiver.station_id == resident.station_id)))  # fmt: skip
        for field, ids in (("preferred_caregivers", preferred), ("excluded_caregivers", excluded)):
            for caregiver_id in ids:
                if caregiver_id not in found:
                    raise errors.no_caregiver(f"{prefix}.{field}", caregiver_id)
    return [ItemCaregiver(caregiver_id=c, kind=k) for c, k in sorted(wanted.items())]


def _summary(version: CarePlanVersion) -> dict:
    return {
        "version": version.number,
        "effective_from": version.effective_from,
        "items": [
            f"{i.line}: {i.service_code} {rr.describe(i.rrule, i.workdays_only)['en']} {i.funding}"
            for i in version.items
        ],
    }
