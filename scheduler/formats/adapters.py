"""Turn raw benchmark instances into Problems, and solutions back into benchmark routes.

Solomon: one caregiver per vehicle, planar travel (time = distance), hard windows, capacity,
fewest routes first (a fixed cost per caregiver used far above any distance).
Mankowska HHC: skills per service, a two-carer visit per double-service patient (together when
both gaps are 0, ordered otherwise), soft windows with lateness and maximum lateness weighted
1 each, so the Problem objective is 3x the benchmark's.
"""

from __future__ import annotations

from scheduler.formats.hhcrsp import HhcInstance
from scheduler.formats.solomon import SolomonInstance
from scheduler.model import (
    Caregiver,
    Location,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
    Weights,
)
from scheduler.result import Solution

SOLOMON_VEHICLE_COST = 10_000.0
SOLOMON_UNASSIGNED = 100_000.0
HHC_UNASSIGNED = 100_000.0


def solomon_problem(inst: SolomonInstance) -> Problem:
    depot = Location(x=inst.x[0], y=inst.y[0])
    shift = Shift(depot, depot, inst.ready[0], inst.due[0])
    caregivers = [
        Caregiver(f"v{k + 1}", (shift,), capacity=inst.capacity) for k in range(inst.vehicles)
    ]
    visits = [
        Visit(
            str(i),
            Location(x=inst.x[i], y=inst.y[i]),
            (TimeWindow(inst.ready[i], inst.due[i]),),
            inst.service[i],
            demand=inst.demand[i],
        )
        for i in range(1, len(inst.x))
    ]
    weights = Weights(
        travel=1.0,
        unassigned=SOLOMON_UNASSIGNED,
        lateness=0.0,
        overtime=0.0,
        continuity=0.0,
        caregiver_used=SOLOMON_VEHICLE_COST,
    )
    return Problem(caregivers, visits, TravelModel("planar"), weights, name=inst.name)


def solomon_routes(solution: Solution) -> list[list[int]]:
    """Customer numbers per used route."""
    return [[int(s.visit_id) for s in r.stops] for r in solution.routes if r.stops]


def hhc_service_names(inst: HhcInstance) -> list[str]:
    return [f"s{j}" for j in range(inst.n_services)]


def hhc_problem(inst: HhcInstance) -> Problem:
    names = hhc_service_names(inst)
    start, end = Location(node=0), Location(node=inst.n_nodes - 1)
    horizon = 10 * max(inst.latest) + sum(max(row) for row in inst.dist) + sum(map(max, inst.proc))
    shift = Shift(start, end, inst.earliest[0], horizon)
    caregivers = [
        Caregiver(
            f"c{k}", (shift,), skills=frozenset(n for n, q in zip(names, row, strict=True) if q)
        )
        for k, row in enumerate(inst.qualified)
    ]
    visits = [_hhc_visit(inst, node, names) for node in range(1, inst.n_nodes - 1)]
    weights = Weights(
        travel=1.0,
        unassigned=HHC_UNASSIGNED,
        lateness=1.0,
        max_lateness=1.0,
        overtime=0.0,
        continuity=0.0,
    )
    travel = TravelModel("matrix", matrix=inst.dist)
    return Problem(caregivers, visits, travel, weights, name=inst.name)


def _hhc_visit(inst: HhcInstance, node: int, names: list[str]) -> Visit:
    services = inst.services_of(node)
    window = (TimeWindow(inst.earliest[node], inst.latest[node], soft=True),)
    where = Location(node=node)
    first = services[0]
    if len(services) == 1:
        return Visit(str(node), where, window, inst.proc[node][first], frozenset({names[first]}))
    second = services[1]
    lo, hi = inst.min_gap[node], inst.max_gap[node]
    sync = Sync() if lo == 0 and hi == 0 else Sync("ordered", lo, hi)
    return Visit(
        str(node),
        where,
        window,
        inst.proc[node][first],
        frozenset({names[first]}),
        carers=2,
        sync=sync,
        second_required_skills=frozenset({names[second]}),
        second_duration=inst.proc[node][second],
    )


def hhc_routes(inst: HhcInstance, solution: Solution) -> list[list[list[int]]]:
    """routes[k] = caregiver k's [node, service] pairs; an empty list for an idle caregiver."""
    out: list[list[list[int]]] = []
    by_id = {r.caregiver_id: r for r in solution.routes}
    for k in range(inst.n_vehicles):
        route = by_id[f"c{k}"]
        pairs = []
        for s in route.stops:
            node = int(s.visit_id)
            pairs.append([node, inst.services_of(node)[s.carer]])
        out.append(pairs)
    return out


def hhc_objective(solution: Solution) -> float:
    """(distance + total tardiness + maximum tardiness) / 3, the benchmark's objective."""
    return (solution.distance + solution.lateness + solution.max_lateness) / 3.0
