"""A search result priced as a Solution: the leaf every phase of the solver shares.

The construction, the search by parts and the public ``solve`` all turn the integer routes they
found into a floating-point Solution the same way; keeping that here (and not in solve.py) lets
solve.py import the phases without the phases importing it back.
"""

from __future__ import annotations

from scheduler.result import BreakTaken, SearchStats, Solution, evaluate
from scheduler.solver.compile import Compiled
from scheduler.solver.search import Found


def to_solution(data: Compiled, found: Found | None, stats: SearchStats) -> Solution:
    """Price a search result in floating point with scheduler.result.evaluate."""
    problem = data.problem
    plan: dict[tuple[str, int], list[tuple[str, int]]] = {}
    lower: dict[tuple[str, int], float] = {}
    breaks: dict[tuple[str, int], list[BreakTaken]] = {}
    routes = found.routes if found else {}
    for k, nodes in routes.items():
        veh = data.vehicles[k]
        key = (problem.caregivers[veh.caregiver].id, veh.shift)
        seq = []
        for n in nodes:
            t = data.task_of_node[n]
            seq.append((problem.visits[t.visit].id, t.carer))
        plan[key] = seq
        taken = found.breaks.get(k) if found else None
        if taken and nodes:
            breaks[key] = [BreakTaken(s / data.scale, d / data.scale) for s, d in taken]
            for n, item in zip(nodes, seq, strict=True):
                lower[item] = found.starts[n] / data.scale  # type: ignore[union-attr]
    extra = 0.0
    if data.assignment_cost is not None:
        for (cid, _), seq in plan.items():
            c = problem.caregiver(cid)
            extra += sum(data.assignment_cost(problem.visit(v), k, c) for v, k in seq)
    return evaluate(problem, plan, lower, breaks, extra, stats)
