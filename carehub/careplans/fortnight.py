"""A resident's current plan and the next two weeks, day by day, as the resident page shows it.

Stored visits are shown with their state; days not generated yet show what the plan wants.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from carehub.careplans.clock import local_today
from carehub.careplans.generation import preview
from carehub.careplans.models import CarePlan
from carehub.extensions import db
from carehub.registry.models import ServiceType
from carehub.visits.models import Visit

FORTNIGHT = 14


def care_plan_of(resident) -> dict | None:
    """The resident's plan with its weeks (None without a plan); the caller has read the resident."""
    plan = db.session.scalar(select(CarePlan).where(CarePlan.resident_id == resident.id))
    if plan is None:
        return None
    start = local_today()
    end = start + timedelta(days=FORTNIGHT - 1)
    wanted, unknown = preview(plan, start, end)
    stored = db.session.scalars(
        select(Visit).where(Visit.resident_id == resident.id, Visit.visit_date.between(start, end))
    ).all()
    days = {start + timedelta(days=n): [] for n in range(FORTNIGHT)}
    seen = set()
    for visit in stored:
        days[visit.visit_date].append({"service": visit.service_code, "start": visit.window1_start,
                                       "state": visit.state})  # fmt: skip
        seen.add((visit.plan_item_id, visit.visit_date))
    for row in wanted:
        if (row["plan_item_id"], row["visit_date"]) not in seen:
            days[row["visit_date"]].append({"service": row["service_code"],
                                            "start": row["window1_start"], "state": "preview"})  # fmt: skip
    weeks, cells = [], [None] * start.weekday() + sorted(days.items())
    for n in range(0, len(cells), 7):
        weeks.append(cells[n : n + 7] + [None] * (7 - len(cells[n : n + 7])))
    return {"plan": plan, "version": plan.current, "weeks": weeks, "unknown_years": unknown,
            "names": service_names()}  # fmt: skip


def service_names() -> dict[str, ServiceType]:
    """The catalogue by code, for the pages' service names and default durations."""
    return {s.code: s for s in db.session.scalars(select(ServiceType))}
