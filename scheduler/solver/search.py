"""Run OR-Tools on a built model: search parameters, warm starts, stopping, extraction."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from scheduler.solver.compile import Compiled
from scheduler.solver.params import SolveParams
from scheduler.solver.routing import Built

FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass
class Found:
    """One assignment read back into plain Python (compiled vehicle -> task nodes)."""

    routes: dict[int, list[int]]  # compiled vehicle -> task nodes in order
    starts: dict[int, int]  # task node -> start time (integer units)
    breaks: dict[int, list[tuple[int, int]]]  # compiled vehicle -> (start, duration)
    cost: int
    solutions: int = 0
    warm: bool | None = None  # None: no start given; False: OR-Tools refused the given routes

    def served(self) -> set[int]:
        return {n for r in self.routes.values() for n in r}


def search_parameters(
    params: SolveParams, seconds: float | None, solutions: int | None, first: str | None = None
) -> pywrapcp.DefaultRoutingSearchParameters:
    p = pywrapcp.DefaultRoutingSearchParameters()
    name = first or params.first_solution
    p.first_solution_strategy = getattr(FSS, name)
    p.local_search_metaheuristic = getattr(LSM, params.metaheuristic)
    if seconds is not None:
        p.time_limit.CopyFrom(_duration(max(seconds, 0.01)))
    if solutions is not None:
        p.solution_limit = solutions
    p.log_search = params.log
    for key, value in params.extra.items():
        _set(p, key, value)
    return p


def _set(message, dotted: str, value: object) -> None:
    """Set a (possibly nested) search parameter, e.g. 'local_search_operators.use_or_opt'."""
    *path, last = dotted.split(".")
    for part in path:
        message = getattr(message, part)
    setattr(message, last, value)


def _duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def run(
    built: Built,
    data: Compiled,
    params: SolveParams,
    seconds: float | None,
    solutions: int | None,
    initial: dict[int, list[int]] | None = None,
    first: str | None = None,
) -> Found | None:
    """Solve (from ``initial`` routes if given); None when OR-Tools returns nothing."""
    routing = built.routing
    counter = _Counter(routing, params.patience())
    routing.AddAtSolutionCallback(counter)
    sp = search_parameters(params, seconds, solutions, first)
    start = None
    if initial is not None:
        routing.CloseModelWithParameters(sp)
        start = routing.ReadAssignmentFromRoutes(_model_routes(built, initial), True)
    if start is not None:
        assignment = routing.SolveFromAssignmentWithParameters(start, sp)
    else:
        assignment = routing.SolveWithParameters(sp)
    if assignment is None:
        return None
    found = read(built, data, assignment)
    found.solutions = counter.count
    if initial is not None:
        found.warm = start is not None
    return found


class _Counter:
    """Counts solutions and ends the search after ``patience`` without improvement."""

    def __init__(self, routing: pywrapcp.RoutingModel, patience: int | None) -> None:
        self.routing = routing
        self.patience = patience
        self.count = 0
        self.best: int | None = None
        self.stale = 0

    def __call__(self) -> None:
        self.count += 1
        cost = self.routing.CostVar().Value()
        if self.best is None or cost < self.best:
            self.best, self.stale = cost, 0
        else:
            self.stale += 1
        if self.patience is not None and self.stale >= self.patience:
            self.routing.solver().FinishCurrentSearch()


def _model_routes(built: Built, routes: dict[int, list[int]]) -> list[list[int]]:
    model_of = {k: m for m, k in enumerate(built.vehicles)}
    out: list[list[int]] = [[] for _ in built.vehicles]
    for k, nodes in routes.items():
        if k in model_of:
            out[model_of[k]] = [built.manager.NodeToIndex(n) for n in nodes]
    return out


def read(built: Built, data: Compiled, assignment: pywrapcp.Assignment) -> Found:
    routing, manager, tdim = built.routing, built.manager, built.time
    routes: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for m, k in enumerate(built.vehicles):
        nodes = []
        index = assignment.Value(routing.NextVar(routing.Start(m)))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node >= data.n_depots:
                nodes.append(node)
                starts[node] = assignment.Value(tdim.CumulVar(index))
            index = assignment.Value(routing.NextVar(index))
        routes[k] = nodes
    breaks = {}
    for m, intervals in built.breaks.items():
        taken = [(assignment.StartValue(iv), iv.DurationMin()) for iv in intervals]
        breaks[built.vehicles[m]] = taken
    return Found(routes, starts, breaks, assignment.ObjectiveValue())


class Clock:
    """Wall-clock budget shared by the phases of one solve."""

    def __init__(self, seconds: float | None) -> None:
        self.t0 = time.monotonic()
        self.seconds = seconds

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def left(self) -> float | None:
        if self.seconds is None:
            return None
        return max(0.0, self.seconds - self.elapsed())


def routes_from_plan(
    data: Compiled, plan: dict[tuple[str, int], Sequence[tuple[str, int]]]
) -> dict[int, list[int]]:
    """(caregiver id, shift) -> [(visit id, carer)] to compiled vehicle -> task nodes."""
    vehicle_of = {}
    for k, veh in enumerate(data.vehicles):
        vehicle_of[(data.problem.caregivers[veh.caregiver].id, veh.shift)] = k
    node_of = {}
    for t in data.tasks:
        node_of[(data.problem.visits[t.visit].id, t.carer)] = t.node
    out: dict[int, list[int]] = {}
    for key, seq in plan.items():
        if key in vehicle_of:
            out[vehicle_of[key]] = [node_of[s] for s in seq if s in node_of]
    return out
