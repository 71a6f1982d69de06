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
from scheduler.solver.params import SolveParams
from scheduler.solver.search import Clock, search_parameters
from scheduler.travel import time_matrix

SCALE = 60  # integer units per minute


def solve_meals(rounds: MealRounds, params: SolveParams | None = None) -> MealPlan:
    """Plan the meal rounds. Always returns a plan: meals that cannot be served are unassigned."""
    params = params or SolveParams()
    clock = Clock(params.runtime())
    d = len(rounds.deliverers)
    places = [loc for c in rounds.deliverers for loc in (c.shifts[0].start, c.shifts[0].end)]
    for m in rounds.meals:
        places += [rounds.kitchen(m.kitchen).location, m.location]
    modes = sorted({c.travel_mode for c in rounds.deliverers})
    minutes = {mode: time_matrix(rounds.travel, places, mode) for mode in modes}
    reachable = [j for j, m in enumerate(rounds.meals) if meal_reason(rounds, m) is None]
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
    assignment = routing.SolveWithParameters(sp)
    return _read(rounds, manager, routing, time, assignment, minutes, clock)


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
