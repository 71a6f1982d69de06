"""Reference solvers the benchmarks compare CareHub's scheduler against.

* plain OR-Tools, as DESIGN.md §8 describes it: PATH_CHEAPEST_ARC then
  GUIDED_LOCAL_SEARCH, every visit mandatory, no tuning (it may return nothing);
* PyVRP for Solomon only: it has no skills and no synchronised visits, so it
  does not fit the home-care (HHCRSP) benchmark.

Both work on integers: distances are scaled by SCALE and rounded for the cost,
travel times are rounded *up* so an integer-feasible route stays feasible in
double precision. Every answer is re-scored by scheduler.validate afterwards;
the figures returned here are only the solver's own view.
"""

from __future__ import annotations

import math
import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from scheduler.formats.hhcrsp import HhcInstance
from scheduler.formats.solomon import SolomonInstance

SCALE = 100
SOLOMON_VEHICLE_COST = 1000 * SCALE  # a fixed cost per vehicle: fewer routes first


def _cost(value: float) -> int:
    return round(value * SCALE)


def _time(value: float) -> int:
    return math.ceil(value * SCALE - 1e-9)


def _search_parameters(time_limit: float) -> pywrapcp.DefaultRoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return params


def _no_solution(unassigned: list, started: float, status: str) -> dict:
    return {
        "routes": [],
        "unassigned": unassigned,
        "vehicles": 0,
        "wall_s": time.perf_counter() - started,
        "status": status,
    }


# --- plain OR-Tools, Solomon ---------------------------------------------------------------


def ortools_solomon(inst: SolomonInstance, time_limit: float, seed: int = 0) -> dict:
    """Plain OR-Tools VRPTW (OR-Tools routing has no seed; `seed` is accepted and unused)."""
    started = time.perf_counter()
    n = len(inst.x)
    manager = pywrapcp.RoutingIndexManager(n, inst.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = [[_cost(inst.distance(i, j)) for j in range(n)] for i in range(n)]
    travel = [
        [_time(inst.distance(i, j)) + _time(inst.service[i]) for j in range(n)] for i in range(n)
    ]

    def arc_cost(a: int, b: int) -> int:
        return cost[manager.IndexToNode(a)][manager.IndexToNode(b)]

    def transit(a: int, b: int) -> int:
        return travel[manager.IndexToNode(a)][manager.IndexToNode(b)]

    def demand(a: int) -> int:
        return inst.demand[manager.IndexToNode(a)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc_cost))
    routing.SetFixedCostOfAllVehicles(SOLOMON_VEHICLE_COST)
    demand_cb = routing.RegisterUnaryTransitCallback(demand)
    routing.AddDimensionWithVehicleCapacity(
        demand_cb, 0, [inst.capacity] * inst.vehicles, True, "load"
    )
    horizon = _time(inst.due[0])
    routing.AddDimension(routing.RegisterTransitCallback(transit), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(
            _time(inst.ready[node]), math.floor(inst.due[node] * SCALE)
        )
    for k in range(inst.vehicles):
        time_dim.CumulVar(routing.Start(k)).SetRange(_time(inst.ready[0]), horizon)
        time_dim.CumulVar(routing.End(k)).SetRange(_time(inst.ready[0]), horizon)
    solution = routing.SolveWithParameters(_search_parameters(time_limit))
    if solution is None:
        return _no_solution(list(range(1, n)), started, "no solution")
    routes = []
    for k in range(inst.vehicles):
        index, route = solution.Value(routing.NextVar(routing.Start(k))), []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return {
        "routes": routes,
        "unassigned": [],
        "vehicles": len(routes),
        "wall_s": time.perf_counter() - started,
        "solver_cost": solution.ObjectiveValue(),
    }


# --- plain OR-Tools, HHCRSP ----------------------------------------------------------------


def ortools_hhcrsp(inst: HhcInstance, time_limit: float, seed: int = 0) -> dict:
    """One vehicle per caregiver, one node per (patient, service); skills by removing
    vehicles from VehicleVar (SetAllowedVehiclesForIndex rejects lists in 9.15), double
    services synchronised on the time dimension and by different vehicles, lateness as
    soft upper bounds (total tardiness; the max-tardiness term is not modelled)."""
    started = time.perf_counter()
    tasks = [(p, s) for p in inst.patients for s in inst.services_of(p)]
    nodes = [(0, -1), *tasks, (inst.n_nodes - 1, -1)]  # routing node -> (instance node, service)
    end = len(nodes) - 1
    k_count = inst.n_vehicles
    manager = pywrapcp.RoutingIndexManager(len(nodes), k_count, [0] * k_count, [end] * k_count)
    routing = pywrapcp.RoutingModel(manager)

    def place(a: int) -> tuple[int, int]:
        return nodes[manager.IndexToNode(a)]

    def arc_cost(a: int, b: int) -> int:
        return _cost(inst.dist[place(a)[0]][place(b)[0]])

    def transit(a: int, b: int) -> int:
        (i, s), (j, _) = place(a), place(b)
        service = inst.proc[i][s] if s >= 0 else 0.0
        return _time(service) + _time(inst.dist[i][j])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc_cost))
    horizon = _time(max(inst.latest) * 4 + sum(max(r) for r in inst.proc) + 1)
    routing.AddDimension(routing.RegisterTransitCallback(transit), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    index_of = {task: manager.NodeToIndex(i + 1) for i, task in enumerate(tasks)}
    for (p, s), index in index_of.items():
        time_dim.CumulVar(index).SetMin(_time(inst.earliest[p]))
        time_dim.SetCumulVarSoftUpperBound(index, math.floor(inst.latest[p] * SCALE), 1)
        for k in range(k_count):
            if not inst.qualified[k][s]:
                routing.VehicleVar(index).RemoveValue(k)
    _synchronise(inst, routing, time_dim, index_of)
    solution = routing.SolveWithParameters(_search_parameters(time_limit))
    if solution is None:
        return _no_solution([list(t) for t in tasks], started, "no solution")
    routes = []
    for k in range(k_count):
        index, route = solution.Value(routing.NextVar(routing.Start(k))), []
        while not routing.IsEnd(index):
            route.append(list(place(index)))
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return {
        "routes": routes,
        "unassigned": [],
        "vehicles": sum(1 for r in routes if r),
        "wall_s": time.perf_counter() - started,
        "solver_cost": solution.ObjectiveValue(),
    }


def _synchronise(inst: HhcInstance, routing, time_dim, index_of: dict) -> None:
    """mind <= t2 - t1 <= maxd for each double patient, and two different caregivers."""
    solver = routing.solver()
    for p in sorted(inst.double_service):
        s1, s2 = inst.services_of(p)
        a, b = index_of[(p, s1)], index_of[(p, s2)]
        gap = time_dim.CumulVar(b) - time_dim.CumulVar(a)
        solver.Add(gap >= _time(inst.min_gap[p]))
        solver.Add(gap <= math.floor(inst.max_gap[p] * SCALE))
        solver.Add(routing.VehicleVar(a) != routing.VehicleVar(b))


# --- PyVRP, Solomon ------------------------------------------------------------------------


def pyvrp_solomon(inst: SolomonInstance, time_limit: float, seed: int = 0) -> dict:
    """PyVRP's default iterated local search with the same fixed cost per vehicle."""
    import numpy as np  # local: PyVRP is an optional benchmark dependency
    import pyvrp
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    n = len(inst.x)
    pairs = [(i, j) for i in range(n) for j in range(n)]
    dist = np.array([_cost(inst.distance(i, j)) for i, j in pairs], dtype=np.int64).reshape(n, n)
    dur = np.array([_time(inst.distance(i, j)) for i, j in pairs], dtype=np.int64).reshape(n, n)
    horizon = math.floor(inst.due[0] * SCALE)
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(x, y) for x, y in zip(inst.x, inst.y, strict=True)],
        clients=[
            pyvrp.Client(
                i,
                delivery=[inst.demand[i]],
                service_duration=_time(inst.service[i]),
                tw_early=_time(inst.ready[i]),
                tw_late=math.floor(inst.due[i] * SCALE),
            )
            for i in range(1, n)
        ],
        depots=[pyvrp.Depot(0, tw_early=_time(inst.ready[0]), tw_late=horizon)],
        vehicle_types=[
            pyvrp.VehicleType(
                inst.vehicles,
                capacity=[inst.capacity],
                fixed_cost=SOLOMON_VEHICLE_COST,
                tw_early=_time(inst.ready[0]),
                tw_late=horizon,
            )
        ],
        distance_matrices=[dist],
        duration_matrices=[dur],
    )
    result = pyvrp.solve(data, MaxRuntime(time_limit), seed=seed, display=False)
    routes = [[act.idx + 1 for act in route if act.is_client()] for route in result.best.routes()]
    return {
        "routes": routes,
        "unassigned": [],
        "status": "feasible" if result.is_feasible() else "pyvrp: best solution infeasible",
        "vehicles": len(routes),
        "wall_s": time.perf_counter() - started,
        "solver_cost": result.cost() if result.is_feasible() else None,
    }


SOLVERS = {
    ("solomon", "ortools"): ortools_solomon,
    ("hhcrsp", "ortools"): ortools_hhcrsp,
    ("solomon", "pyvrp"): pyvrp_solomon,
}
NOT_APPLICABLE = {
    ("hhcrsp", "pyvrp"): "PyVRP has no caregiver skills or synchronised double services",
}
