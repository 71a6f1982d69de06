"""Meal rounds (助餐) with OR-Tools: pickup-and-delivery with a capacity and a ride-time limit.

Each meal is a pair of nodes, its pickup at the kitchen and its delivery at the door, served by
one deliverer in that order (``AddPickupAndDelivery``). The load dimension counts meals in the
bag (+1 at a pickup, -1 at a delivery) against the deliverer's capacity, so a deliverer whose
round is full goes back to the kitchen for another trip. On the time dimension the delivery
lies in the meal's window, the pickup after the kitchen's ready time, and
``time(delivery) - time(pickup) <= max_ride`` keeps the food hot. A meal that cannot be served
is left out at its penalty, both nodes together. Times are integer seconds inside OR-Tools, travel
rounded up, so the plan read back holds in floating point.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.constraint_solver import pywrapcp

from scheduler.feasibility import meal_reason
from scheduler.model import MealRounds
from scheduler.result import MealEvent, MealPlan, MealRoute, SearchStats
from scheduler.solver.meal_build import build_rounds
from scheduler.solver.params import SolveParams
from scheduler.solver.search import Clock, search_parameters
from scheduler.travel import time_matrix

SCALE = 60  # integer units per minute


def solve_meals(rounds: MealRounds, params: SolveParams | None = None) -> MealPlan:
    """Plan the meal rounds. Always returns a plan: meals that cannot be served are unassigned.

    The nearest-meal-first construction (``meal_build``) comes first; OR-Tools searches from it
    for the rest of the time, and its plan is kept only if it serves more meals, or as many
    with less travel."""
    params = params or SolveParams()
    clock = Clock(params.runtime())
    places = [loc for c in rounds.deliverers for loc in (c.shifts[0].start, c.shifts[0].end)]
    for m in rounds.meals:
        places += [rounds.kitchen(m.kitchen).location, m.location]
    modes = sorted({c.travel_mode for c in rounds.deliverers})
    minutes = {mode: time_matrix(rounds.travel, places, mode) for mode in modes}
    reachable = [j for j, m in enumerate(rounds.meals) if meal_reason(rounds, m) is None]
    trips = build_rounds(rounds, minutes, reachable)
    first = _built_plan(rounds, trips, minutes, clock)
    if not reachable:
        return first
    searched = _search(rounds, params, clock, places, minutes, reachable, trips)
    if searched is None:
        return first
    better = (len(searched.unassigned), searched.travel) < (len(first.unassigned), first.travel)
    return searched if better else first


def _search(rounds, params, clock, places, minutes, reachable, trips) -> MealPlan | None:
    d = len(rounds.deliverers)
    manager = pywrapcp.RoutingIndexManager(
        len(places), d, [2 * i for i in range(d)], [2 * i + 1 for i in range(d)]
    )
    routing = pywrapcp.RoutingModel(manager)
    time = _time_dimension(rounds, manager, routing, minutes, d)
    _load_dimension(rounds, manager, routing, d)
    solver = routing.solver()
    nodes = set(range(2 * d))
    for j in reachable:
        m = rounds.meals[j]
        p, q = 2 * d + 2 * j, 2 * d + 2 * j + 1
        nodes |= {p, q}
        pi, qi = manager.NodeToIndex(p), manager.NodeToIndex(q)
        routing.AddPickupAndDelivery(pi, qi)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(qi))
        solver.Add(time.CumulVar(pi) <= time.CumulVar(qi))
        solver.Add(time.CumulVar(qi) - time.CumulVar(pi) <= math.floor(m.max_ride * SCALE))
        time.CumulVar(pi).SetMin(math.ceil(rounds.kitchen(m.kitchen).ready * SCALE))
        time.CumulVar(qi).SetRange(math.ceil(m.window.start * SCALE), int(m.window.end * SCALE))
        penalty = int(rounds.unassigned_penalty * m.priority * SCALE)
        routing.AddDisjunction([pi, qi], penalty, 2)
    for n in set(range(len(places))) - nodes:  # meals no deliverer could ever serve
        index = manager.NodeToIndex(n)
        routing.AddDisjunction([index], 0)
        solver.Add(routing.ActiveVar(index) == 0)
    sp = search_parameters(params, clock.left(), params.solutions(), "PARALLEL_CHEAPEST_INSERTION")
    routing.CloseModelWithParameters(sp)
    routes = [[manager.NodeToIndex(n) for n in r] for r in _node_routes(trips, d)]
    start = routing.ReadAssignmentFromRoutes(routes, True)
    if start is not None:
        assignment = routing.SolveFromAssignmentWithParameters(start, sp)
    else:  # the construction does not load (travel is rounded up inside OR-Tools)
        assignment = routing.SolveWithParameters(sp)
    if assignment is None:
        return None
    return _read(rounds, manager, routing, time, assignment, minutes, clock)


def _node_routes(trips, d: int) -> list[list[int]]:
    """The construction's trips as OR-Tools node sequences (pickups, then the deliveries)."""
    return [[n for trip in mine for n in _trip_nodes(trip, d)] for mine in trips]


def _trip_nodes(trip, d: int) -> list[int]:
    return [2 * d + 2 * j for j, _ in trip.drops] + [2 * d + 2 * j + 1 for j, _ in trip.drops]


def _built_plan(rounds: MealRounds, trips, minutes, clock: Clock) -> MealPlan:
    d, routes, served, total = len(rounds.deliverers), [], set(), 0.0
    for i, (c, mine) in enumerate(zip(rounds.deliverers, trips, strict=True)):
        t, events, travel, here = minutes[c.travel_mode], [], 0.0, 2 * i
        for trip in mine:
            events += [MealEvent(rounds.meals[j].id, "pickup", trip.leave) for j, _ in trip.drops]
            events += [MealEvent(rounds.meals[j].id, "delivery", at) for j, at in trip.drops]
            for node in _trip_nodes(trip, d):
                travel, here = travel + float(t[here, node]), node
            served |= {rounds.meals[j].id for j, _ in trip.drops}
        if events:
            travel += float(t[here, 2 * i + 1])
        routes.append(MealRoute(c.id, tuple(events), travel))
        total += travel
    unassigned = tuple(m.id for m in rounds.meals if m.id not in served)
    stats = SearchStats(clock.elapsed(), 1, "solved", ("meal rounds", "construct"))
    return MealPlan(tuple(routes), unassigned, total, stats)


def _time_dimension(rounds, manager, routing, minutes, d: int):
    service = np.zeros(manager.GetNumberOfNodes())
    for j, m in enumerate(rounds.meals):
        service[2 * d + 2 * j + 1] = m.handover
    callbacks = {}
    for mode, t in minutes.items():
        units = (
            np.ceil(t * SCALE).astype(np.int64) + np.ceil(service * SCALE).astype(np.int64)[:, None]
        )
        matrix = units.tolist()
        callbacks[mode] = routing.RegisterTransitCallback(
            lambda a, b, m=matrix: m[manager.IndexToNode(a)][manager.IndexToNode(b)]
        )
        cost = np.ceil(t * SCALE).astype(np.int64).tolist()
        callbacks[mode, "cost"] = routing.RegisterTransitCallback(
            lambda a, b, m=cost: m[manager.IndexToNode(a)][manager.IndexToNode(b)]
        )
    horizon = max(c.shifts[0].latest_end for c in rounds.deliverers)
    h = math.ceil(horizon * SCALE)
    per_vehicle = [callbacks[c.travel_mode] for c in rounds.deliverers]
    routing.AddDimensionWithVehicleTransits(per_vehicle, h, h, False, "time")
    time = routing.GetDimensionOrDie("time")
    for i, c in enumerate(rounds.deliverers):
        routing.SetArcCostEvaluatorOfVehicle(callbacks[c.travel_mode, "cost"], i)
        shift = c.shifts[0]
        time.CumulVar(routing.Start(i)).SetRange(
            math.ceil(shift.start_time * SCALE), int(shift.latest_end * SCALE)
        )
        time.CumulVar(routing.End(i)).SetMax(int(shift.latest_end * SCALE))
    return time


def _load_dimension(rounds: MealRounds, manager, routing, d: int) -> None:
    def load(index: int) -> int:
        node = manager.IndexToNode(index)
        if node < 2 * d:
            return 0
        return 1 if (node - 2 * d) % 2 == 0 else -1

    cb = routing.RegisterUnaryTransitCallback(load)
    meals = max(1, len(rounds.meals))
    caps = [meals if c.capacity is None else c.capacity for c in rounds.deliverers]
    routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")


def _read(rounds, manager, routing, time, assignment, minutes, clock: Clock) -> MealPlan:
    d = len(rounds.deliverers)
    routes, served, total = [], set(), 0.0
    for i, c in enumerate(rounds.deliverers):
        t = minutes[c.travel_mode]
        events, travel = [], 0.0
        index = routing.Start(i) if assignment else None
        while assignment is not None and not routing.IsEnd(index):
            nxt = assignment.Value(routing.NextVar(index))
            a, b = manager.IndexToNode(index), manager.IndexToNode(nxt)
            if b >= 2 * d:
                j, kind = divmod(b - 2 * d, 2)
                at = assignment.Value(time.CumulVar(nxt)) / SCALE
                events.append(MealEvent(rounds.meals[j].id, ("pickup", "delivery")[kind], at))
                if kind == 1:
                    served.add(rounds.meals[j].id)
            index = nxt
            travel += float(t[a, b]) if events else 0.0
        if not events:
            travel = 0.0
        routes.append(MealRoute(c.id, tuple(events), travel))
        total += travel
    unassigned = tuple(m.id for m in rounds.meals if m.id not in served)
    status = "solved" if assignment else "no solution (all meals unassigned)"
    stats = SearchStats(clock.elapsed(), 1 if assignment else 0, status, ("meal rounds",))
    return MealPlan(tuple(routes), unassigned, total, stats)
