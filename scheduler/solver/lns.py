"""Synchronisation-aware large neighbourhood search for two-carer visits.

OR-Tools checks cross-route constraints (equal or gapped starts of the two carers of a visit)
only after its route-local filters have accepted a move, and prices lateness as if every route
ran alone; on home-care instances with many two-carer visits its local search crawls and locks
in large lateness. This search removes visits (both carers together) and re-inserts them with
a schedule that settles the synchronisation exactly: start times are propagated to a fixed
point over the routes and the sync constraints (a longest-path computation, like the
independent validator), so every candidate is priced as the result will be reported.

It takes the better of OR-Tools' plan and the construction as its start and hands its best
back to OR-Tools for a final check. It covers: allowed vehicles, one or several windows per visit
(hard, the last one possibly soft), sync pairs, pinned starts, travel modes, shift times with
overtime, breaks, working-time limits (summed over a caregiver's shifts), capacities (the
demand of a shift's visits), fixed cost per caregiver used, wages, fairness,
continuity/assignment costs and priorities.

A break is taken where the caregiver is, before travelling on: at the first stop where it
costs nothing (it fits in the waiting before the next visit) or where postponing it past the
next visit would miss its window.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from scheduler.solver.compile import Compiled
from scheduler.solver.params import RuinRecreate
from scheduler.solver.search import Found

INF = float("inf")
BIG = 1 << 60  # an integer start that no window admits


def applies(data: Compiled) -> bool:
    """Whether this search models every constraint of the problem (else OR-Tools alone): it
    now models all of them, the hook stays for the next constraint it does not."""
    return data.n_nodes > 0


@dataclass
class _Data:
    n: int  # compiled nodes
    tasks: list[int]
    ready: list[int]
    due: list[int]  # hard latest start (soft windows: horizon)
    wins: list[list[tuple[int, int]]]  # start windows, the last one up to ``due``
    svc: list[int]  # service time (integer units, rounded up as in the transit matrix)
    soft_due: list[int]  # start after this is late (soft windows), else horizon
    late_w: list[float]  # objective units per integer time unit late
    max_w: float
    partner: list[int]  # -1 for single-carer tasks
    role: list[int]
    gap_lo: list[int]  # on the second carer's node: t1 - t0 bounds
    gap_hi: list[int]
    penalty: list[float]  # objective units per unassigned task
    allowed: list[list[int]]
    usable: list[list[int]]  # allowed vehicles whose shift meets the task's windows
    v_start: list[int]
    v_end: list[int]
    v_t0: list[int]
    v_tmax: list[int]
    v_tend: list[int]  # contracted end: later is overtime
    v_limit: list[int | None]  # longest working time (max working minutes)
    # the caregiver's other shifts (vehicles), when its working limit is shared by several
    v_siblings: list[tuple[int, ...]]
    v_wage: list[float]  # objective units per integer time unit on duty
    ot_w: float
    fair_w: float
    v_fixed: float
    v_tr: list[list[list[int]]]  # per vehicle: transit matrix (shared by mode)
    v_breaks: list[list[tuple[int, int, int]]]  # per vehicle: (earliest, latest start, duration)
    v_cost: list[list[list[float]]]  # per vehicle: travel cost matrix
    v_pref: list[list[float] | None]
    pairs: list[tuple[int, int]]
    owner: list[int]  # vehicle -> caregiver index
    knobs: RuinRecreate = field(default_factory=RuinRecreate)
    # the same as arrays, for pricing every insertion position at once (``_scan``)
    np_mode: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    np_tr: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int64))
    np_cost: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    np_pref: np.ndarray | None = None  # vehicle x node, None when nobody has preferences
    np_usable: list[np.ndarray] = field(default_factory=list)
    np_allowed: list[np.ndarray] = field(default_factory=list)
    all_penalties: float = 0.0  # every task unassigned
    demand: list[int] = field(default_factory=list)  # per node (each carer of a visit)
    np_cap: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per vehicle, inf if none


def _prepare(data: Compiled) -> _Data:
    p, w = data.problem, data.problem.weights
    n = data.n_nodes
    horizon = data.t(data.horizon)
    ready, due, soft_due = [0] * n, [horizon] * n, [horizon] * n
    late_w, partner, role = [0.0] * n, [-1] * n, [0] * n
    gap_lo, gap_hi, penalty = [0] * n, [0] * n, [0.0] * n
    allowed: list[list[int]] = [[] for _ in range(n)]
    wins: list[list[tuple[int, int]]] = [[(0, horizon)] for _ in range(n)]
    for t, ok in zip(data.tasks, data.allowed, strict=True):
        v = p.visits[t.visit]
        win = v.windows[-1]
        ready[t.node] = data.t(v.windows[0].start)
        if win.soft:
            soft_due[t.node] = data.t(win.end)
            late_w[t.node] = w.lateness * win.lateness_weight / data.scale
        else:
            due[t.node] = data.t(win.end)
        wins[t.node] = [(data.t(x.start), data.t(x.end)) for x in v.windows]
        wins[t.node][-1] = (data.t(win.start), due[t.node])
        role[t.node] = t.carer
        penalty[t.node] = w.unassigned_penalty(v) / v.carers
        allowed[t.node] = list(ok)
        if v.pinned_start is not None and (t.carer == 0 or v.sync.mode == "together"):  # type: ignore[union-attr]
            pinned = data.t(v.pinned_start)
            if any(lo <= pinned <= hi for lo, hi in wins[t.node]):
                ready[t.node] = due[t.node] = pinned
                wins[t.node] = [(pinned, pinned)]
            else:
                allowed[t.node] = []  # as the routing model: it can only stay unassigned
    pairs = []
    for vi, nodes in data.nodes_of_visit.items():
        if len(nodes) == 2:
            a, b = sorted(nodes, key=lambda x: data.task_of_node[x].carer)
            partner[a], partner[b] = b, a
            sync = p.visits[vi].sync
            gap_lo[b], gap_hi[b] = data.t(sync.min_gap), data.t(sync.max_gap)  # type: ignore[union-attr]
            pairs.append((a, b))
    modes = {m: (data.transit_matrix(m), _cost_matrix(data, m)) for m in data.time}
    v_tr, v_cost, v_pref = [], [], []
    for k in range(len(data.vehicles)):
        tr, cost = modes[data.vehicle_mode(k)]
        v_tr.append(tr)
        v_cost.append(cost)
        pref = data.preference_vector(k)
        v_pref.append(None if pref is None else [x / data.cost_scale for x in pref])
    out = _Data(
        n=n,
        tasks=[t.node for t in data.tasks],
        ready=ready,
        due=due,
        wins=wins,
        svc=np.ceil(data.service * data.scale - 1e-9).astype(int).tolist(),
        soft_due=soft_due,
        late_w=late_w,
        max_w=w.max_lateness / data.scale,
        partner=partner,
        role=role,
        gap_lo=gap_lo,
        gap_hi=gap_hi,
        penalty=penalty,
        allowed=allowed,
        usable=[[] for _ in range(n)],
        v_start=[v.start_node for v in data.vehicles],
        v_end=[v.end_node for v in data.vehicles],
        v_t0=[data.t(data.shift(k).start_time) for k in range(len(data.vehicles))],
        v_tmax=[data.t(data.shift(k).latest_end) for k in range(len(data.vehicles))],
        v_tend=[data.t(data.shift(k).end_time) for k in range(len(data.vehicles))],
        v_limit=[_limit(data, k) for k in range(len(data.vehicles))],
        v_siblings=_siblings(data),
        v_wage=[
            w.wage * p.caregivers[veh.caregiver].cost_per_hour / 60 / data.scale
            for veh in data.vehicles
        ],
        ot_w=w.overtime / data.scale,
        fair_w=w.fairness / data.scale,
        v_fixed=w.caregiver_used,
        v_tr=v_tr,
        v_breaks=[_breaks(data, k) for k in range(len(data.vehicles))],
        v_cost=v_cost,
        v_pref=v_pref,
        pairs=pairs,
        owner=[v.caregiver for v in data.vehicles],
    )
    _usable(out)
    _arrays(out, data)
    out.np_usable = [np.array(u, dtype=np.int64) for u in out.usable]
    out.np_allowed = [np.array(u, dtype=np.int64) for u in out.allowed]
    out.all_penalties = sum(out.penalty[n] for n in out.tasks)
    out.demand = [0] * n
    for t in data.tasks:
        out.demand[t.node] = p.visits[t.visit].demand
    caps = [p.caregivers[veh.caregiver].capacity for veh in data.vehicles]
    out.np_cap = np.array([math.inf if c is None else c for c in caps], dtype=float)
    return out


def _arrays(d: _Data, data: Compiled) -> None:
    """One matrix per travel mode, shared by the vehicles of that mode (as ``_prepare``'s)."""
    modes = sorted(data.time)
    d.np_mode = np.array([modes.index(data.vehicle_mode(k)) for k in range(len(d.v_start))])
    d.np_tr = np.stack(
        [np.ceil((data.time[m] + data.service[:, None]) * data.scale - 1e-9) for m in modes]
    ).astype(np.int64)
    d.np_cost = np.stack([data.time[m] * data.problem.weights.travel for m in modes])
    if any(p is not None for p in d.v_pref):
        d.np_pref = np.array([p if p is not None else [0.0] * d.n for p in d.v_pref])


def _usable(d: _Data) -> None:
    """Allowed vehicles whose shift can reach the task inside its windows (cheap bounds)."""
    for n in d.tasks:
        d.usable[n] = [
            k
            for k in d.allowed[n]
            if d.v_t0[k] <= d.due[n] and d.ready[n] + d.svc[n] <= d.v_tmax[k]
        ]


def _breaks(data: Compiled, k: int) -> list[tuple[int, int, int]]:
    out = []
    for b in sorted(data.shift(k).breaks, key=lambda b: b.earliest):
        dur = data.ceil_t(b.duration)
        out.append((data.t(b.earliest), data.t(b.latest) - dur, dur))
    return out


def _open(wins: list[tuple[int, int]], t: int) -> int:
    """The earliest start at or after ``t`` inside one of the windows (INF-like if none)."""
    for lo, hi in wins:
        if t <= hi:
            return lo if t < lo else t
    return BIG


def _limit(data: Compiled, k: int) -> int | None:
    minutes = data.problem.caregivers[data.vehicles[k].caregiver].max_working_minutes
    return None if minutes is None else data.t(minutes)


def _siblings(data: Compiled) -> list[tuple[int, ...]]:
    """Per vehicle, the other vehicles (shifts) of its caregiver if a working limit joins them."""
    shifts: dict[int, list[int]] = {}
    for k, veh in enumerate(data.vehicles):
        shifts.setdefault(veh.caregiver, []).append(k)
    out = []
    for veh in data.vehicles:
        mine = shifts[veh.caregiver]
        limited = data.problem.caregivers[veh.caregiver].max_working_minutes is not None
        out.append(tuple(j for j in mine if j != len(out)) if limited else ())
    return out


def _cost_matrix(data: Compiled, mode: str) -> list[list[float]]:
    return (data.time[mode] * data.problem.weights.travel).tolist()


class _State:
    """Routes, the settled schedule and the objective (in objective units)."""

    def __init__(self, d: _Data, routes: list[list[int]]) -> None:
        self.d = d
        self.routes = routes
        self.start = [0] * d.n
        self.dep = [0] * len(routes)  # latest departure that keeps the first start
        self.end = [0] * len(routes)
        self.brk: list[list[tuple[int, int]]] = [[] for _ in routes]  # breaks taken
        self.cost = INF
        self.grid = _Grid(d, len(routes))
        self.rcost = [0.0] * len(routes)  # each route's share of the objective (``_price``)
        self.rworst = [0] * len(routes)  # each route's largest lateness
        self.touched: set[int] = set()
        self.at = [-1] * d.n  # node -> vehicle serving it
        self.load = np.zeros(len(routes))  # demand carried per vehicle (capacities)
        for k, r in enumerate(routes):
            for n in r:
                self.at[n] = k
            self.load[k] = sum(d.demand[n] for n in r)
        self.feasible = self.settle()

    def copy(self) -> _State:
        s = _State.__new__(_State)
        s.d, s.routes = self.d, list(self.routes)  # routes are replaced, never edited in place
        s.start, s.cost, s.feasible = list(self.start), self.cost, self.feasible
        s.dep, s.end, s.brk = list(self.dep), list(self.end), list(self.brk)
        s.grid = self.grid.share()
        s.rcost, s.rworst, s.touched = list(self.rcost), list(self.rworst), set()
        s.at, s.load = list(self.at), self.load.copy()
        return s

    def put(self, k: int, pos: int, node: int) -> None:
        """Insert ``node`` at ``pos`` of route ``k`` (a new list: copies share routes)."""
        r = self.routes[k]
        self.routes[k] = [*r[:pos], node, *r[pos:]]
        self.at[node] = k
        self.load[k] += self.d.demand[node]

    def settle(
        self,
        changed: Iterable[int] | None = None,
        added: Iterable[int] = (),
        cold: bool = False,
    ) -> bool:
        """Earliest start times at a fixed point of routes and sync gaps; price the plan.

        Bounds only grow, so after the first pass only the routes whose bounds moved are
        recomputed. After an insertion (``changed`` routes, ``added`` nodes) no start can move
        earlier, so the previous starts are valid lower bounds and only the changed routes
        need a first pass: the same fixed point, reached with less work. ``cold`` recomputes
        the ``changed`` routes from scratch (after removals: with every route tied to them
        by a two-carer visit, see ``_resettle``).
        """
        d, routes = self.d, self.routes
        start, bound = self.start, {}
        where = self.at
        pairs = [(a, b) for a, b in d.pairs if where[a] >= 0]
        warm = changed is not None and not cold
        dirty: Iterable[int] = range(len(routes)) if changed is None else changed
        self.touched = set(dirty)
        fresh = set(added)
        marks: dict[int, list[int]] = {}  # route -> its nodes whose start may have to move
        for n in fresh:
            start[n] = 0
            marks.setdefault(where[n], []).append(n)
        for _ in range(len(pairs) + 2):
            if not self._forward(bound, dirty, warm, fresh, marks):
                self.cost = INF
                return False
            # after the first pass every start is a lower bound of the fixed point (the
            # routes left out were at one, and a cold settle covers every tied route)
            warm, fresh, marks = True, set(), {}
            moved = set()
            for a, b in pairs:
                ta, tb = start[a], start[b]
                if tb < ta + d.gap_lo[b]:
                    bound[b] = ta + d.gap_lo[b]
                    moved.add(where[b])
                    marks.setdefault(where[b], []).append(b)
                elif tb > ta + d.gap_hi[b]:
                    bound[a] = tb - d.gap_hi[b]
                    moved.add(where[a])
                    marks.setdefault(where[a], []).append(a)
            if not moved:
                self.cost = self._price(self.touched)
                return True
            dirty = moved
            self.touched |= moved
        self.cost = INF  # the sync constraints chase each other round a cycle
        return False

    def _forward(
        self,
        bound: dict[int, int],
        vehicles: Iterable[int],
        warm: bool,
        fresh: set[int],
        marks: dict[int, list[int]],
    ) -> bool:
        """Starts along each of ``vehicles``' routes. ``warm``: the current starts are lower
        bounds at a fixed point except at the ``marks`` (new visits, raised bounds), so a route
        is recomputed from its first mark only, and past its last mark it stops at the first
        stop reached no later than before (the rest of the route starts as it did)."""
        d, start = self.d, self.start
        ready, due, wins = d.ready, d.due, d.wins
        stale = self.grid.stale
        for k in vehicles:
            stale.add(k)
            r = self.routes[k]
            if not r:
                self.brk[k] = []
                continue
            if d.v_breaks[k]:
                if not self._forward_breaks(k, r, bound, warm):
                    return False
                continue
            tr = d.v_tr[k]
            prev, t = d.v_start[k], d.v_t0[k]
            first, last = 0, len(r)
            if warm and k in marks:
                idx = [r.index(n) for n in marks[k]]
                first, last = min(idx), max(idx)
                if first:
                    prev, t = r[first - 1], start[r[first - 1]]
            for j in range(first, len(r)):
                n = r[j]
                t += tr[prev][n]
                if t < ready[n]:
                    t = ready[n]
                if n in bound and t < bound[n]:
                    t = bound[n]
                if warm and t <= start[n]:
                    if j > last and n not in fresh:
                        break  # the rest of the route starts as before
                    t = start[n]
                if t > due[n]:
                    return False
                if len(wins[n]) > 1:
                    t = _open(wins[n], t)
                    if t > due[n]:
                        return False
                start[n] = t
                prev = n
            else:
                if not self._close(k, r, t + tr[prev][d.v_end[k]]):
                    return False
                continue
            if not self._close(k, r, self.end[k]):
                return False
        return True

    def _forward_breaks(self, k: int, r: list[int], bound: dict[int, int], warm: bool) -> bool:
        """As ``_forward`` for one route whose shift has breaks (see the module docstring)."""
        d, start = self.d, self.start
        tr, svc, wins = d.v_tr[k], d.svc, d.wins
        todo = d.v_breaks[k]
        taken: list[tuple[int, int]] = []
        prev, free = d.v_start[k], d.v_t0[k]
        for n in r:
            trv = tr[prev][n] - svc[prev]
            low = bound.get(n, 0)
            if warm and start[n] > low:
                low = start[n]
            s0 = _open(wins[n], max(free + trv, low))
            while len(taken) < len(todo):
                e, latest, dur = todo[len(taken)]
                at = free if free > e else e
                if at > latest:
                    return False
                s1 = _open(wins[n], max(at + dur + trv, low))
                if s1 > s0 and max(s0 + svc[n], e) <= latest:
                    break  # not free now, and still possible after this visit
                taken.append((at, dur))
                free, s0 = at + dur, s1
            if s0 >= BIG:
                return False
            start[n] = s0
            prev, free = n, s0 + svc[n]
        for e, latest, dur in todo[len(taken) :]:
            at = free if free > e else e
            if at > latest:
                return False
            taken.append((at, dur))
            free = at + dur
        self.brk[k] = taken
        return self._close(k, r, free + tr[prev][d.v_end[k]] - svc[prev])

    def _close(self, k: int, r: list[int], end: int) -> bool:
        """Check the route's return and working time; keep its departure and end."""
        d = self.d
        if end > d.v_tmax[k]:
            return False
        tr = d.v_tr[k]
        first = r[0]
        dep = self.start[first] - tr[d.v_start[k]][first]
        if dep < d.v_t0[k]:
            dep = d.v_t0[k]
        if d.v_breaks[k] and self.brk[k] and self.brk[k][0][0] < dep:
            dep = self.brk[k][0][0]  # a break taken before leaving is working time
        limit = d.v_limit[k]
        if limit is not None and end - dep + self._worked_elsewhere(k) > limit:
            return False
        self.dep[k], self.end[k] = dep, end
        return True

    def _worked_elsewhere(self, k: int) -> int:
        """The caregiver's working time on its other used shifts, as they are settled now.

        Each route checks the sum with its siblings' current times when it is settled, so the
        last of them settled in a move has checked the whole day against the limit."""
        routes, dep, end = self.routes, self.dep, self.end
        return sum(end[j] - dep[j] for j in self.d.v_siblings[k] if routes[j])

    def _price(self, touched: Iterable[int]) -> float:
        """The objective, re-pricing only the ``touched`` routes (the others keep their
        share in ``rcost``: travel, lateness, preferences, overtime and wages, less the
        penalties of the visits they serve)."""
        d, start = self.d, self.start
        rcost, rworst = self.rcost, self.rworst
        for k in touched:
            r = self.routes[k]
            if not r:
                rcost[k], rworst[k] = 0.0, 0
                continue
            cost, pref = d.v_cost[k], d.v_pref[k]
            prev = d.v_start[k]
            total, worst = d.v_fixed, 0
            for n in r:
                total += cost[prev][n] - d.penalty[n]
                late = start[n] - d.soft_due[n]
                if late > 0:
                    total += late * d.late_w[n]
                    if d.late_w[n] and late > worst:
                        worst = late
                if pref is not None:
                    total += pref[n]
                prev = n
            total += cost[prev][d.v_end[k]]
            total += max(0, self.end[k] - d.v_tend[k]) * d.ot_w
            total += (self.end[k] - self.dep[k]) * d.v_wage[k]
            rcost[k], rworst[k] = total, worst
        total = d.all_penalties + sum(rcost) + max(rworst) * d.max_w
        if d.fair_w:
            used = [k for k, r in enumerate(self.routes) if r]
            if used:
                span = max(self.end[k] for k in used) - min(self.dep[k] for k in used)
                total += span * d.fair_w
        return total


class _Grid:
    """Every insertion position of every route as rows of arrays (vehicle x position): the
    stop before it, the stop after it and the start at the stop before (``BIG`` past the end).
    Rows are rebuilt lazily, only for routes whose stops or starts changed since (``stale``);
    copies share the arrays until one of them rebuilds a row."""

    def __init__(self, d: _Data, vehicles: int, width: int = 16) -> None:
        self.prev = np.zeros((vehicles, width), dtype=np.int64)
        self.next = np.zeros((vehicles, width), dtype=np.int64)
        self.time = np.full((vehicles, width), BIG, dtype=np.int64)
        self.size = [0] * vehicles
        self.stale: set[int] = set(range(vehicles))
        self.owned = True

    def share(self) -> _Grid:
        g = _Grid.__new__(_Grid)
        g.prev, g.next, g.time, g.size = self.prev, self.next, self.time, list(self.size)
        g.stale, g.owned, self.owned = set(self.stale), False, False
        return g

    def refresh(self, state: _State) -> None:
        if not self.stale:
            return
        if not self.owned:
            self.prev, self.next, self.time = self.prev.copy(), self.next.copy(), self.time.copy()
            self.owned = True
        d, start, routes = state.d, state.start, state.routes
        need = max(len(routes[k]) for k in self.stale) + 1
        if need > self.prev.shape[1]:
            self._widen(need)
        for k in self.stale:
            r = routes[k]
            size, old = len(r) + 1, self.size[k]
            self.prev[k, :size] = [d.v_start[k], *r]
            self.next[k, :size] = [*r, d.v_end[k]]
            self.time[k, :size] = [d.v_t0[k], *[start[m] for m in r]]
            if old > size:
                self.time[k, size:old] = BIG
            self.size[k] = size
        self.stale = set()

    def _widen(self, need: int) -> None:
        rows, width = self.prev.shape
        width = max(need, 2 * width)
        prev, nxt = np.zeros((rows, width), dtype=np.int64), np.zeros((rows, width), dtype=np.int64)
        time_ = np.full((rows, width), BIG, dtype=np.int64)
        old = self.prev.shape[1]
        prev[:, :old], nxt[:, :old], time_[:, :old] = self.prev, self.next, self.time
        self.prev, self.next, self.time = prev, nxt, time_


def _remove(state: _State, visits: set[int]) -> None:
    state.routes = [[n for n in r if n not in visits] for r in state.routes]
    state.grid.stale.update(range(len(state.routes)))
    for n in visits:
        k = state.at[n]
        if k >= 0:
            state.load[k] -= state.d.demand[n]
            state.at[n] = -1


def _ruin(state: _State, rng: random.Random, near: list[list[int]], size: int) -> list[int]:
    """Remove ``size`` visits: a random seed and its nearest served neighbours, or at random."""
    d = state.d
    served = [n for r in state.routes for n in r if d.role[n] == 0]
    if not served:
        return []
    roll = rng.random()
    if roll < d.knobs.route_ruin:
        chosen = _route_ruin(state, rng)
    elif roll < 0.6:
        seed = rng.choice(served)
        on = set(served)
        chosen = [seed] + [m for m in near[seed] if m in on][: size - 1]
    elif roll < 0.6 + d.knobs.string_ruin:
        chosen = _string_ruin(state, rng, near, size, served)
    else:
        chosen = rng.sample(served, min(size, len(served)))
    gone = set(chosen) | {d.partner[n] for n in chosen if d.partner[n] >= 0}
    _remove(state, gone)
    return chosen


def _string_ruin(state: _State, rng, near: list[list[int]], size: int, served) -> list[int]:
    """Strings of consecutive visits cut from the routes nearest a random visit (as in SISR,
    Christiaens and Vanden Berghe 2020): frees whole stretches of several neighbouring
    caregivers' days at once, so the recreate can swap them between routes."""
    d, at = state.d, state.at
    seed = rng.choice(served)
    length = max(2, min(10, size // 3))
    chosen: list[int] = []
    done: set[int] = set()
    for m in [seed, *near[seed]]:
        k = at[m]
        if k < 0 or k in done:
            continue
        done.add(k)
        route = state.routes[k]
        i = route.index(m)
        lo = max(0, min(i - rng.randrange(length), len(route) - length))
        chosen += [n if d.role[n] == 0 else d.partner[n] for n in route[lo : lo + length]]
        if len(chosen) >= size or len(done) >= 4:
            break
    return list(dict.fromkeys(chosen))


def _route_ruin(state: _State, rng: random.Random) -> list[int]:
    """Every visit of the shorter of two random used routes: lets a caregiver's day go."""
    d = state.d
    used = [k for k, r in enumerate(state.routes) if r]
    k = min(rng.sample(used, min(2, len(used))), key=lambda k: len(state.routes[k]))
    return [n if d.role[n] == 0 else d.partner[n] for n in state.routes[k]]


def _insert_single(state: _State, n: int, rng: random.Random) -> bool:
    """Cheapest positions by detour and own lateness; the downstream push is priced lazily,
    only while a position could still enter the best few (it never lowers an estimate)."""
    d = state.d
    scan = _scan(state, n, d.usable[n], rng)
    if scan is None:
        return False
    best: list[tuple[float, float, int, int]] = []
    top = d.knobs.top_single
    for e, i, k, pos, arrival, nxt in _in_order(scan):
        if len(best) >= top and best[top - 1][0] <= e:
            break
        full = e + _push_estimate(state, k, pos, arrival, nxt)
        if full < INF:
            bisect.insort(best, (full, i, k, pos))
    return _commit_best(state, best[:top], [n])


def _in_order(scan, chunk: int = 32):
    """The scanned positions cheapest first, converted from arrays a few at a time (the
    search mostly stops after the first few)."""
    est, order, ks, pos, arrival, nxt = scan
    for lo in range(0, len(order), chunk):
        idx = order[lo : lo + chunk]
        yield from zip(
            est[idx].tolist(),
            idx.tolist(),
            ks[idx].tolist(),
            pos[idx].tolist(),
            arrival[idx].tolist(),
            nxt[idx].tolist(),
            strict=True,
        )


def _scan(state: _State, n: int, vehicles: list[int], rng: random.Random):
    """Every position of ``n`` in the routes of ``vehicles``, priced at once with numpy: the
    detour, the visit's own lateness, and its arrival at the next stop. Returns the estimates,
    the feasible positions in order of estimate (ties in random order), and per position its
    vehicle, index, arrival at the next stop and that stop; None when no position admits it."""
    d = state.d
    if not vehicles:
        return None
    grid = state.grid
    grid.refresh(state)
    rows = _room(state, n, d.np_usable[n] if vehicles is d.usable[n] else np.array(vehicles))
    times = grid.time[rows]
    due = d.due[n]
    ok = np.flatnonzero(times <= due)  # a later stop before starts later still
    if not len(ok):
        return None
    width = times.shape[1]
    row, pos = np.divmod(ok, width)
    k_arr = rows[row]
    p_arr, x_arr = grid.prev[k_arr, pos], grid.next[k_arr, pos]
    mode = d.np_mode[k_arr]
    tr, cost = d.np_tr, d.np_cost
    arr = times.ravel()[ok] + tr[mode, p_arr, n]
    wins = d.wins[n]
    if len(wins) > 1:
        arr = _open_all(wins, arr)
    else:
        np.maximum(arr, d.ready[n], out=arr)
    keep = np.flatnonzero(arr <= due)
    if not len(keep):
        return None
    if len(keep) < len(arr):
        arr, mode, p_arr, x_arr = arr[keep], mode[keep], p_arr[keep], x_arr[keep]
        k_arr, pos = k_arr[keep], pos[keep]
    est = cost[mode, p_arr, n] + cost[mode, n, x_arr] - cost[mode, p_arr, x_arr]
    if d.v_fixed:
        empty = np.array(grid.size)[k_arr] == 1
        est += empty * d.v_fixed
    if d.np_pref is not None:
        est += d.np_pref[k_arr, n]
    late = arr - d.soft_due[n]
    if late.max() > 0:
        est += np.maximum(late, 0) * (d.late_w[n] + d.max_w)
    tie = (rng.random() + np.arange(len(arr)) * 0.6180339887) % 1.0  # ties in random order
    order = np.lexsort((tie, est))
    arrival = arr + tr[mode, n, x_arr]
    return est, order, k_arr, pos, arrival, x_arr


def _room(state: _State, n: int, rows: np.ndarray) -> np.ndarray:
    """The vehicles among ``rows`` with room for the task's demand."""
    dem = state.d.demand[n]
    if not dem:
        return rows
    return rows[state.load[rows] + dem <= state.d.np_cap[rows]]


def _open_all(wins: list[tuple[int, int]], t: np.ndarray) -> np.ndarray:
    """``_open`` for an array of times."""
    out = np.full_like(t, BIG)
    for lo, hi in reversed(wins):
        out = np.where(t <= hi, np.maximum(t, lo), out)
    return out


def _push_estimate(state: _State, k: int, pos: int, arrival: int, nxt: int) -> float:
    """Lateness added downstream when the next stop is reached at ``arrival``.

    A delayed stop with a partner delays the partner as much (its own route is not followed).
    """
    d = state.d
    r = state.routes[k]
    tr = d.v_tr[k]
    start, soft_due, late_w = state.start, d.soft_due, d.late_w
    extra = 0.0
    t = arrival
    prev = -1
    for j in range(pos, len(r)):
        m = r[j]
        if prev >= 0:
            t += tr[prev][m]
        old = start[m]
        if t <= old:
            return extra
        if t > d.due[m]:
            return INF
        extra += (_late(t, soft_due[m]) - _late(old, soft_due[m])) * late_w[m]
        q = d.partner[m]
        if q >= 0:
            shifted = start[q] + t - old
            extra += (_late(shifted, soft_due[q]) - _late(start[q], soft_due[q])) * late_w[q]
        prev = m
    if prev >= 0 and t + tr[prev][d.v_end[k]] > d.v_tmax[k]:
        return INF
    return extra


def _late(t: int, due: int) -> int:
    return t - due if t > due else 0


def _insert_pair(state: _State, a: int, b: int, rng: random.Random) -> bool:
    """Insert both carers of a visit: best positions per carer, combined on two caregivers."""
    d = state.d
    cands = []
    # the downstream push grows with the start, so each position's push at its own arrival
    # is a lower bound; the exact push at the synchronised starts is priced (and remembered)
    # only while a candidate could still enter the best few (as ``_insert_single``)
    push: dict[tuple[int, int, int, int], float] = {}

    def pushed(k: int, pos: int, n: int, t: int) -> float:
        key = (k, pos, n, t)
        if key not in push:
            push[key] = _push_after(state, k, pos, n, t)
        return push[key]

    options_a = [(*o, pushed(o[0], o[1], a, o[2])) for o in _positions(state, a)]
    options_b = [(*o, pushed(o[0], o[1], b, o[2])) for o in _positions(state, b)]
    for ka, pa, arr_a, ca, qa in options_a:
        if qa == INF:
            continue
        for kb, pb, arr_b, cb, qb in options_b:
            if d.owner[ka] == d.owner[kb] or qb == INF:
                continue
            ta, tb = _synced(d, a, b, arr_a, arr_b)
            if ta > d.due[a] or tb > d.due[b]:
                continue
            la, lb = ta - d.soft_due[a], tb - d.soft_due[b]
            est = ca + cb + _late(ta, d.soft_due[a]) * d.late_w[a]
            est += _late(tb, d.soft_due[b]) * d.late_w[b] + max(0, la, lb) * d.max_w
            cands.append((est + qa + qb, rng.random(), ka, pa, kb, pb, est, ta, tb))
    cands.sort()
    top = d.knobs.top_single
    best: list[tuple[float, float, int, int, int, int]] = []
    for low, tie, ka, pa, kb, pb, est, ta, tb in cands:
        if len(best) >= top and best[top - 1][0] <= low:
            break
        est += pushed(ka, pa, a, ta) + pushed(kb, pb, b, tb)
        if est < INF:
            bisect.insort(best, (est, tie, ka, pa, kb, pb))
    for _est, _, ka, pa, kb, pb in best[:top]:
        trial = state.copy()
        trial.put(ka, pa, a)
        trial.put(kb, pb, b)
        if trial.settle((ka, kb), (a, b)):
            _adopt(state, trial)
            return True
    return False


def _push_after(state: _State, k: int, pos: int, n: int, start: int) -> float:
    d = state.d
    r = state.routes[k]
    nxt = r[pos] if pos < len(r) else d.v_end[k]
    return _push_estimate(state, k, pos, start + d.v_tr[k][n][nxt], nxt)


def _positions(state: _State, n: int) -> list[tuple[int, int, int, float]]:
    """The cheapest (vehicle, position, arrival, cost estimate) for one carer of a pair,
    ranked by estimate plus own lateness (ties by vehicle, then position)."""
    d = state.d
    if not d.allowed[n]:
        return []
    grid = state.grid
    grid.refresh(state)
    rows = _room(state, n, d.np_allowed[n])
    times = grid.time[rows]
    ok = np.flatnonzero(times < BIG)
    row, pos = np.divmod(ok, times.shape[1])
    k_arr = rows[row]
    p_arr, x_arr = grid.prev[k_arr, pos], grid.next[k_arr, pos]
    mode = d.np_mode[k_arr]
    cost = d.np_cost
    arr = times.ravel()[ok] + d.np_tr[mode, p_arr, n]
    if len(d.wins[n]) > 1:
        arr = _open_all(d.wins[n], arr)
    else:
        np.maximum(arr, d.ready[n], out=arr)
    est = cost[mode, p_arr, n] + cost[mode, n, x_arr] - cost[mode, p_arr, x_arr]
    if d.v_fixed:
        est += (np.array(grid.size)[k_arr] == 1) * d.v_fixed
    if d.np_pref is not None:
        est += d.np_pref[k_arr, n]
    late = arr - d.soft_due[n]
    rank = est + np.maximum(late, 0) * (d.late_w[n] + d.max_w)
    top = np.lexsort((pos, k_arr, rank))[: d.knobs.top_pair * 2]
    return list(
        zip(
            k_arr[top].tolist(),
            pos[top].tolist(),
            arr[top].tolist(),
            est[top].tolist(),
            strict=True,
        )
    )


def _synced(d: _Data, a: int, b: int, arr_a: int, arr_b: int) -> tuple[int, int]:
    lo, hi = d.gap_lo[b], d.gap_hi[b]
    ta = max(arr_a, arr_b - hi)
    tb = max(arr_b, ta + lo)
    return ta, tb


def _commit_best(state: _State, cands: list, nodes: list[int]) -> bool:
    for cand in cands:
        _, _, k, pos = cand
        trial = state.copy()
        trial.put(k, pos, nodes[0])
        if trial.settle((k,), nodes):
            _adopt(state, trial)
            return True
    return False


def _adopt(state: _State, other: _State) -> None:
    state.routes, state.start = other.routes, other.start
    state.dep, state.end, state.brk = other.dep, other.end, other.brk
    state.grid = other.grid
    state.rcost, state.rworst, state.at = other.rcost, other.rworst, other.at
    state.load = other.load
    state.cost, state.feasible = other.cost, other.feasible


def _recreate(state: _State, visits: list[int], rng: random.Random) -> None:
    d = state.d
    order = list(visits)
    key = rng.random()
    if key < 0.4:
        rng.shuffle(order)
    elif key < 0.7:
        order.sort(key=lambda n: d.ready[n])
    else:
        order.sort(key=lambda n: -(d.partner[n] >= 0))  # two-carer visits first
    for n in order:
        if d.partner[n] >= 0:
            _insert_pair(state, n, d.partner[n], rng)
        else:
            _insert_single(state, n, rng)


def improve(
    data: Compiled,
    routes: dict[int, list[int]],
    seconds: float | None,
    seed: int,
    iterations: int = 10**9,
    guard: float | None = None,
    temperatures: tuple[float, float] = (30.0, 0.3),
    trace: list[str] | None = None,
    knobs: RuinRecreate | None = None,
    anchor: dict[int, list[int]] | None = None,
    max_moved: int | None = None,
) -> Found | None:
    """A better plan than ``routes`` (compiled vehicle -> task nodes), or None.

    Temperatures are multiples of a typical arc cost (see ``_typical_arc``), cooling over
    ``seconds`` (or over the iterations when ``seconds`` is None, for reproducible runs); they
    do not depend on the start plan, which may be poor. ``max_moved``: at most this many task
    nodes of ``anchor`` (the published plan a re-plan starts from) may end on another vehicle
    or unassigned; a candidate that moves more is refused like an infeasible one.
    """
    knobs = knobs or RuinRecreate()
    d = _prepare(data)
    d.knobs = knobs
    plan = [list(routes.get(k, [])) for k in range(len(data.vehicles))]
    cur = _State(d, plan)
    anchored = [(n, k) for k, nodes in (anchor or {}).items() for n in nodes]
    cap = INF if max_moved is None else max_moved
    if not cur.feasible or _moved(cur, anchored) > cap:
        return None
    start_cost = cur.cost
    best = cur.copy()
    near = _neighbours(data, d)
    rng = random.Random(seed)
    t0 = time.monotonic()
    limit = min(seconds if seconds is not None else INF, guard if guard is not None else INF)
    arc = _typical_arc(data, d)
    hot, cold = temperatures[0] * arc, temperatures[1] * arc
    visits = [n for n in d.tasks if d.role[n] == 0]
    it = 0
    for it in range(iterations):
        elapsed = time.monotonic() - t0
        if elapsed > limit:
            break
        progress = elapsed / seconds if seconds else it / iterations
        temp = hot * (cold / hot) ** min(1.0, progress)
        cand = cur.copy()
        size = rng.randint(2, max(2, min(knobs.ruin_max, len(visits) // 4)))
        removed = _ruin(cand, rng, near, size)
        _resettle(cand, cur)
        served = {n for r in cand.routes for n in r}
        missing = [n for n in visits if n not in served]
        _recreate(cand, list(dict.fromkeys(removed + missing)), rng)
        _resettle(cand, cur)
        if not cand.feasible or (anchored and _moved(cand, anchored) > cap):
            continue
        if cand.cost < cur.cost - temp * math.log(rng.random()):
            cur = cand
            if cand.cost < best.cost - 1e-9:
                best = cand.copy()
    if trace is not None:
        trace.append(f"lns: {it + 1} iterations, {start_cost:.2f} -> {best.cost:.2f}")
    if best.cost >= start_cost - 1e-9:
        return None
    return _found(best)


def _moved(state: _State, anchored: list[tuple[int, int]]) -> int:
    """How many anchored task nodes are no longer on their vehicle (unassigned counts)."""
    at = state.at
    return sum(1 for n, k in anchored if at[n] != k)


def _resettle(cand: _State, cur: _State) -> None:
    """Settle ``cand`` from scratch where it differs from ``cur`` (a settled plan): its
    changed routes and every route tied to them through a two-carer visit, transitively
    (the other routes' starts cannot depend on them)."""
    d, at = cand.d, cand.at
    todo = [k for k, (a, b) in enumerate(zip(cand.routes, cur.routes, strict=True)) if a != b]
    changed = set(todo)
    while todo and d.pairs:
        for n in cand.routes[todo.pop()]:
            q = d.partner[n]
            if q >= 0 and at[q] >= 0 and at[q] not in changed:
                changed.add(at[q])
                todo.append(at[q])
    cand.feasible = cand.settle(changed, cold=True)


def _found(state: _State) -> Found:
    """The plan with its settled starts and breaks, as the OR-Tools phases report one."""
    routes = {k: list(r) for k, r in enumerate(state.routes)}
    starts = {n: state.start[n] for r in state.routes for n in r}
    breaks = {k: list(b) for k, b in enumerate(state.brk) if b and state.routes[k]}
    return Found(routes, starts, breaks, 0)


def _neighbours(data: Compiled, d: _Data, keep: int = 200) -> list[list[int]]:
    """Visits (first-carer nodes) by distance, with time-window closeness as a tie-breaker:
    the ``keep`` nearest of each (a ruin takes at most a few dozen)."""
    firsts = [n for n in d.tasks if d.role[n] == 0]
    idx = np.array(firsts)
    dist = data.dist[np.ix_(idx, idx)]
    ready = np.array([d.ready[n] for n in firsts], dtype=float) / data.scale
    closeness = dist + 0.5 * np.abs(ready[:, None] - ready[None, :])
    out: list[list[int]] = [[] for _ in range(d.n)]
    order = np.argsort(closeness, axis=1)[:, : keep + 1]
    firsts_np = np.array(firsts)
    for i, n in enumerate(firsts):
        row = order[i]
        out[n] = firsts_np[row[row != i][:keep]].tolist()
    return out


def _typical_arc(data: Compiled, d: _Data) -> float:
    """Mean travel cost from a visit to its five nearest others: the scale of a move's gain."""
    idx = np.array(d.tasks)
    if len(idx) < 2:
        return 1.0
    costs = np.array(d.v_cost[0])[np.ix_(idx, idx)]
    np.fill_diagonal(costs, np.inf)
    near = np.sort(costs, axis=1)[:, : min(5, len(idx) - 1)]
    value = float(near.mean())
    return value if value > 0 else 1.0
