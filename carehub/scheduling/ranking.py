"""Who could take one more visit (an urgent 助急 call, a visit left out): ``scheduler.recommend``
against a stored plan, cheapest feasible fit first, with the added travel and the knock-on."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.common.errors import Conflict
from carehub.scheduling import meals
from carehub.scheduling.problem import PLANNABLE, STARTED, build_problem, visit_key
from carehub.scheduling.reasons import chinese
from carehub.scheduling.store import as_plan, named
from scheduler.feasibility import hhmm
from scheduler.recommend import recommend
from scheduler.result import evaluate


def candidates(plan, visit, limit: int) -> list[dict]:
    built = build_problem(plan.station_id, plan.day, (*PLANNABLE, *STARTED))
    key = visit_key(visit.id)
    if built.problem is None or key not in built.mapping.visits:
        return []
    rounds = meals.stored_rounds(plan, built.mapping)
    built.problem = meals.without_rounds(built.problem, rounds, built.mapping.base)
    if key not in {v.id for v in built.problem.visits}:
        raise Conflict(_l("This visit is already on a route in this plan."), code="assigned")
    routes, starts, breaks = as_plan(plan, built.mapping)
    solution = evaluate(built.problem, routes, starts, breaks)
    if key in solution.assignment():
        raise Conflict(_l("This visit is already on a route in this plan."), code="assigned")
    m = built.mapping
    return [_fit(fit, m) for fit in recommend(built.problem, solution, key, limit=limit)]


def _fit(fit, m) -> dict:
    reason = None
    if fit.reason is not None:
        reason = named(fit.reason.message_zh if chinese() else fit.reason.message, m)
    carers = [{"kind": m.carers[c][0], "id": m.carers[c][1], "name": m.names[c]}
              for c in fit.caregivers]  # fmt: skip
    knock = [{"visit_id": m.visits.get(k.visit_id), "delay": round(k.delay)} for k in fit.knock_on]
    return {"carers": carers, "feasible": fit.feasible,
            "start": hhmm(fit.start) if fit.start is not None else None,
            "added_travel": round(fit.added_travel), "lateness": round(fit.lateness),
            "knock_on": knock, "reason": reason}  # fmt: skip
