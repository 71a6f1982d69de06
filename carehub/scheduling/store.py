"""A solution of ``scheduler`` stored as a draft plan: assignments, unassigned visits, KPIs.

Also the way back: a stored plan as the scheduler's ``Solution.plan()`` shape, for re-planning
and recommending against it.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from carehub.extensions import db
from carehub.scheduling.models import PlanAssignment, PlanUnassigned, SchedulePlan
from carehub.scheduling.problem import Built, Mapping, carer_key, visit_key

KEYS = re.compile(r"(?<![A-Za-z0-9-])(?:visit-\d+|[cv]\d+)(?!\d)")
NOBODY_ON_DUTY = "NOBODY_ON_DUTY"  # our own code: no carer works that day at all


def jsonable(value):
    """Reason details as plain JSON (tuples, sets and enums become lists and strings)."""
    return json.loads(
        json.dumps(value, default=lambda v: sorted(v) if isinstance(v, set | frozenset) else str(v))
    )


def next_number(station_id: int, day) -> int:
    top = db.session.scalar(select(func.max(SchedulePlan.number)).where(
        SchedulePlan.station_id == station_id, SchedulePlan.day == day))  # fmt: skip
    return (top or 0) + 1


def store(built: Built, solution, reasons, *, created_by: str, parameters: dict,
          job_id=None, kind: str = "plan", based_on_id=None, extra_kpis=None,
          rounds=()) -> SchedulePlan:  # fmt: skip
    """Write the draft; ``solution`` None means nobody was on duty (every visit unassigned)."""
    m = built.mapping
    plan = SchedulePlan(station_id=m.station_id, day=m.day, number=next_number(m.station_id, m.day),
                        state="draft", kind=kind, based_on_id=based_on_id, job_id=job_id,
                        created_by=created_by, parameters=parameters)  # fmt: skip
    if solution is None:
        plan.unassigned = [PlanUnassigned(visit_id=vid, code=NOBODY_ON_DUTY, params={})
                           for vid in sorted(built.visits)]  # fmt: skip
        plan.kpis = {"visits": len(built.visits), "served": 0, "unassigned": len(built.visits)}
        plan.routes = []
    else:
        plan.assignments = list(_assignments(solution, m)) + list(_round_assignments(rounds, m))
        plan.unassigned = [_unassigned(m, vid, reasons.get(vid)) for vid in solution.unassigned
                           if vid in m.visits]  # fmt: skip
        plan.routes = _routes(built, solution) + _round_routes(rounds, m)
        plan.kpis = kpis(built, solution, rounds) | (extra_kpis or {})
    plan.kpis["pins_ignored"] = list(m.pins_ignored)
    db.session.add(plan)
    db.session.flush()
    return plan


def _assignments(solution, m: Mapping):
    for route in solution.routes:
        for order, stop in enumerate(route.stops):
            if stop.visit_id not in m.visits:
                continue
            yield PlanAssignment(
                visit_id=m.visits[stop.visit_id], seat=stop.carer + 1, shift=route.shift,
                route_order=order, planned_start=m.to_utc(stop.start), planned_end=m.to_utc(stop.end),
                travel_minutes=round(stop.travel), waiting_minutes=round(stop.waiting),
                late_minutes=round(stop.lateness), **m.carer(route.caregiver_id))  # fmt: skip


def _unassigned(m: Mapping, key: str, reason) -> PlanUnassigned:
    if reason is None:
        return PlanUnassigned(visit_id=m.visits[key], code="NOT_PLACED", params={})
    params = {"en": named(reason.message, m), "zh": named(reason.message_zh, m),
              "details": jsonable(reason.details)}  # fmt: skip
    return PlanUnassigned(visit_id=m.visits[key], code=str(reason.code), params=params)


def named(text: str, m: Mapping) -> str:
    """The scheduler's sentence with people's names for its ids (c3, v7, visit-12)."""
    return KEYS.sub(lambda found: m.names.get(found.group(0), found.group(0)), text)


def _routes(built: Built, solution) -> list[dict]:
    m, out = built.mapping, []
    for route in solution.routes:
        shift = built.problem.caregiver(route.caregiver_id).shifts[route.shift]
        kind, carer_id = m.carers[route.caregiver_id]
        out.append({
            "carer": route.caregiver_id, "kind": kind, "id": carer_id, "shift": route.shift,
            "name": m.names[route.caregiver_id],
            "shift_start": shift.start_time, "shift_end": shift.end_time,
            "start": round(route.start_time), "end": round(route.end_time),
            "travel": round(route.travel), "waiting": round(route.waiting),
            "service": round(route.service), "overtime": round(route.overtime),
            "breaks": [[round(b.start), round(b.duration)] for b in route.breaks],
            "stops": [[m.visits.get(st.visit_id), st.carer, round(st.start), round(st.end),
                       round(st.travel), round(st.waiting)] for st in route.stops],
        })  # fmt: skip
    return out


def _round_assignments(rounds, m: Mapping):
    for r in rounds:
        for order, (key, start) in enumerate(r.stops):
            yield PlanAssignment(
                visit_id=m.visits[key], seat=1, shift=0, route_order=1000 + order,
                planned_start=m.to_utc(start), planned_end=m.to_utc(start + 2), meal_round=True,
                **m.carer(r.carer))  # fmt: skip


def _round_routes(rounds, m: Mapping) -> list[dict]:
    """A round drawn like a route: from the first pickup to the last handover."""
    return [{"carer": r.carer, "kind": m.carers[r.carer][0], "id": m.carers[r.carer][1],
             "shift": -1, "meal": True, "name": m.names[r.carer],
             "shift_start": r.start, "shift_end": r.end, "start": round(r.start),
             "end": round(r.end), "travel": round(r.travel), "waiting": 0,
             "service": 2 * len(r.stops), "overtime": 0, "breaks": [],
             "last": [r.last.lat, r.last.lon],
             "stops": [[m.visits[k], 0, round(t), round(t) + 2, 0, 0] for k, t in r.stops]}
            for r in rounds]  # fmt: skip


def kpis(built: Built, solution, rounds=()) -> dict:
    """Visits served, travel, lateness, overtime, continuity and load per carer (minutes);
    meals handed over on a round count as served."""
    problem = built.problem
    served = dict(solution.assignment())
    served.update({key: (r.carer,) for r in rounds for key, _ in r.stops})
    wanted = [v for v in problem.visits if v.preferred_caregivers and v.id in served]
    kept = [v for v in wanted if set(served[v.id]) & set(v.preferred_caregivers)]
    load: dict[str, int] = {}
    for r in solution.routes:
        if r.stops:
            load[r.caregiver_id] = load.get(r.caregiver_id, 0) + round(r.working_minutes)
    for r in rounds:
        load[r.carer] = load.get(r.carer, 0) + round(r.end - r.start)
    return {
        "visits": len(built.visits), "served": len(served), "meal_rounds": len(rounds),
        "unassigned": len(solution.unassigned),
        "travel_minutes": round(solution.travel + sum(r.travel for r in rounds)),
        "late_minutes": round(solution.lateness), "overtime_minutes": round(solution.overtime),
        "continuity_pct": round(100 * len(kept) / len(wanted), 1) if wanted else None,
        "carers_used": len(load), "load": load,
        "objective": round(solution.objective, 1), "wall_s": round(solution.stats.wall_s, 2),
    }  # fmt: skip


def as_plan(plan: SchedulePlan, m: Mapping) -> tuple[dict, dict, dict]:
    """The stored plan in the scheduler's shape (keys the problem knows only), with each stop's
    stored start as a lower bound and the stored breaks."""
    routes: dict[tuple[str, int], list[tuple[str, int]]] = {}
    starts: dict[tuple[str, int], float] = {}
    for a in sorted(plan.assignments, key=lambda a: a.route_order):
        if a.meal_round:
            continue
        kind = "caregiver" if a.caregiver_id is not None else "volunteer"
        carer, vkey = carer_key(kind, a.caregiver_id or a.volunteer_id), visit_key(a.visit_id)
        if carer not in m.carers or vkey not in m.visits:
            continue
        routes.setdefault((carer, a.shift), []).append((vkey, a.seat - 1))
        starts[(vkey, a.seat - 1)] = m.to_minutes(a.planned_start)
    from scheduler.result import BreakTaken

    breaks = {(r["carer"], r["shift"]): [BreakTaken(b[0], b[1]) for b in r["breaks"]]
              for r in plan.routes or () if r["carer"] in m.carers and not r.get("meal")}  # fmt: skip
    return routes, starts, breaks
