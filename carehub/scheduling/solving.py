"""Solve a station-day (what the ``plan-day`` job runs) and re-plan from a published plan.

No access checks here: the job and the services that call these have done them.
"""

from __future__ import annotations

import logging
from datetime import date

from carehub.scheduling import meals
from carehub.scheduling.models import SchedulePlan
from carehub.scheduling.problem import PLANNABLE, STARTED, build_problem, carer_key
from carehub.scheduling.store import as_plan, store
from scheduler.explain import explain
from scheduler.replan import CaregiverAbsent, CaregiverLate, replan
from scheduler.result import evaluate
from scheduler.solver import SolveParams, solve

log = logging.getLogger(__name__)
DEFAULT_TIME_LIMIT = 10.0
ROUNDS_SHARE = 0.3  # of the time limit, for the lunch rounds' search (1 to 5 s) if it is needed


def _quiet(done, total=None, message=""):
    return None


def plan_day(station_id: int, day: date, *, time_limit: float = DEFAULT_TIME_LIMIT, seed: int = 0,
             created_by: str = "system", job_id=None, progress=_quiet) -> SchedulePlan:  # fmt: skip
    """Build the day's problem, plan the lunch rounds, solve the rest, explain what is left
    out, store a draft."""
    built = build_problem(station_id, day)
    total = len(built.visits)
    progress(0, total, f"{total} visits")
    parameters = {"time_limit": time_limit, "seed": seed}
    if built.problem is None:
        return store(built, None, {}, created_by=created_by, parameters=parameters, job_id=job_id)
    seconds = min(5.0, max(1.0, time_limit * ROUNDS_SHARE))
    whole = built.problem
    rounds = meals.plan_rounds(built, built.mapping.base, seconds, seed)
    built.problem = meals.without_rounds(whole, rounds, built.mapping.base)
    in_rounds = sum(len(r.stops) for r in rounds)
    progress(in_rounds, total, f"lunch rounds: {in_rounds} meals")
    params = SolveParams(time_limit=max(0.5, time_limit - seconds), seed=seed)
    try:
        solution = _solve(built.problem, params)
    except AssertionError:  # a day the cut-out rounds left unsolvable: plan it without them
        log.exception("station %s %s: planned without lunch rounds", station_id, day)
        built.problem, rounds = whole, []
        solution = _solve(whole, params)
    served = total - len(solution.unassigned)
    progress(served, total, f"plan: {served} of {total} visits")
    reasons = explain(built.problem, solution) if solution.unassigned else {}
    return store(built, solution, reasons, created_by=created_by, parameters=parameters,
                 job_id=job_id, rounds=rounds)  # fmt: skip


def _solve(problem, params):
    return solve(problem, params) if problem.visits else evaluate(problem, {})


def _changes(data: dict, m) -> list:
    out = []
    for row in data.get("absent", ()):
        key = _carer(row)
        if key in m.carers:
            out.append(CaregiverAbsent(key, row.get("from_minute")))
    for row in data.get("late", ()):
        key = _carer(row)
        if key in m.carers:
            out.append(CaregiverLate(key, float(row["minutes"]), float(row["at_minute"])))
    return out


def _carer(row: dict) -> str:
    if row.get("caregiver_id") is not None:
        return carer_key("caregiver", row["caregiver_id"])
    return carer_key("volunteer", row["volunteer_id"])


def replan_from(published: SchedulePlan, data: dict, *, created_by: str) -> SchedulePlan:
    """A new draft from the published plan after the day's changes (absent or late carers;
    cancelled and urgent visits are read from the visits themselves), moving as little as
    possible and keeping visits already started where they are. Lunch rounds stay as they were
    but an absent deliverer's, whose meals are re-planned as visits."""
    built = build_problem(published.station_id, published.day, (*PLANNABLE, *STARTED),
                          absences=False)  # fmt: skip
    parameters = {"time_limit": data.get("time_limit", 5.0), "seed": 0, "changes": data}
    if built.problem is None:
        return store(built, None, {}, created_by=created_by, parameters=parameters, kind="replan",
                     based_on_id=published.id)  # fmt: skip
    changes = _changes(data, built.mapping)
    absent = frozenset(c.caregiver_id for c in changes if isinstance(c, CaregiverAbsent))
    rounds = meals.stored_rounds(published, built.mapping, absent)
    built.problem = meals.without_rounds(built.problem, rounds, built.mapping.base)
    routes, starts, breaks = as_plan(published, built.mapping)
    old = evaluate(built.problem, routes, starts, breaks)
    result = replan(built.problem, old, changes,
                    SolveParams(time_limit=parameters["time_limit"], seed=0),
                    now=data.get("now_minute"))  # fmt: skip
    built.problem = result.problem
    reasons = dict(result.reasons) or explain(result.problem, result.solution)
    return store(built, result.solution, reasons, created_by=created_by, parameters=parameters,
                 kind="replan", based_on_id=published.id, rounds=rounds,
                 extra_kpis={"replan": result.counts})  # fmt: skip
