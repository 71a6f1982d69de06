"""Policy versions (admin writes; everyone who reads the registry reads), and what others ask.

A draft may be edited; publishing validates it against the district's other published versions
(no overlap, no gap where visits exist) and freezes it. The only change a published version
ever sees is the end date of an open-ended one, set when its successor (starting after today)
is published.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import require_read, require_write
from carehub.careplans.clock import local_today
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.policy import errors, whatif
from carehub.policy.eligibility import Eligibility, of_resident
from carehub.policy.funding import current_split, estimate, reverse
from carehub.policy.models import PolicyVersion
from carehub.policy.rules import clean
from carehub.policy.schemas import OnQuery, PolicyVersionIn, ReversalIn, WhatIfQuery
from carehub.policy.versions import version_on
from carehub.registry.models import SERVICE_CODES, District, Station, Street
from carehub.registry.services.residents import get_resident
from carehub.visits.models import Visit
from carehub.visits.services import get_visit

ADMIN = frozenset({"admin"})
COLUMNS = ("district_id", "name", "valid_from", "valid_to", "low_cost_share_pct", "elder_age")


def list_versions(actor: User, district_id: int | None = None) -> list[PolicyVersion]:
    require_read(actor)
    query = select(PolicyVersion).order_by(PolicyVersion.district_id, PolicyVersion.valid_from)
    if district_id is not None:
        query = query.where(PolicyVersion.district_id == district_id)
    return list(db.session.scalars(query))


def get_version(actor: User, version_id: int) -> PolicyVersion:
    require_read(actor)
    version = db.session.get(PolicyVersion, version_id)
    if version is None:
        raise errors.missing(version_id)
    return version


def create_version(actor: User, payload: dict) -> PolicyVersion:
    """A draft version (published separately)."""
    require_write(actor, ADMIN)
    data = load(PolicyVersionIn(), payload)
    _district(data["district_id"])
    with atomic():
        version = PolicyVersion(state="draft")
        _assign(version, data)
        db.session.add(version)
        db.session.flush()
        record(actor, "create", "policy_version", version.id, changes=_summary(version))
    return version


def update_version(actor: User, version_id: int, payload: dict) -> PolicyVersion:
    """Edit a draft; a published version is refused (a change is a new version)."""
    require_write(actor, ADMIN)
    version = get_version(actor, version_id)
    if version.state != "draft":
        raise errors.published()
    data = load(PolicyVersionIn(), payload)
    _district(data["district_id"])
    with atomic():
        _assign(version, data)
        db.session.flush()
        record(actor, "update", "policy_version", version.id, changes=_summary(version))
    return version


def publish_version(actor: User, version_id: int) -> PolicyVersion:
    require_write(actor, ADMIN)
    version = get_version(actor, version_id)
    if version.state != "draft":
        raise errors.published()
    with atomic():
        _fit(actor, version, _published(version.district_id))
        version.state = "published"
        version.published_at = utcnow()
        db.session.flush()
        record(actor, "publish", "policy_version", version.id, changes=_summary(version))
    return version


def _fit(actor: User, version: PolicyVersion, others: list[PolicyVersion]) -> None:
    """Refuse an overlap or a gap with visits in it; close an open predecessor if it is one."""
    for other in others:
        if not _overlaps(version, other):
            continue
        if other.valid_to is None and other.valid_from < version.valid_from:
            if version.valid_from <= local_today():
                raise errors.not_started()
            other.valid_to = version.valid_from - timedelta(days=1)
            record(actor, "close", "policy_version", other.id, changes=_summary(other))
            continue
        raise errors.overlap(other.id)
    ranges = sorted([*others, version], key=lambda v: v.valid_from)
    for before, after in zip(ranges, ranges[1:], strict=False):
        start = before.valid_to + timedelta(days=1)
        if start < after.valid_from and _visits_between(
            version.district_id, start, after.valid_from - timedelta(days=1)
        ):
            raise errors.gap(start, after.valid_from - timedelta(days=1))


def _overlaps(a: PolicyVersion, b: PolicyVersion) -> bool:
    far = date.max
    return a.valid_from <= (b.valid_to or far) and b.valid_from <= (a.valid_to or far)


def _visits_between(district_id: int, start: date, end: date) -> bool:
    query = (
        select(Visit.id)
        .join(Station, Station.id == Visit.station_id)
        .join(Street, Street.id == Station.street_id)
        .where(Street.district_id == district_id, Visit.visit_date.between(start, end))
    )
    return db.session.scalar(query.limit(1)) is not None


def _published(district_id: int) -> list[PolicyVersion]:
    query = select(PolicyVersion).where(
        PolicyVersion.district_id == district_id, PolicyVersion.state == "published"
    )
    return list(db.session.scalars(query))


def _assign(version: PolicyVersion, data: dict) -> None:
    for name in COLUMNS:
        setattr(version, name, data[name])
    version.allowance_fen = data["allowance"]
    version.low_cost_cap_fen = data["low_cost_cap"]
    version.rules = clean(data["rules"])


def _district(district_id: int) -> District:
    district = db.session.get(District, district_id)
    if district is None:
        raise errors.invalid("district_id", "not_found", errors.NO_DISTRICT)
    return district


def _summary(version: PolicyVersion) -> dict:
    return {"name": version.name, "state": version.state, "valid_from": version.valid_from,
            "valid_to": version.valid_to, "allowance_fen": version.allowance_fen,
            "low_cost_cap_fen": version.low_cost_cap_fen}  # fmt: skip


def timebank_rules_on(day: date, district_id: int | None = None) -> dict | None:
    """The time bank's rules of the version in force on ``day`` (the first district's unless one
    is named), or None when no version is in force (the time bank then keeps DESIGN §3's)."""
    if district_id is None:
        district_id = db.session.scalar(select(func.min(District.id)))
    version = version_on(district_id, day) if district_id is not None else None
    if version is None:
        return None
    rules = version.rules["timebank"]
    weights = {code: int(rules.get("weights", {}).get(code, 100)) for code in SERVICE_CODES}
    return {"weights": weights, "monthly_cap_minutes": rules["monthly_cap_minutes"],
            "storage_cap_minutes": rules["storage_cap_minutes"],
            "redeem_age": rules["redeem_age"], "expiry_months": rules.get("expiry_months"),
            "hour_value_fen": rules.get("hour_value_fen", 3000)}  # fmt: skip


def resident_eligibility(actor: User, resident_id: int, args: dict) -> Eligibility:
    """Eligibility of a resident of the actor's stations on ``on`` (default: today)."""
    day = load(OnQuery(), args).get("on") or local_today()
    return of_resident(get_resident(actor, resident_id), day)


def visit_funding(actor: User, visit_id: int) -> dict:
    """The frozen split of a verified visit, or the estimate of one not verified yet."""
    return estimate(get_visit(actor, visit_id))


def reverse_visit_funding(actor: User, visit_id: int, payload: dict) -> dict:
    """Correct a frozen split: a reversal row (admin), the allowance given back."""
    require_write(actor, ADMIN)
    data = load(ReversalIn(), payload)
    visit = get_visit(actor, visit_id)
    original = current_split(visit.id)
    if original is None:
        raise errors.no_split(visit.id)
    with atomic():
        row = reverse(actor, original, data["reason"])
        record(actor, "reverse", "visit_funding", original.id, visit.station_id,
               {"reversal_id": row.id, "reason": data["reason"]})  # fmt: skip
    return estimate(visit)


BUREAU = frozenset({"admin", "auditor"})


def what_if(actor: User, version_id: int, args: dict) -> dict:
    """Run a version (typically a draft) over past verified visits, beside what they cost."""
    require_read(actor, BUREAU)
    version = get_version(actor, version_id)
    data = load(WhatIfQuery(), args)
    end = data.get("end") or local_today() - timedelta(days=1)
    start = data.get("start") or (end.replace(day=1) - timedelta(days=62)).replace(day=1)
    if end < start:
        raise errors.invalid("end", "bad_dates", errors.END_BEFORE_START)
    return {"version_id": version.id, "start": start, "end": end,
            **whatif.run(version, start, end)}  # fmt: skip


def copy_version(actor: User, version_id: int, form: dict) -> PolicyVersion:
    """A draft with the figures and rules of ``version_id`` from the dates in ``form``."""
    source = get_version(actor, version_id)
    payload = {
        "district_id": source.district_id, "name": form.get("name") or source.name,
        "valid_from": form.get("valid_from", ""), "valid_to": form.get("valid_to") or None,
        "allowance": f"{source.allowance_fen / 100:.2f}",
        "low_cost_share_pct": source.low_cost_share_pct,
        "low_cost_cap": f"{source.low_cost_cap_fen / 100:.2f}",
        "elder_age": source.elder_age, "rules": source.rules,
    }  # fmt: skip
    return create_version(actor, payload)
