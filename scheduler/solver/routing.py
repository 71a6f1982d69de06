"""Build the OR-Tools routing model for a compiled problem.

Every task is optional (a disjunction penalised by priority), so a plan always comes back.
Two-carer visits are two nodes on different caregivers, tied by constraints on the time
dimension (equal starts, or a min/max gap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp

from scheduler.solver.compile import Compiled, Task

BIG = 10**12


@dataclass
class Built:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    breaks: dict[int, list[pywrapcp.IntervalVar]] = field(default_factory=dict)
    max_late: pywrapcp.IntVar | None = None
    vehicles: list[int] = field(default_factory=list)  # model vehicle -> compiled vehicle


def build(data: Compiled, vehicles: list[int] | None = None) -> Built:
    """Routing model over the given compiled vehicles (default: all)."""
    veh = list(range(len(data.vehicles))) if vehicles is None else list(vehicles)
    starts = [data.vehicles[k].start_node for k in veh]
    ends = [data.vehicles[k].end_node for k in veh]
    manager = pywrapcp.RoutingIndexManager(data.n_nodes, len(veh), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    for depot in range(data.n_depots):
        if depot not in starts and depot not in ends:
            # an unused depot node must still be visited or dropped: drop it for free
            routing.AddDisjunction([manager.NodeToIndex(depot)], 0)
    time = _time_dimension(data, routing, veh)
    built = Built(manager, routing, time, vehicles=veh)
    _costs(data, built)
    _capacity(data, built)
    _preferences(data, built)
    _tasks(data, built)
    _sync(data, built)
    _breaks(data, built)
    _working_limits(data, built)
    _max_lateness(data, built)
    return built


def _time_dimension(data: Compiled, routing, veh: list[int]) -> pywrapcp.RoutingDimension:
    by_mode = {m: routing.RegisterTransitMatrix(data.transit_matrix(m)) for m in data.time}
    callbacks = [by_mode[data.vehicle_mode(k)] for k in veh]
    horizon = data.t(data.horizon) + data.t(1)
    routing.AddDimensionWithVehicleTransits(callbacks, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    w = data.problem.weights
    for m, k in enumerate(veh):
        s = data.shift(k)
        start, end = routing.Start(m), routing.End(m)
        time.CumulVar(start).SetRange(data.t(s.start_time), data.t(s.latest_end))
        time.CumulVar(end).SetRange(data.t(s.start_time), data.t(s.latest_end))
        if s.max_overtime > 0:
            time.SetCumulVarSoftUpperBound(end, data.t(s.end_time), data.coef(w.overtime))
        c = data.problem.caregivers[data.vehicles[k].caregiver]
        wage = data.coef(w.wage * c.cost_per_hour / 60.0)
        if wage:
            time.SetSpanCostCoefficientForVehicle(wage, m)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(end))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(start))
    if w.fairness:
        time.SetGlobalSpanCostCoefficient(data.coef(w.fairness))
    return time


def _costs(data: Compiled, b: Built) -> None:
    by_mode = {m: b.routing.RegisterTransitMatrix(data.travel_cost_matrix(m)) for m in data.time}
    fixed = data.cost(data.problem.weights.caregiver_used)
    for m, k in enumerate(b.vehicles):
        b.routing.SetArcCostEvaluatorOfVehicle(by_mode[data.vehicle_mode(k)], m)
        if fixed:
            b.routing.SetFixedCostOfVehicle(fixed, m)


def _capacity(data: Compiled, b: Built) -> None:
    demand = [0] * data.n_nodes
    for t in data.tasks:
        demand[t.node] = data.problem.visits[t.visit].demand
    if not any(demand):
        return
    caps = []
    for k in b.vehicles:
        c = data.problem.caregivers[data.vehicles[k].caregiver]
        caps.append(c.capacity if c.capacity is not None else sum(demand))
    cb = b.routing.RegisterUnaryTransitVector(demand)
    b.routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "load")


def _preferences(data: Compiled, b: Built) -> None:
    """Continuity and caller-supplied assignment costs: a dimension whose span is the cost."""
    vectors = [data.preference_vector(k) for k in b.vehicles]
    if all(v is None for v in vectors):
        return
    zero = [0] * data.n_nodes
    registered: dict[tuple[int, ...], int] = {}
    callbacks = []
    for v in vectors:
        key = tuple(v or zero)
        if key not in registered:
            registered[key] = b.routing.RegisterUnaryTransitVector(list(key))
        callbacks.append(registered[key])
    cap = sum(max(v or zero) for v in vectors) * data.n_nodes + 1
    b.routing.AddDimensionWithVehicleTransits(callbacks, 0, min(cap, BIG), True, "preference")
    b.routing.GetDimensionOrDie("preference").SetSpanCostCoefficientForAllVehicles(1)


def _tasks(data: Compiled, b: Built) -> None:
    """Disjunction, allowed vehicles, windows and pinned start of each task."""
    model_of = {k: m for m, k in enumerate(b.vehicles)}
    w = data.problem.weights
    for t, allowed in zip(data.tasks, data.allowed, strict=True):
        index = b.manager.NodeToIndex(t.node)
        b.routing.AddDisjunction([index], data.penalty(t))
        ok = {model_of[k] for k in allowed if k in model_of}
        vehicle_var = b.routing.VehicleVar(index)
        for m in range(len(b.vehicles)):
            if m not in ok:
                vehicle_var.RemoveValue(m)  # SetAllowedVehiclesForIndex rejects lists in 9.15
        _window(data, b, t, index, w.lateness)


def _window(data: Compiled, b: Built, t: Task, index: int, lateness: float) -> None:
    v = data.problem.visits[t.visit]
    cumul = b.time.CumulVar(index)
    last = v.windows[-1]
    hi = data.t(data.horizon) if last.soft else data.t(last.end)
    cumul.SetRange(data.t(v.earliest), hi)
    for a, c in zip(v.windows, v.windows[1:], strict=False):
        cumul.RemoveInterval(data.t(a.end) + 1, data.t(c.start) - 1)
    if last.soft:
        coef = data.coef(lateness * last.lateness_weight)
        if coef:
            b.time.SetCumulVarSoftUpperBound(index, data.t(last.end), coef)
    if v.pinned_start is not None and (t.carer == 0 or v.sync.mode == "together"):  # type: ignore[union-attr]
        pinned = data.t(v.pinned_start)
        if cumul.Contains(pinned):
            cumul.SetValue(pinned)
        else:  # pinned outside its own windows: it can only stay unassigned
            b.routing.ActiveVar(index).SetValue(0)


def _sync(data: Compiled, b: Built) -> None:
    """Both carers or neither; different caregivers; equal starts or the ordered gap."""
    solver = b.routing.solver()
    owner = [data.vehicles[k].caregiver for k in b.vehicles]
    for vi, nodes in data.nodes_of_visit.items():
        if len(nodes) != 2:
            continue
        v = data.problem.visits[vi]
        i0, i1 = (b.manager.NodeToIndex(n) for n in nodes)
        if data.task_of_node[nodes[0]].carer == 1:
            i0, i1 = i1, i0
        if not _can_sync(data, b, v, i0, i1):
            b.routing.ActiveVar(i0).SetValue(0)
            b.routing.ActiveVar(i1).SetValue(0)
            continue
        solver.Add(b.routing.ActiveVar(i0) == b.routing.ActiveVar(i1))
        c0 = solver.Element([-1] + owner, (b.routing.VehicleVar(i0) + 1).Var())
        c1 = solver.Element([-2] + owner, (b.routing.VehicleVar(i1) + 1).Var())
        solver.Add(c0 != c1)
        t0, t1 = b.time.CumulVar(i0), b.time.CumulVar(i1)
        if v.sync.mode == "together":  # type: ignore[union-attr]
            solver.Add(t0 == t1)
        else:
            solver.Add(t1 - t0 >= data.t(v.sync.min_gap))  # type: ignore[union-attr]
            solver.Add(t1 - t0 <= data.t(v.sync.max_gap))  # type: ignore[union-attr]


def _can_sync(data: Compiled, b: Built, v, i0: int, i1: int) -> bool:
    """Whether the two start-time domains admit the required gap at all."""
    t0, t1 = b.time.CumulVar(i0), b.time.CumulVar(i1)
    lo, hi = data.t(v.sync.min_gap), data.t(v.sync.max_gap)
    return t1.Max() - t0.Min() >= lo and t1.Min() - t0.Max() <= hi


def _breaks(data: Compiled, b: Built) -> None:
    solver = b.routing.solver()
    transits = [0] * b.routing.Size()
    for t in data.tasks:
        transits[b.manager.NodeToIndex(t.node)] = data.ceil_t(data.service[t.node])
    for m, k in enumerate(b.vehicles):
        shift = data.shift(k)
        if not shift.breaks:
            continue
        intervals = []
        for j, br in enumerate(shift.breaks):
            dur = data.ceil_t(br.duration)
            lo, hi = data.t(br.earliest), data.t(br.latest) - dur
            intervals.append(solver.FixedDurationIntervalVar(lo, hi, dur, False, f"b{k}_{j}"))
        b.time.SetBreakIntervalsOfVehicle(intervals, m, transits)
        for iv in intervals:
            b.routing.AddIntervalToAssignment(iv)
        b.breaks[m] = intervals


def _working_limits(data: Compiled, b: Built) -> None:
    """max_working_minutes: a span bound per shift, a summed bound across several shifts."""
    solver = b.routing.solver()
    by_caregiver: dict[int, list[int]] = {}
    for m, k in enumerate(b.vehicles):
        by_caregiver.setdefault(data.vehicles[k].caregiver, []).append(m)
    for ci, models in by_caregiver.items():
        limit = data.problem.caregivers[ci].max_working_minutes
        if limit is None:
            continue
        if len(models) == 1:
            b.time.SetSpanUpperBoundForVehicle(data.t(limit), models[0])
            continue
        spans = [
            b.time.CumulVar(b.routing.End(m)) - b.time.CumulVar(b.routing.Start(m)) for m in models
        ]
        solver.Add(solver.Sum(spans) <= data.t(limit))


def _max_lateness(data: Compiled, b: Built) -> None:
    """Largest lateness as a free dimension end cumul bounded below by every task's lateness.

    The 'maxlate' dimension has no transits and free slack, so the end cumul of model vehicle 0
    is an ordinary variable; its span cost prices it.
    """
    weight = data.problem.weights.max_lateness
    if not weight or not any(data.problem.visits[t.visit].windows[-1].soft for t in data.tasks):
        return
    routing, solver = b.routing, b.routing.solver()
    zero = routing.RegisterUnaryTransitVector([0] * data.n_nodes)
    cap = data.t(data.horizon) + 1
    routing.AddDimension(zero, cap, cap, True, "maxlate")
    dim = routing.GetDimensionOrDie("maxlate")
    var = dim.CumulVar(routing.End(0))
    dim.SetSpanCostCoefficientForVehicle(data.coef(weight), 0)
    for t in data.tasks:
        v = data.problem.visits[t.visit]
        if v.windows[-1].soft:
            index = b.manager.NodeToIndex(t.node)
            late = b.time.CumulVar(index) - data.t(v.latest)
            solver.Add(var >= late * routing.ActiveVar(index))
    routing.AddVariableMinimizedByFinalizer(var)
    b.max_late = var
