"""The public entry point: build, search (with an optional fleet phase), price the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scheduler.model import Problem
from scheduler.result import SearchStats, Solution
from scheduler.solver import construct, lns
from scheduler.solver.compile import AssignmentCost, Compiled
from scheduler.solver.params import SolveParams
from scheduler.solver.pricing import to_solution
from scheduler.solver.routing import build
from scheduler.solver.search import Clock, Found, routes_from_plan, run

__all__ = ["solve", "to_solution"]

PlanLike = Solution | Mapping[tuple[str, int], Sequence[tuple[str, int]]]


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    initial: PlanLike | None = None,
    assignment_cost: AssignmentCost | None = None,
    max_reassigned: int | None = None,
) -> Solution:
    """Plan the day. Always returns a plan: visits that cannot be served are unassigned.

    initial: a previous plan (Solution or Solution.plan() shape) to warm-start from.
    assignment_cost(visit, carer, caregiver): extra cost of that caregiver serving that part of
    the visit (re-planning uses it to price moved visits). max_reassigned: at most this many
    visits of ``initial`` may end with another caregiver or unassigned.
    """
    params = params or SolveParams()
    clock = Clock(params.runtime())
    data = Compiled(problem, params.scale, params.seed, assignment_cost)
    start = None
    if initial is not None:
        plan = initial.plan() if isinstance(initial, Solution) else initial
        start = routes_from_plan(data, plan)
    phases: list[str] = []
    made = None
    if start is None and _constructs(data, params):
        # OR-Tools' own first plan stalls on large days and fails outright on small ones with
        # breaks and two windows per visit: every day starts from what the insertion serves
        made = construct.construct_found(data)
        start = made.routes
        phases.append(f"construct@{clock.elapsed():.1f}s")
    try:
        found = _search(data, params, clock, start, max_reassigned, phases, made)
    except Exception as exc:  # OR-Tools reports a contradiction found while building
        if "CP Solver fail" not in str(exc):
            raise
        phases.append("contradiction: every visit left unassigned")
        found = None
    if made is not None and found is not made and not _better(data, found, made):
        if found is not None:
            made.solutions += found.solutions
        found = made
        phases.append("construction kept")
    return to_solution(
        data, found, SearchStats(clock.elapsed(), _count(found), _status(found), tuple(phases))
    )


def _constructs(data: Compiled, params: SolveParams) -> bool:
    """Every day starts from the construction, except the fleet-minimising (benchmark) path."""
    use_fleet = params.fleet_minimisation
    if use_fleet is None:
        use_fleet = data.problem.weights.caregiver_used > 0
    return not use_fleet or len(data.tasks) > params.phases.construct_above


def _better(data: Compiled, found: Found | None, made: Found) -> bool:
    """Whether the search's plan is at least as good as the construction (unassigned visits
    count at their penalty in the objective)."""
    if found is None:
        return False
    a, b = to_solution(data, found, SearchStats()), to_solution(data, made, SearchStats())
    return a.objective <= b.objective + 1e-6


def _search(data, params, clock, start, max_reassigned, phases, made=None) -> Found | None:
    use_fleet = params.fleet_minimisation
    if use_fleet is None:
        use_fleet = data.problem.weights.caregiver_used > 0
    if use_fleet and max_reassigned is None:
        from scheduler.solver.fleet import minimise

        return minimise(data, params, clock, start, phases)
    if lns.applies(data) and _needs_sync_search(data, params):
        cap = None if max_reassigned is None or not start else (max_reassigned, start)
        return _with_lns(data, params, clock, None if made else start, phases, made, cap)
    large = start and len(data.tasks) > params.phases.parts_above
    if large and made is not None and max_reassigned is None:
        # one model of a large day searches slowly and may refuse a warm start: search by parts
        phases.append("parts")
        return construct.improve_by_parts(data, params, clock, made)
    built = build(data)
    if max_reassigned is not None and start:
        _cap_reassigned(built, start, max_reassigned)
    if large or made is not None:
        phases.append("search from start")
        return construct.from_start(built, data, params, clock.left(), start)
    phases.append("search")
    return run(built, data, params, clock.left(), params.solutions(), start)


def _needs_sync_search(data: Compiled, params: SolveParams) -> bool:
    """Up to ``params.phases.lns_up_to`` tasks the ruin-and-recreate search beats OR-Tools'
    local search: on two-carer visits (see scheduler.solver.lns) and on station days with
    breaks and two windows (bench/results/station-day-*.md), the street centre included."""
    return len(data.tasks) <= params.phases.lns_up_to


def _with_lns(
    data: Compiled, params: SolveParams, clock: Clock, start, phases, made: Found | None = None,
    cap: tuple[int, dict[int, list[int]]] | None = None,
) -> Found | None:  # fmt: skip
    """A first plan, the sync-aware search improves it, OR-Tools checks the result.

    The first plan is the better of OR-Tools' own and the construction; on days with breaks or
    several windows per visit OR-Tools' first plan is skipped (it often finds none there), and
    above ``Phases.first_up_to`` tasks (the construction is the better start there).
    ``cap`` (most moves, and the plan they are counted from) binds every phase: OR-Tools'
    models carry it as a constraint, the search refuses candidates beyond it.
    """

    def model():
        built = build(data)
        if cap is not None:
            _cap_reassigned(built, cap[1], cap[0])
        return built

    total = params.runtime()
    timed = params.solutions() is None
    seconds = None if total is None else total * params.shares.lns_first
    first = made
    small = len(data.tasks) <= params.phases.first_up_to
    if made is None or (small and not _first_fails(data)):
        first = run(model(), data, params, seconds, params.solutions(), start)
        phases.append(f"first@{clock.elapsed():.1f}s")
        if made is not None and not _better(data, first, made):
            first = made
            phases.append("from construction")
    if first is None:
        return None
    until = (
        None if total is None else max(0.0, total * (1 - params.shares.lns_check) - clock.elapsed())
    )
    better = lns.improve(
        data,
        first.routes,
        until if timed else None,
        params.seed,
        10**9 if timed else params.ruin.iterations,
        guard=until,
        trace=phases,
        knobs=params.ruin,
        anchor=cap[1] if cap else None,
        max_moved=cap[0] if cap else None,
    )
    phases.append(f"lns{'+' if better else '-'}@{clock.elapsed():.1f}s")
    if better is None:
        return first
    better.solutions = first.solutions + 1
    if len(data.tasks) > params.phases.check_up_to:
        return better
    final = construct.warm_run(model(), data, params, clock.left(), better)
    phases.append(f"check{' (plan refused)' if final is None else ''}@{clock.elapsed():.1f}s")
    if final is not None and _better(data, final, better):
        final.solutions += better.solutions
        return final
    return better if _better(data, better, first) else first


def _first_fails(data: Compiled) -> bool:
    """Breaks or several windows per visit: where OR-Tools' own first plan is unreliable."""
    p = data.problem
    return any(len(v.windows) > 1 for v in p.visits) or any(
        s.breaks for c in p.caregivers for s in c.shifts
    )


def _cap_reassigned(built, start: dict[int, list[int]], cap: int) -> None:
    solver = built.routing.solver()
    model_of = {k: m for m, k in enumerate(built.vehicles)}
    moved = []
    for k, nodes in start.items():
        for node in nodes:
            var = built.routing.VehicleVar(built.manager.NodeToIndex(node))
            moved.append(solver.IsDifferentCstVar(var, model_of[k]))
    if moved:
        solver.Add(solver.Sum(moved) <= cap)


def _count(found: Found | None) -> int:
    return found.solutions if found else 0


def _status(found: Found | None) -> str:
    return "solved" if found else "no solution (all visits unassigned)"
