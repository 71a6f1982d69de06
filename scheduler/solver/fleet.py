"""Fleet minimisation: fewest caregivers first, then the cheapest plan for that fleet.

Plain OR-Tools with a fixed cost per vehicle stalls one or two routes above the best known on
tight-window instances, because removing a whole route is many local-search moves uphill.
So we first find a plan, then remove routes one at a time:

- benchmark-like problems (scheduler.solver.routemin.applies): ruin-and-recreate route
  elimination, then ruin-and-recreate distance descent, then OR-Tools polishes;
- anything else: drop the smallest route (its visits become unassigned at a large penalty) and
  let OR-Tools re-insert them with one caregiver fewer, keeping the smaller fleet only if every
  visit served before is still served.
"""

from __future__ import annotations

import math

from scheduler.solver import routemin
from scheduler.solver.compile import Compiled
from scheduler.solver.params import SolveParams
from scheduler.solver.routing import build
from scheduler.solver.search import Clock, Found, run

# solution-limit (reproducible) runs have no clock: fixed iteration budgets instead
ITER_REDUCE, ITER_OPTIMISE = 2_000, 2_000


def minimise(
    data: Compiled,
    params: SolveParams,
    clock: Clock,
    start: dict[int, list[int]] | None,
    phases: list[str],
) -> Found | None:
    total = params.runtime()
    first = run(
        build(data),
        data,
        params,
        _share(total, params.shares.fleet_first),
        params.solutions(),
        start,
    )
    phases.append(f"fleet:first@{clock.elapsed():.1f}s")
    if first is None:
        return None
    if routemin.applies(data) and len(first.served()) == len(data.tasks):
        return _ruin_recreate(data, params, clock, first, phases)
    best = _reduce_with_ortools(data, params, clock, first, phases)
    return _final(data, params, clock, best, phases)


def _ruin_recreate(data: Compiled, params, clock: Clock, first: Found, phases) -> Found:
    """Route elimination, then distance descent; iteration budgets under a solution limit."""
    total = params.runtime()
    timed = params.solutions() is None
    trace: list[str] = []
    budget = _until(clock, total, params.shares.fleet_reduce_until)
    reduced = routemin.reduce(
        data,
        first.routes,
        budget,
        params.seed,
        10**9 if timed else ITER_REDUCE,
        trace,
        lower_bound=_lower_bound(data),
    )
    phases.extend(trace)
    phases.append(f"fleet:routemin@{clock.elapsed():.1f}s")
    routes = reduced if reduced is not None else first.routes
    seconds = _until(clock, total, 1 - params.shares.fleet_polish)
    routes = routemin.optimise(
        data,
        routes,
        seconds if timed else None,
        params.seed,
        10**9 if timed else ITER_OPTIMISE,
        guard=seconds,
    )
    best = Found(routes, {}, {}, routemin.plan_cost(data, routes), first.solutions)
    phases.append(f"fleet:descent={best.cost / data.cost_scale:.2f}@{clock.elapsed():.1f}s")
    return _final(data, params, clock, best, phases)


def _until(clock: Clock, total: float | None, share: float) -> float | None:
    """Seconds from now until ``share`` of the time limit has passed."""
    return None if total is None else max(0.0, total * share - clock.elapsed())


def _lower_bound(data: Compiled) -> int:
    """Routes needed by capacity alone."""
    demand = sum(v.demand for v in data.problem.visits)
    cap = data.problem.caregivers[data.vehicles[0].caregiver].capacity
    return max(1, math.ceil(demand / cap)) if cap else 1


def _final(data: Compiled, params, clock: Clock, best: Found, phases) -> Found:
    used = [k for k, r in best.routes.items() if r]
    final = run(build(data, used), data, params, clock.left(), params.solutions(), best.routes)
    cost = final.cost / data.cost_scale if final else float("nan")
    phases.append(f"fleet:final({len(used)})={cost:.2f}@{clock.elapsed():.1f}s")
    if final is None:
        return best
    final.solutions += best.solutions
    return final if _better(final, best) else best


def _reduce_with_ortools(data: Compiled, params, clock: Clock, best: Found, phases) -> Found:
    """Drop routes one at a time while every visit served so far stays served."""
    total = params.runtime()
    reserve = 0.0 if total is None else total * params.shares.fleet_fallback_final
    while True:
        used = [k for k, r in best.routes.items() if r]
        left = clock.left()
        if len(used) <= 1 or (left is not None and left <= reserve):
            return best
        drop = min(used, key=lambda k: (len(best.routes[k]), k))
        keep = [k for k in used if k != drop]
        seconds = None if left is None else (left - reserve) / 2
        init = {k: best.routes[k] for k in keep}
        cand = run(build(data, keep), data, params, seconds, params.solutions(), init)
        phases.append(f"fleet:try({len(keep)})@{clock.elapsed():.1f}s")
        if cand is None or len(cand.served()) < len(best.served()):
            return best
        best = cand


def _better(a: Found, b: Found) -> bool:
    used_a = sum(1 for r in a.routes.values() if r)
    used_b = sum(1 for r in b.routes.values() if r)
    return (len(a.served()), -used_a, -a.cost) >= (len(b.served()), -used_b, -b.cost)


def _share(total: float | None, share: float) -> float | None:
    return None if total is None else total * share
