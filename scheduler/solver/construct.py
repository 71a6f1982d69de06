"""A fast first plan by cheapest feasible insertion, in the routing model's own integer units.

OR-Tools' first-solution heuristics find nothing within minutes on a 1,500-visit day (with or
without two-carer visits: the size, not the synchronisation, is what stalls them). This builds a
plan in about a second instead, which the search then improves as a warm start.

Every time is computed from ``Compiled.transit_matrix`` (service plus travel, rounded up, as the
time dimension does), so a route found feasible here is feasible for the routing model. Each
route keeps its stops at their earliest start and a forward slack per stop (how much later it may
start without breaking anything after it), so checking one position costs O(1). A break is a
stop of its own with no place (it is taken where the previous stop was, before travelling on),
which is one of the placements OR-Tools' break constraint allows. The two parts of a two-carer
visit go on two different caregivers at one synchronised start and then stay fixed there.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace

import numpy as np

from scheduler.model import Problem, TimeWindow, Visit
from scheduler.result import SearchStats, Solution
from scheduler.solver.compile import Compiled, Task
from scheduler.solver.params import SolveParams
from scheduler.solver.pricing import to_solution
from scheduler.solver.routing import Built, build
from scheduler.solver.search import (
    Found,
    _model_routes,
    read,
    routes_from_plan,
    run,
    search_parameters,
)

PAIR_CANDIDATES = 40  # cheapest positions per carer tried when pairing a two-carer visit
BREAK = -1


@dataclass
class _Stop:
    node: int  # task node, BREAK, or a depot node (first and last stop of every route)
    loc: int  # the node whose place it stands at (a break: its predecessor's)
    occupy: int  # visit transit of a task, duration of a break, 0 at a depot
    lo: int  # earliest start
    hi: int  # latest start
    start: int = 0
    slack: int = 0


@dataclass(frozen=True)
class _Option:
    """Where one task could go: start anywhere in [earliest, latest] after stop ``after``."""

    cost: float
    vehicle: int
    after: int
    earliest: int
    latest: int
    lo: int  # the window the task keeps
    hi: int


class Builder:
    """Routes under construction, one per compiled vehicle."""

    def __init__(self, data: Compiled) -> None:
        self.data = data
        self.trav = {m: self._travel(m) for m in data.time}
        self.cost_of = {m: data.time[m] * data.problem.weights.travel for m in data.time}
        self.load = [0] * len(data.vehicles)
        self.routes = [self._empty(k) for k in range(len(data.vehicles))]
        self.latest = [[0] for _ in self.routes]  # per route: each stop's start + slack
        # a shift whose breaks cannot be taken within its end (a short working limit) is
        # never used: an unused shift takes no breaks
        self.dead = {k for k in range(len(self.routes)) if not self._schedule(k)}

    def _travel(self, mode: str) -> list[list[int]]:
        """Integer travel after a node's service: transit minus the node's own visit time."""
        transit = np.array(self.data.transit_matrix(mode), dtype=np.int64)
        visit = np.ceil(self.data.service * self.data.scale - 1e-9).astype(np.int64)
        return (transit - visit[:, None]).tolist()

    def _empty(self, k: int) -> list[_Stop]:
        d, veh = self.data, self.data.vehicles[k]
        s = d.shift(k)
        begin, end = d.t(s.start_time), d.t(s.latest_end)
        route = [_Stop(veh.start_node, veh.start_node, 0, begin, begin)]
        for b in sorted(s.breaks, key=lambda b: b.earliest):
            dur = d.ceil_t(b.duration)
            route.append(_Stop(BREAK, veh.start_node, dur, d.t(b.earliest), d.t(b.latest) - dur))
        route.append(_Stop(veh.end_node, veh.end_node, 0, begin, end))
        return route

    # schedule -----------------------------------------------------------------------------------
    def _schedule(self, k: int) -> bool:
        """Earliest starts forward, then slacks backward; the end honours working limits.
        False if the route cannot be kept (only ever an empty one, see ``dead``)."""
        route, trav = self.routes[k], self.trav[self.data.vehicle_mode(k)]
        route[-1].hi = self._end_limit(k)
        prev = route[0]
        prev.start = prev.lo
        for s in route[1:]:
            if s.node == BREAK:
                s.loc = prev.loc
            s.start = max(prev.start + prev.occupy + trav[prev.loc][s.loc], s.lo)
            if s.start > s.hi:
                return False
            prev = s
        slack = route[-1].hi - route[-1].start
        route[-1].slack = slack
        for i in range(len(route) - 2, -1, -1):
            s, nxt = route[i], route[i + 1]
            wait = nxt.start - (s.start + s.occupy + trav[s.loc][nxt.loc])
            s.slack = slack = min(s.hi - s.start, wait + slack)
        self.latest[k] = [s.start + s.slack for s in route]
        return True

    def _end_limit(self, k: int) -> int:
        """Latest return: shift end plus overtime, and what the working-minute limit leaves.

        Cautious, so that routes never interact: working time is counted from the shift start
        (OR-Tools may start later), and a caregiver with several shifts gets a share of the
        limit in proportion to each shift's length.
        """
        d = self.data
        s = d.shift(k)
        latest = d.t(s.latest_end)
        c = d.problem.caregivers[d.vehicles[k].caregiver]
        if c.max_working_minutes is None:
            return latest
        total = sum(x.end_time - x.start_time for x in c.shifts)
        share = (s.end_time - s.start_time) / total if total > 0 else 1.0 / len(c.shifts)
        return min(latest, d.t(s.start_time) + int(d.t(c.max_working_minutes) * share))

    # one task -----------------------------------------------------------------------------------
    def options(self, task: Task, windows: list[tuple[int, int]], cost0: float) -> list[_Option]:
        """Every feasible position of a task over its allowed vehicles."""
        d = self.data
        v = d.problem.visits[task.visit]
        n, occupy = task.node, d.ceil_t(d.service[task.node])
        out = []
        for k in d.allowed[task.node - d.n_depots]:
            if k in self.dead:
                continue
            cap = d.problem.caregivers[d.vehicles[k].caregiver].capacity
            if cap is not None and self.load[k] + v.demand > cap:
                continue
            found = self._positions(k, n, occupy, windows)
            if found:
                extra = cost0 + self._extra(task, k)
                out += [_Option(added + extra, k, *rest) for added, *rest in found]
        return out

    def _extra(self, task: Task, k: int) -> float:
        d = self.data
        w = d.problem.weights
        v = d.problem.visits[task.visit]
        c = d.problem.caregivers[d.vehicles[k].caregiver]
        extra = w.continuity if v.preferred_caregivers and c.id not in v.preferred_caregivers else 0
        if len(self.routes[k]) == 2 + len(d.shift(k).breaks):
            extra += w.caregiver_used
        if d.assignment_cost is not None:
            extra += d.assignment_cost(v, task.carer, c)
        return extra

    def _positions(self, k, n, occupy, windows) -> list[tuple]:
        """(added travel cost, after, earliest, latest, lo, hi) of every feasible position.

        Positions whose next stop must start before the first window opens are skipped by
        bisection: a stop's start + slack never decreases along a route, and the stop after
        the task starts after the task's start plus its visit.
        """
        route, mode = self.routes[k], self.data.vehicle_mode(k)
        last_hi = windows[-1][1]
        if route[0].start > last_hi:
            return []
        first = max(0, bisect.bisect_left(self.latest[k], windows[0][0] + occupy, 1) - 1)
        trav, price = self.trav[mode], self.cost_of[mode]
        out = []
        for i in range(first, len(route) - 1):
            p = route[i]
            if p.start + p.occupy > last_hi:
                break
            arrive = p.start + p.occupy + trav[p.loc][n]
            if arrive > last_hi:
                continue
            latest = self._latest(route, i + 1, n, occupy, trav)
            if latest is None:
                continue
            nxt = self._next_place(route, i + 1)
            added = price[p.loc][n] + price[n][nxt] - price[p.loc][nxt]
            for lo, hi in windows:
                if arrive > hi:
                    continue
                early = max(arrive, lo)
                if early <= min(hi, latest):
                    out.append((added, i, early, min(hi, latest), lo, hi))
                    break
        return out

    @staticmethod
    def _next_place(route: list[_Stop], j: int) -> int:
        while route[j].node == BREAK:
            j += 1
        return route[j].loc

    @staticmethod
    def _latest(route: list[_Stop], j: int, n: int, occupy: int, trav) -> float | None:
        """Latest start T of a task put before stop j, or None if no start fits.

        After the task the route is ready at max(T + c, K): breaks in between add to both.
        """
        c, k_ready, latest = occupy, -math.inf, math.inf
        while route[j].node == BREAK:
            b = route[j]
            if max(k_ready, b.start) > b.hi:
                return None
            latest = min(latest, b.hi - c)
            k_ready = max(k_ready, b.start) + b.occupy
            c += b.occupy
            j += 1
        x = route[j]
        bound = x.start + x.slack - trav[n][x.loc]
        if k_ready > bound:
            return None
        return min(latest, bound - c)

    def insert(self, task: Task, option: _Option, start: int, fixed: bool) -> None:
        """Put a task in at ``start``; a fixed task (half of a pair) never moves again."""
        lo, hi = (start, start) if fixed else (option.lo, option.hi)
        stop = _Stop(task.node, task.node, self.data.ceil_t(self.data.service[task.node]), lo, hi)
        self.routes[option.vehicle].insert(option.after + 1, stop)
        self.load[option.vehicle] += self.data.problem.visits[task.visit].demand
        ok = self._schedule(option.vehicle)
        assert ok, "construction broke a route"

    # result -------------------------------------------------------------------------------------
    def found(self) -> Found:
        routes, starts, breaks = {}, {}, {}
        for k, route in enumerate(self.routes):
            routes[k] = [s.node for s in route[1:-1] if s.node != BREAK]
            starts |= {s.node: s.start for s in route[1:-1] if s.node != BREAK}
            taken = [(s.start, s.occupy) for s in route if s.node == BREAK]
            if taken and k not in self.dead:
                breaks[k] = taken
        return Found(routes, starts, breaks, 0, 1)


def windows_of(data: Compiled, task: Task) -> list[tuple[int, int]]:
    """A task's start windows in integer units, as routing._window sets them."""
    v = data.problem.visits[task.visit]
    out = [(data.t(w.start), data.t(w.end)) for w in v.windows]
    if v.windows[-1].soft:
        out[-1] = (out[-1][0], data.t(data.horizon))
    if v.pinned_start is not None and (task.carer == 0 or v.sync.mode == "together"):  # type: ignore[union-attr]
        pin = data.t(v.pinned_start)
        out = [(pin, pin)] if any(lo <= pin <= hi for lo, hi in out) else []
    return out


def _lateness(data: Compiled, task: Task, start: int) -> float:
    v = data.problem.visits[task.visit]
    last = v.windows[-1]
    if not last.soft:
        return 0.0
    late = max(0.0, start / data.scale - last.end)
    return late * last.lateness_weight * data.problem.weights.lateness


def _order(data: Compiled) -> list[int]:
    """Hardest first: pairs, pins, then few eligible caregivers times a narrow window.

    Priority divides that measure rather than coming first: ranking by priority first let
    plentiful priority-2 lunches fill the rare rehab caregivers (7 of 1,500 visits left out on
    the street centre, none this way).
    """

    def key(vi: int) -> tuple:
        v = data.problem.visits[vi]
        nodes = data.nodes_of_visit[vi]
        allowed = min(len(data.allowed[n - data.n_depots]) for n in nodes)
        width = sum(w.end - w.start for w in v.windows) + (600 if v.windows[-1].soft else 0)
        pinned = bool(v.pinned_caregivers) or v.pinned_start is not None
        return (-v.carers, not pinned, allowed * (width + 30) / v.priority, v.earliest, vi)

    return sorted(data.nodes_of_visit, key=key)


def _penalty(data: Compiled, vi: int) -> float:
    """What leaving the visit out costs: serving it for more is worse than not serving it."""
    return data.problem.weights.unassigned_penalty(data.problem.visits[vi])


def _place_one(b: Builder, data: Compiled, task: Task) -> bool:
    windows = windows_of(data, task)
    if not windows:
        return False
    best, best_cost = None, math.inf
    for o in b.options(task, windows, 0.0):
        cost = o.cost + _lateness(data, task, o.earliest)
        if cost < best_cost:
            best, best_cost = o, cost
    if best is None or best_cost > _penalty(data, task.visit):
        return False
    b.insert(task, best, best.earliest, fixed=False)
    return True


def _place_pair(b: Builder, data: Compiled, vi: int) -> bool:
    tasks = sorted((data.task_of_node[n] for n in data.nodes_of_visit[vi]), key=lambda t: t.carer)
    v = data.problem.visits[vi]
    lo, hi = data.t(v.sync.min_gap), data.t(v.sync.max_gap)  # type: ignore[union-attr]
    cands = []
    for t in tasks:
        windows = windows_of(data, t)
        opts = sorted(b.options(t, windows, 0.0), key=lambda o: o.cost) if windows else []
        cands.append(opts[:PAIR_CANDIDATES])
    owner = [veh.caregiver for veh in data.vehicles]
    best, best_cost = None, math.inf
    for a in cands[0]:
        for c in cands[1]:
            if owner[a.vehicle] == owner[c.vehicle] or a.cost + c.cost >= best_cost:
                continue
            t0 = max(a.earliest, c.earliest - hi)
            t1 = max(c.earliest, t0 + lo)
            if t0 > a.latest or t1 > c.latest:
                continue
            cost = a.cost + c.cost + _lateness(data, tasks[0], t0) + _lateness(data, tasks[1], t1)
            if cost < best_cost:
                best, best_cost = (a, c, t0, t1), cost
    if best is None or best_cost > _penalty(data, vi):
        return False
    a, c, t0, t1 = best
    b.insert(tasks[0], a, t0, fixed=True)
    b.insert(tasks[1], c, t1, fixed=True)
    return True


def construct_found(data: Compiled) -> Found:
    """Insert every visit it can, hardest first; the rest stay unassigned."""
    b = Builder(data)
    for vi in _order(data):
        nodes = data.nodes_of_visit[vi]
        if len(nodes) == 2:
            _place_pair(b, data, vi)
        else:
            _place_one(b, data, data.task_of_node[nodes[0]])
    return b.found()


def construct(problem: Problem, params: SolveParams | None = None) -> Solution:
    """The constructed plan alone, priced like a solve (also a warm start for ``solve``)."""
    params = params or SolveParams()
    data = Compiled(problem, params.scale, params.seed)
    found = construct_found(data)
    return to_solution(data, found, SearchStats(0.0, 1, "constructed", ("construct",)))


def warm_run(built: Built, data: Compiled, params: SolveParams, seconds, first: Found):
    """OR-Tools search from a constructed plan; None if OR-Tools cannot complete it.

    Unlike ReadAssignmentFromRoutes (which spent the whole time limit looking for break and
    cumul values on a 1,500-visit day), the break starts are handed over with the routes.
    """
    routing = built.routing
    sp = search_parameters(params, seconds, params.solutions())
    routing.CloseModelWithParameters(sp)
    start = routing.solver().Assignment()
    if not routing.RoutesToAssignment(_model_routes(built, first.routes), True, True, start):
        return None
    for m, intervals in built.breaks.items():
        for iv, (at, _) in zip(intervals, first.breaks.get(built.vehicles[m], ()), strict=False):
            start.Add(iv)
            start.SetStartValue(iv, at)
            start.SetPerformedValue(iv, 1)
    count = [0]
    routing.AddAtSolutionCallback(lambda: count.__setitem__(0, count[0] + 1))
    assignment = routing.SolveFromAssignmentWithParameters(start, sp)
    if assignment is None:
        return None
    found = read(built, data, assignment)
    found.solutions = count[0]
    return found


def from_start(built: Built, data: Compiled, params: SolveParams, seconds, routes) -> Found:
    """OR-Tools from a given plan (routes only) for ``seconds``; the plan itself if that fails.

    On large days with breaks OR-Tools 9.15 refuses to complete even a feasible (or an empty)
    assignment; the plan then comes back as given rather than empty.
    """
    given = Found(routes, {}, {}, 0, 1)
    found = warm_run(built, data, params, seconds, given)
    return given if found is None else found


# --- improvement by parts ------------------------------------------------------------------------


def improve_by_parts(data: Compiled, params: SolveParams, clock, current: Found) -> Found:
    """Let OR-Tools improve a few caregivers at a time until the clock runs out.

    One OR-Tools model of a whole large day is slow to search (and with breaks may not accept a
    warm start at all), while a dozen caregivers with their own visits search well. Each part's
    visits are re-planned among its caregivers; a two-carer visit shared with a caregiver outside
    the part stays fixed (a pinned visit). Each unassigned visit is offered to one part holding a
    caregiver who may serve it, a different one each round.
    """
    size = params.phases.part_caregivers
    groups = _parts(data, current, size)
    if len(groups) < 2 or params.solutions() is not None:
        return current
    rounds = 0
    while True:
        offers = _offers(data, current, groups, rounds)
        for i, group in enumerate(groups):
            left = clock.left()
            if left is None or left < 1.0:
                return current
            share = left / max(1, len(groups) - i)
            current = _improve_part(data, params, current, group, offers[i], share)
        rounds += 1
        groups = _parts(data, current, size, offset=rounds)


def _offers(data: Compiled, found: Found, groups, turn: int) -> list[set[int]]:
    """Unassigned visits per part: each to a part with an eligible caregiver, in turn."""
    served = found.served()
    part_of = {ci: i for i, g in enumerate(groups) for ci in g}
    out: list[set[int]] = [set() for _ in groups]
    for vi, nodes in data.nodes_of_visit.items():
        if any(n in served for n in nodes):
            continue
        able = data.allowed[nodes[0] - data.n_depots]
        parts = sorted({part_of[data.vehicles[k].caregiver] for k in able})
        if parts:
            out[parts[(vi + turn) % len(parts)]].add(vi)
    return out


def _parts(data: Compiled, found: Found, size: int, offset: int = 0) -> list[list[int]]:
    """Caregivers in sweep order of their routes' centre, cut into parts of ``size`` (rotated
    per round)."""
    pts = _points(data)
    centre = pts.mean(axis=0)
    angle = {}
    for ci in range(len(data.problem.caregivers)):
        nodes = [n for k, veh in enumerate(data.vehicles) if veh.caregiver == ci
                 for n in found.routes.get(k, [])]  # fmt: skip
        here = pts[nodes].mean(axis=0) if nodes else pts[data.vehicles[0].start_node]
        angle[ci] = math.atan2(here[1] - centre[1], here[0] - centre[0])
    order = sorted(angle, key=lambda ci: (angle[ci], ci))
    shift = (offset * size // 2) % max(1, len(order))
    order = order[shift:] + order[:shift]
    return [order[i : i + size] for i in range(0, len(order), size)]


def _points(data: Compiled) -> np.ndarray:
    out = []
    for p in data.places:
        if p.is_geo:
            out.append((p.lat, p.lon))
        elif p.x is not None:
            out.append((p.x, p.y))
        else:
            out.append((float(p.node), 0.0))
    return np.array(out, dtype=float)


def _improve_part(data, params, current: Found, group, offered: set[int], seconds) -> Found:
    sub, plan, back = _subproblem(data, current, set(group), offered)
    if not plan or not any(plan.values()):
        return current
    sdata = Compiled(sub, data.scale, params.seed, None)
    start = routes_from_plan(sdata, plan)
    before = _found_of(sdata, current, plan, back, data)
    sub_params = SolveParams(time_limit=max(0.2, seconds), seed=params.seed, scale=data.scale)
    found = run(build(sdata), sdata, sub_params, max(0.2, seconds - 0.1), None, start)
    if found is None:
        return current
    old = to_solution(sdata, before, SearchStats())
    new = to_solution(sdata, found, SearchStats())
    if len(new.unassigned) > len(old.unassigned) or new.objective > old.objective - 1e-6:
        return current
    return _merge(data, current, sdata, found, back)


def _subproblem(data: Compiled, cur: Found, group: set[int], offered: set[int]):
    """The part's caregivers, visits and plan; ``back`` maps part tasks to full task nodes."""
    prob = data.problem
    mine = {k for k, veh in enumerate(data.vehicles) if veh.caregiver in group}
    ids = {prob.caregivers[ci].id for ci in group}
    where = {n: k for k, nodes in cur.routes.items() for n in nodes}
    visits, back, plan = [], {}, {}
    for vi, nodes in data.nodes_of_visit.items():
        v = prob.visits[vi]
        on = [where.get(n) for n in nodes]
        if all(k is None for k in on):
            if vi in offered and set(v.pinned_caregivers) <= ids:
                visits.append(_within(v, ids))
                back |= {(v.id, data.task_of_node[n].carer): n for n in nodes}
            continue
        inside = [k in mine for k in on]
        if all(inside):
            visits.append(_within(v, ids))
            back |= {(v.id, data.task_of_node[n].carer): n for n in nodes}
            continue
        for n, k, ins in zip(nodes, on, inside, strict=True):
            if not ins or k is None:
                continue
            t = data.task_of_node[n]
            at = cur.starts[n] / data.scale
            fixed = replace(
                v, id=f"{v.id}#{t.carer}", windows=(TimeWindow(at, at),),
                duration=v.duration_of(t.carer), required_skills=frozenset(), carers=1, sync=None,
                second_required_skills=None, second_duration=None, preferred_caregivers=(),
                excluded_caregivers=frozenset(), sex_preference=None,
                pinned_caregivers=(prob.caregivers[data.vehicles[k].caregiver].id,),
                pinned_start=at, priority=v.priority,
            )  # fmt: skip
            visits.append(fixed)
            back[(fixed.id, 0)] = n
    carers = tuple(c for ci, c in enumerate(prob.caregivers) if ci in group)
    sub = Problem(carers, tuple(visits), prob.travel, prob.weights, prob.name)
    node_key = {n: key for key, n in back.items()}
    for k in sorted(mine):
        veh = data.vehicles[k]
        plan[(prob.caregivers[veh.caregiver].id, veh.shift)] = [
            node_key[n] for n in cur.routes.get(k, []) if n in node_key
        ]
    return sub, plan, back


def _within(v: Visit, ids: set[str]) -> Visit:
    """The visit with its caregiver preferences cut to the part (others cost the same)."""
    return replace(
        v,
        preferred_caregivers=tuple(c for c in v.preferred_caregivers if c in ids),
        excluded_caregivers=frozenset(v.excluded_caregivers & ids),
    )


def _found_of(sdata: Compiled, cur: Found, plan, back, data: Compiled) -> Found:
    """The current plan of a part, in the part's own nodes (for pricing it)."""
    routes = routes_from_plan(sdata, plan)
    node = {(sdata.problem.visits[t.visit].id, t.carer): t.node for t in sdata.tasks}
    starts = {
        node[key]: cur.starts[n] for key, n in back.items() if key in node and n in cur.starts
    }
    full_k = {}
    for k, veh in enumerate(sdata.vehicles):
        cid = sdata.problem.caregivers[veh.caregiver].id
        full_k[k] = next(
            j for j, w in enumerate(data.vehicles)
            if data.problem.caregivers[w.caregiver].id == cid and w.shift == veh.shift
        )  # fmt: skip
    breaks = {k: cur.breaks[j] for k, j in full_k.items() if j in cur.breaks}
    return Found(routes, starts, breaks, 0)


def _merge(data: Compiled, cur: Found, sdata: Compiled, found: Found, back) -> Found:
    """Write a part's new routes, starts and breaks back into the whole plan."""
    routes, starts, breaks = dict(cur.routes), dict(cur.starts), dict(cur.breaks)
    index = {
        (data.problem.caregivers[w.caregiver].id, w.shift): j for j, w in enumerate(data.vehicles)
    }
    for k, nodes in found.routes.items():
        veh = sdata.vehicles[k]
        j = index[(sdata.problem.caregivers[veh.caregiver].id, veh.shift)]
        full = []
        for n in nodes:
            t = sdata.task_of_node[n]
            m = back[(sdata.problem.visits[t.visit].id, t.carer)]
            full.append(m)
            starts[m] = found.starts[n]
        routes[j] = full
        if k in found.breaks:
            breaks[j] = found.breaks[k]
    served = {n for r in routes.values() for n in r}
    starts = {n: s for n, s in starts.items() if n in served}
    return Found(routes, starts, breaks, 0, cur.solutions + found.solutions)
