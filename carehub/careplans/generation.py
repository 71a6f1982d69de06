"""Visit generation: the visits the plans want over a horizon, made to match what is stored.

One pass (``reconcile``) serves every occasion: the nightly run for the next 14 days, a plan
edit, a resident's status change. It computes the wanted visits (plan versions in force, the
recurrence, the official calendar and each service's holiday rule, the resident's status on each
date) and compares them with the stored ones, keyed by plan, item line and date:

* wanted and missing: inserted with ON CONFLICT DO NOTHING on (plan_item_id, visit_date), so a
  second run, or a second process at the same moment, creates nothing new;
* stored, still ``planned`` and no longer wanted: cancelled with the reason;
* stored, still ``planned`` and wanted differently: updated in place, with the reason;
* anything already published (``scheduled`` or later) is never touched.

Changes to existing visits are guarded by their version (UPDATE ... WHERE version = read), so
a coordinator's change made meanwhile wins and no event is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from carehub.auth.models import User
from carehub.careplans import recurrence as rr
from carehub.careplans.clock import local_today
from carehub.careplans.facts import statuses
from carehub.careplans.holidays import MOVE_LIMIT_DAYS, Calendar
from carehub.careplans.models import CarePlan, CarePlanItem, CarePlanVersion
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.registry.models import Resident
from carehub.visits import reasons
from carehub.visits.models import Visit, VisitEvent

DEFAULT_DAYS = 14
# What is read of a stored visit besides COMPARED (its key, its version, its state).
STORED = ("id", "version", "state", "cancel_reason", "cancel_code", "resident_id", "station_id",
          "visit_date", "plan_item_id")  # fmt: skip
STATUS_CANCEL = "resident status "  # the reason's text when a resident is away (rows before codes)
AWAY = {"resident_status", "resident_status_from"}
COMPARED = ("service_code", "window1_start", "window1_end", "window2_start", "window2_end",
            "duration_minutes", "carers", "sex_preference", "funding", "notes")  # fmt: skip


@dataclass
class Result:
    start: date
    end: date
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated, "cancelled": self.cancelled,
                "unchanged": self.unchanged}  # fmt: skip

    def add(self, other: Result) -> None:
        for name in ("created", "updated", "cancelled", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.warnings += [w for w in other.warnings if w not in self.warnings]


def plans_query(station_ids: set[int] | None):
    query = (
        select(CarePlan)
        .join(Resident, Resident.id == CarePlan.resident_id)
        .options(
            selectinload(CarePlan.resident).selectinload(Resident.category_rows),
            selectinload(CarePlan.versions).selectinload(CarePlanVersion.items),
        )
        .order_by(CarePlan.id)
    )
    if station_ids is not None:
        query = query.where(Resident.station_id.in_(station_ids or {-1}))
    return query


def reconcile(actor: User | None, plans: list[CarePlan], start: date, end: date,
              reason: reasons.Reason):  # fmt: skip
    """Make the stored visits of ``plans`` from ``start`` to ``end`` what the plans want."""
    result = Result(start, end)
    if not plans or end < start:
        return result
    calendar = Calendar()
    status_on = statuses([plan.resident for plan in plans])
    wanted = _wanted(plans, start, end, calendar, status_on)
    taken = _settle_existing(actor, plans, start, end, wanted, result, reason, status_on)
    missing = [row for key, row in wanted.items() if key not in taken]
    result.created = _insert(actor, missing)
    result.warnings = [
        f"The official holiday calendar for {year} is not known yet: visits were planned as if "
        f"it had no public holidays. Enter the State Council's schedule as holiday overrides."
        for year in sorted(calendar.unknown_years)
    ]
    return result


def _wanted(plans, start: date, end: date, calendar: Calendar, status_on) -> dict[tuple, dict]:
    """{(plan id, item line, date): visit row} the plans want from ``start`` to ``end``."""
    wanted: dict[tuple, dict] = {}
    for plan in plans:
        for version in plan.versions:
            for item in version.items:
                for day in _dates(item, version, start, end, calendar):
                    if status_on(plan.resident, day) == "active":
                        wanted.setdefault((plan.id, item.line, day), _row(plan, version, item, day))
    return wanted


def preview(plan: CarePlan, start: date, end: date) -> tuple[list[dict], list[str]]:
    """The visits ``plan`` wants from ``start`` to ``end``, without storing anything (pages)."""
    calendar = Calendar()
    rows = _wanted([plan], start, end, calendar, statuses([plan.resident]))
    return sorted(rows.values(), key=lambda r: (r["visit_date"], r["window1_start"])), [
        str(year) for year in sorted(calendar.unknown_years)
    ]


def _dates(item: CarePlanItem, version: CarePlanVersion, start: date, end: date, calendar):
    """Dates the item is served from ``start`` to ``end`` (after the holiday rule)."""
    first = max(start - timedelta(days=MOVE_LIMIT_DAYS), version.effective_from, item.start_date)
    last = min([end] + [d for d in (version.effective_to, item.end_date) if d is not None])
    served = []
    for day in _occurrences(item.rrule, item.start_date, first, last):
        if item.workdays_only:
            moved = day if calendar.is_workday(day) else None
        else:
            moved = calendar.apply_rule(item.service_code, day)
        if moved is not None and start <= moved <= end:
            served.append(moved)
    return served


@lru_cache(maxsize=4096)
def _occurrences(rule: str, anchor: date, first: date, last: date) -> tuple[date, ...]:
    """Many items share a rule and a start: expand each combination once."""
    return tuple(rr.occurrences(rule, anchor, first, last))


def _row(plan: CarePlan, version: CarePlanVersion, item: CarePlanItem, day: date) -> dict:
    return {
        "resident_id": plan.resident_id,
        "station_id": plan.resident.station_id,
        "visit_date": day,
        "source": "plan",
        "plan_item_id": item.id,
        "plan_version_id": version.id,
        "state": "planned",
        **{name: getattr(item, name) for name in COMPARED},
    }


def _settle_existing(actor, plans, start, end, wanted, result, reason, status_on) -> set[tuple]:
    """Update or cancel stored planned visits; return the keys that need no new visit."""
    by_resident = {plan.resident_id: plan.resident for plan in plans}
    columns = [getattr(Visit, name) for name in (*COMPARED, *STORED)]
    query = (
        select(*columns, CarePlanItem.line, CarePlanVersion.plan_id)
        .join(CarePlanItem, CarePlanItem.id == Visit.plan_item_id)
        .join(CarePlanVersion, CarePlanVersion.id == CarePlanItem.version_id)
        .where(Visit.resident_id.in_(list(by_resident)), Visit.visit_date.between(start, end))
        .order_by(Visit.id)
    )
    taken: set[tuple] = set()
    for visit in db.session.execute(query):  # rows, not objects: a run reads thousands
        key = (visit.plan_id, visit.line, visit.visit_date)
        taken.add(key)
        row = wanted.get(key)
        if _reinstatable(visit) and row is not None:
            values = {**_fields(row), "state": "planned", "cancel_reason": None,
                      "cancel_code": None, "cancel_params": None}  # fmt: skip
            again = reasons.Reason("resident_active")
            result.created += _change(actor, visit, values, again, "cancelled")
            continue
        if visit.state != "planned":
            continue
        if row is None:
            status = status_on(by_resident[visit.resident_id], visit.visit_date)
            why = reasons.resident_status(status) if status != "active" else reason
            values = {"state": "cancelled", "cancel_reason": why.english, **why.columns("cancel")}
            result.cancelled += _change(actor, visit, values, why)
        elif any(getattr(visit, name) != row[name] for name in (*COMPARED, "station_id")):
            result.updated += _change(actor, visit, _fields(row), reason)
        else:
            if visit.plan_item_id != row["plan_item_id"]:
                _change(actor, visit, _fields(row), None)
            result.unchanged += 1
    return taken


def _reinstatable(visit) -> bool:
    """Cancelled by generation because the resident was away: wanted again, it is planned again.

    (Only these: a visit someone cancelled by hand stays cancelled.)
    """
    if visit.state != "cancelled":
        return False
    return visit.cancel_code in AWAY or (
        visit.cancel_code is None and (visit.cancel_reason or "").startswith(STATUS_CANCEL)
    )


def _fields(row: dict) -> dict:
    return {
        name: row[name] for name in (*COMPARED, "station_id", "plan_item_id", "plan_version_id")
    }


def _change(actor, visit, values: dict, reason: reasons.Reason | None, state="planned") -> int:
    """Change a ``state`` visit if nobody else did since it was read; 1 when changed."""
    done = db.session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.version == visit.version, Visit.state == state)
        .values(**values, version=visit.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done and reason is not None:
        db.session.add(VisitEvent(visit_id=visit.id, from_state=state,
                                  to_state=values.get("state", "planned"), reason=reason.english,
                                  **reason.columns("reason"), **_who(actor)))  # fmt: skip
    return done


def _who(actor) -> dict:
    return {"user_id": getattr(actor, "id", None), "username": getattr(actor, "username", "system")}


GENERATED = reasons.Reason("generated")


def _insert(actor, rows: list[dict]) -> int:
    """Insert visits; a key another run stored first is skipped (ON CONFLICT DO NOTHING)."""
    created = 0
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    generated = {"reason": GENERATED.english, **GENERATED.columns("reason")}
    for chunk in range(0, len(rows), 1000):
        batch = rows[chunk : chunk + 1000]
        statement = (
            upsert(Visit)
            .on_conflict_do_nothing(index_elements=["plan_item_id", "visit_date"])
            .returning(Visit.id)
        )
        ids = list(db.session.scalars(statement, batch))
        if ids:
            db.session.execute(
                insert(VisitEvent),
                [
                    {
                        "visit_id": i,
                        "from_state": None,
                        "to_state": "planned",
                        **generated,
                        **_who(actor),
                    }
                    for i in ids
                ],  # fmt: skip
            )
        created += len(ids)
    return created


def last_visit_date(resident_ids: list[int]) -> date | None:
    return db.session.scalar(
        select(func.max(Visit.visit_date)).where(
            Visit.resident_id.in_(resident_ids), Visit.source == "plan"
        )
    )


def reconcile_plan(actor, plan: CarePlan, start: date, reason: reasons.Reason) -> Result:
    """After a plan edit: the visits already generated from ``start`` on (not the past)."""
    start = max(start, local_today())
    db.session.expire(plan, ["versions"])
    end = last_visit_date([plan.resident_id]) or start
    return reconcile(actor, [plan], start, end, reason)


def resident_changed(actor, resident: Resident, day: date) -> Result | None:
    """After a status change from ``day``: no visits from then on unless active again."""
    plan = db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident.id))
    if plan is None:
        return None
    start = max(day, local_today())
    end = last_visit_date([resident.id]) or start
    return reconcile(actor, [plan], start, end, reasons.resident_status(resident.status, day))


def generate(actor, days: int = DEFAULT_DAYS, station_ids: set[int] | None = None,
             start: date | None = None) -> Result:  # fmt: skip
    """Generate (or bring in line) the visits of the next ``days`` days; the caller commits."""
    start = start or local_today()
    end = start + timedelta(days=days - 1)
    total = Result(start, end)
    plans = list(db.session.scalars(plans_query(station_ids)))
    for chunk in range(0, len(plans), 200):
        changed = reasons.Reason("plan_changed")
        total.add(reconcile(actor, plans[chunk : chunk + 200], start, end, changed))
    return total
