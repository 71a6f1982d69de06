"""Fleet minimisation: fewest caregivers first, then the cheapest plan for that fleet.

Plain OR-Tools with a fixed cost per vehicle stalls one or two routes above the best known on
tight-window instances, because removing a whole route is many local-search moves uphill.
So we first find a plan, then repeatedly drop the smallest route (its visits become
unassigned at a large penalty) and let the search re-insert them with one caregiver fewer.
"""

from __future__ import annotations

from scheduler.solver.compile import Compiled
from scheduler.solver.params import SolveParams
from scheduler.solver.routing import build
from scheduler.solver.search import Clock, Found, run

FIRST_SHARE = 0.2  # of the time limit, for the first plan with the full fleet
FINAL_SHARE = 0.35  # kept back for distance on the final fleet


def minimise(
    data: Compiled,
    params: SolveParams,
    clock: Clock,
    start: dict[int, list[int]] | None,
    phases: list[str],
) -> Found | None:
    total = params.runtime()
    best = run(build(data), data, params, _share(total, FIRST_SHARE), params.solutions(), start)
    phases.append("fleet:first")
    if best is None:
        return None
    best = _reduce(data, params, clock, best, phases)
    used = [k for k, r in best.routes.items() if r]
    left = clock.left()
    final = run(build(data, used), data, params, left, params.solutions(), best.routes)
    phases.append(f"fleet:final({len(used)})")
    return final if final is not None and _better(final, best) else best


def _reduce(data: Compiled, params: SolveParams, clock: Clock, best: Found, phases) -> Found:
    """Drop routes one at a time while every visit served so far stays served."""
    total = params.runtime()
    while True:
        used = [k for k, r in best.routes.items() if r]
        left = clock.left()
        if len(used) <= 1 or (left is not None and left <= total * FINAL_SHARE):  # type: ignore[operator]
            return best
        drop = min(used, key=lambda k: (len(best.routes[k]), k))
        keep = [k for k in used if k != drop]
        seconds = None if left is None else (left - total * FINAL_SHARE) / 2  # type: ignore[operator]
        init = {k: best.routes[k] for k in keep}
        cand = run(build(data, keep), data, params, seconds, params.solutions(), init)
        phases.append(f"fleet:try({len(keep)})")
        if cand is None or len(cand.served()) < len(best.served()):
            return best
        best = cand


def _better(a: Found, b: Found) -> bool:
    used_a = sum(1 for r in a.routes.values() if r)
    used_b = sum(1 for r in b.routes.values() if r)
    return (len(a.served()), -used_a, -a.cost) >= (len(b.served()), -used_b, -b.cost)


def _share(total: float | None, share: float) -> float | None:
    return None if total is None else total * share
