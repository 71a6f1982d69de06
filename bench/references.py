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


# --- station days (scheduler's JSON Problem model) ------------------------------------------
# These return a timed plan for scheduler.validate.validate_plan: {"routes": [{"caregiver",
# "shift", "stops": [[visit id, carer, start]], "breaks": [[start, duration]]}], "unassigned"}.


def timed_plan(solution) -> dict:
    """A scheduler Solution as a timed plan."""
    routes = [
        {
            "caregiver": r.caregiver_id,
            "shift": r.shift,
            "stops": [[s.visit_id, s.carer, s.start] for s in r.stops],
            "breaks": [[b.start, b.duration] for b in r.breaks],
        }
        for r in solution.routes
    ]
    return {"routes": routes, "unassigned": list(solution.unassigned)}


def ortools_problem(problem, time_limit: float, seed: int = 0) -> dict:
    """OR-Tools alone on the scheduler's own routing model: PATH_CHEAPEST_ARC then GLS.

    The same model CareHub searches (optional visits at their penalty, soft windows, breaks,
    sync), without CareHub's construction, sync-aware search or fallbacks.
    """
    from scheduler.result import SearchStats
    from scheduler.solver.compile import Compiled
    from scheduler.solver.params import SolveParams
    from scheduler.solver.pricing import to_solution
    from scheduler.solver.routing import build
    from scheduler.solver.search import run

    params = SolveParams(
        time_limit=time_limit,
        seed=seed,
        first_solution="PATH_CHEAPEST_ARC",
        metaheuristic="GUIDED_LOCAL_SEARCH",
    )
    data = Compiled(problem, params.scale, seed)
    found = run(build(data), data, params, time_limit, None)
    if found is None:
        return {"routes": [], "unassigned": [v.id for v in problem.visits], "status": "no solution"}
    return timed_plan(to_solution(data, found, SearchStats()))


VROOM_THREADS = 1  # like the other solvers here: one thread
VROOM_EXPLORATION = 5  # VROOM's default exploration level


def vroom_problem(problem, time_limit: float, seed: int = 0) -> dict:
    """VROOM (pyvroom) on a day without two-carer visits; integer seconds, travel rounded up.

    Skills, sex preferences and exclusions become VROOM skills; several windows, shifts and
    breaks map directly. VROOM has no soft windows (a soft window is given as hard) and no
    preferred caregivers (continuity is not priced). ``seed`` is unused (VROOM is deterministic).
    """
    import datetime

    import numpy as np
    import vroom

    from scheduler.travel import time_matrix

    if any(v.carers != 1 for v in problem.visits):
        raise ValueError("VROOM has no synchronised two-carer visits")
    places = [s.start for c in problem.caregivers for s in c.shifts]
    places += [s.end for c in problem.caregivers for s in c.shifts]
    places += [v.location for v in problem.visits]
    inp = vroom.Input()
    for mode in {c.travel_mode for c in problem.caregivers}:
        secs = np.ceil(time_matrix(problem.travel, places, mode) * 60 - 1e-6).astype(np.int64)
        inp.set_durations_matrix(profile=mode, matrix_input=secs)
    skill_ids: dict[str, int] = {}

    def skill(name: str) -> int:
        return skill_ids.setdefault(name, len(skill_ids) + 1)

    vehicles = [(c, k, s) for c in problem.caregivers for k, s in enumerate(c.shifts)]
    n_shift = len(vehicles)
    for i, (c, _, s) in enumerate(vehicles):
        held = {skill(x) for x in c.skills} | {skill(f"sex:{c.sex}"), skill(f"not:{c.id}")}
        held |= {skill(f"not:{o.id}") for o in problem.caregivers if o.id != c.id}
        held.discard(skill(f"not:{c.id}"))
        breaks = [
            vroom.Break(
                j,
                [vroom.TimeWindow(_sec(b.earliest), _sec(b.latest - b.duration))],
                _sec(b.duration),
            )
            for j, b in enumerate(s.breaks)
        ]
        inp.add_vehicle(
            vroom.Vehicle(
                i, start=i, end=n_shift + i, profile=c.travel_mode, skills=held,
                time_window=vroom.TimeWindow(_sec(s.start_time), _sec(s.latest_end)),
                breaks=breaks,
            )
        )  # fmt: skip
    for j, v in enumerate(problem.visits):
        need = {skill(x) for x in v.required_skills} | {
            skill(f"not:{x}") for x in v.excluded_caregivers
        }
        if v.sex_preference:
            need.add(skill(f"sex:{v.sex_preference}"))
        windows = [vroom.TimeWindow(_sec(w.start), _sec(w.end)) for w in v.windows]
        inp.add_job(
            vroom.Job(
                j, location=2 * n_shift + j, default_service=_sec(v.duration), skills=need,
                priority=min(100, 10 * v.priority), time_windows=windows,
            )
        )  # fmt: skip
    sol = inp.solve(
        exploration_level=VROOM_EXPLORATION,
        nb_threads=VROOM_THREADS,
        timeout=datetime.timedelta(seconds=time_limit),
    )
    return _vroom_plan(problem, vehicles, sol)


def _sec(minutes: float) -> int:
    return round(minutes * 60)


def _vroom_plan(problem, vehicles, sol) -> dict:
    df = sol.routes
    routes = {i: {"stops": [], "breaks": []} for i in range(len(vehicles))}
    served = set()
    for row in df.itertuples():
        start = (row.arrival + row.waiting_time) / 60
        if row.type == "job":
            vid = problem.visits[int(row.id)].id
            routes[int(row.vehicle_id)]["stops"].append([vid, 0, start])
            served.add(vid)
        elif row.type == "break":
            routes[int(row.vehicle_id)]["breaks"].append([start, row.service / 60])
    out = []
    for i, (c, k, _) in enumerate(vehicles):
        out.append({"caregiver": c.id, "shift": k} | routes[i])
    return {"routes": out, "unassigned": [v.id for v in problem.visits if v.id not in served]}


SOLVERS = {
    ("solomon", "ortools"): ortools_solomon,
    ("hhcrsp", "ortools"): ortools_hhcrsp,
    ("solomon", "pyvrp"): pyvrp_solomon,
}
NOT_APPLICABLE = {
    ("hhcrsp", "pyvrp"): "PyVRP has no caregiver skills or synchronised double services",
}
