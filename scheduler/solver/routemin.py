"""Route elimination by ruin and recreate, for the hierarchical fewest-routes objective.

OR-Tools' local search removes a whole route only by many uphill moves, so on tight-window
instances it stalls one or two routes above the best known. This phase follows the fleet
minimisation idea of SISR (Christiaens & Vanden Berghe, 2020): drop a route, then ruin strings
of adjacent customers and greedily recreate until every customer fits again, accepting a
candidate when fewer customers stay out or those out have been out less often (absence
counters steer the search towards the hard ones).

It works in the solver's own integer time units (travel rounded up), so any plan it returns
loads into OR-Tools unchanged. It applies to the benchmark-like case only: identical vehicles,
one carer per visit, one hard window each, no breaks, pins or skills.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

from scheduler.solver.compile import Compiled

AVG_REMOVED = 10  # SISR c-bar: mean customers removed per ruin
MAX_STRING = 10  # SISR L-max
BLINK = 0.01


def applies(data: Compiled) -> bool:
    """Whether the simple model below captures every constraint of the problem."""
    p = data.problem
    first = data.shift(0)
    vehicles = data.vehicles
    for k, veh in enumerate(vehicles):
        s = data.shift(k)
        c = p.caregivers[veh.caregiver]
        if s.breaks or c.max_working_minutes is not None or s.max_overtime:
            return False
        same = (s.start_time, s.end_time, veh.start_node, veh.end_node) == (
            first.start_time,
            first.end_time,
            vehicles[0].start_node,
            vehicles[0].end_node,
        )
        if not same or c.travel_mode != data.vehicle_mode(0):
            return False
        if c.capacity != p.caregivers[vehicles[0].caregiver].capacity:
            return False
    all_vehicles = len(vehicles)
    for v in p.visits:
        if v.carers != 1 or len(v.windows) != 1 or v.windows[0].soft or v.pinned_start is not None:
            return False
    return all(len(a) == all_vehicles for a in data.allowed)


@dataclass
class _Inst:
    """Arrays over compact indices: 0 = start depot, n + 1 = end depot, 1..n customers."""

    nodes: list[int]  # compact index -> compiled node
    transit: list[list[int]]  # service(i) + travel(i, j), integer units, rounded up
    transit_in: list[list[int]]  # transposed: transit_in[j][i] = transit[i][j]
    min_out: list[int]  # least transit out of each node
    dist: list[list[float]]
    ready: list[int]
    due: list[int]
    demand: list[int]
    capacity: int
    neighbours: list[list[int]]

    @property
    def n(self) -> int:
        return len(self.nodes) - 2


def _instance(data: Compiled) -> _Inst:
    veh = data.vehicles[0]
    shift = data.shift(0)
    tasks = sorted(data.tasks, key=lambda t: t.node)
    nodes = [veh.start_node] + [t.node for t in tasks] + [veh.end_node]
    mode = data.vehicle_mode(0)
    idx = np.array(nodes)
    travel = data.time[mode][np.ix_(idx, idx)]
    service = data.service[idx]
    transit = np.ceil((travel + service[:, None]) * data.scale - 1e-9).astype(np.int64)
    ready = np.zeros(len(nodes), dtype=np.int64)
    due = np.zeros(len(nodes), dtype=np.int64)
    demand = np.zeros(len(nodes), dtype=np.int64)
    for i, t in enumerate(tasks, start=1):
        v = data.problem.visits[t.visit]
        ready[i], due[i], demand[i] = data.t(v.earliest), data.t(v.latest), v.demand
    ready[0] = ready[-1] = data.t(shift.start_time)
    due[0] = due[-1] = data.t(shift.latest_end)
    cap = data.problem.caregivers[veh.caregiver].capacity
    capacity = int(demand.sum()) if cap is None else cap
    dist = data.dist[np.ix_(idx, idx)]
    n = len(tasks)
    order = np.argsort(dist[1 : n + 1, 1 : n + 1], axis=1) + 1
    neighbours = [[int(j) for j in row if j != i + 1] for i, row in enumerate(order)]
    return _Inst(
        nodes,
        transit.tolist(),
        transit.T.tolist(),
        _min_out(transit),
        dist.tolist(),
        ready.tolist(),
        due.tolist(),
        demand.tolist(),
        capacity,
        [[]] + neighbours,
    )


def _min_out(transit: np.ndarray) -> list[int]:
    masked = transit + np.diag(np.full(len(transit), np.iinfo(np.int64).max // 4))
    return masked.min(axis=1).tolist()


class _Route:
    """A route with earliest (a) and latest (z) start times for O(1) insertion checks.

    Routes are never edited in place (``inserted``/``without`` return new ones), so copies of a
    solution share them; both update a and z only as far as the change reaches.
    """

    __slots__ = ("seq", "a", "z", "load", "length")

    def __init__(self, inst: _Inst, customers: list[int]) -> None:
        self.seq = [0, *customers, inst.n + 1]
        self.refresh(inst)

    def refresh(self, inst: _Inst) -> None:
        seq, tr = self.seq, inst.transit
        a = [0] * len(seq)
        ready, due = inst.ready, inst.due
        a[0] = ready[0]
        for k in range(1, len(seq)):
            a[k] = max(ready[seq[k]], a[k - 1] + tr[seq[k - 1]][seq[k]])
        z = [0] * len(seq)
        z[-1] = due[seq[-1]]
        for k in range(len(seq) - 2, -1, -1):
            z[k] = min(due[seq[k]], z[k + 1] - tr[seq[k]][seq[k + 1]])
        self.a, self.z = a, z
        self.load = sum(inst.demand[c] for c in seq)
        d = inst.dist
        self.length = sum(d[p][n] for p, n in zip(seq, seq[1:], strict=False))

    def inserted(self, inst: _Inst, k: int, v: int) -> _Route:
        """This route with customer v between positions k and k + 1."""
        seq = self.seq[: k + 1]
        seq.append(v)
        seq += self.seq[k + 1 :]
        r = _Route.__new__(_Route)
        r.seq, r.load = seq, self.load + inst.demand[v]
        d, p, n = inst.dist, seq[k], seq[k + 2]
        r.length = self.length + d[p][v] + d[v][n] - d[p][n]
        r.a = _forward(inst, seq, self.a, k, -1, k + 2)
        r.z = _backward(inst, seq, self.z, k + 1, k + 1, k)
        return r

    def without(self, inst: _Inst, first: int, size: int) -> _Route:
        """This route without the ``size`` customers from position first + 1."""
        old = self.seq
        seq = old[: first + 1] + old[first + size + 1 :]
        r = _Route.__new__(_Route)
        r.seq = seq
        r.load = self.load - sum(inst.demand[c] for c in old[first + 1 : first + size + 1])
        d, cut = inst.dist, old[first : first + size + 2]
        r.length = (
            self.length
            + d[cut[0]][cut[-1]]
            - sum(d[p][n] for p, n in zip(cut, cut[1:], strict=False))
        )
        r.a = _forward(inst, seq, self.a, first, size, first + 1)
        r.z = _backward(inst, seq, self.z, first, first + size + 1, first)
        return r

    @property
    def customers(self) -> list[int]:
        return self.seq[1:-1]


def _forward(inst: _Inst, seq: list[int], old: list[int], k: int, offset: int, check: int):
    """Earliest starts of ``seq`` after a change behind position k: positions up to k keep
    ``old``; from position ``check`` on, position i holds old node i + offset, so once a start
    equals the old one the rest is the old tail (a start depends only on the one before)."""
    tr, ready = inst.transit, inst.ready
    a = old[: k + 1]
    t, prev = a[k], seq[k]
    for i in range(k + 1, len(seq)):
        node = seq[i]
        t += tr[prev][node]
        if t < ready[node]:
            t = ready[node]
        if i >= check and old[i + offset] == t:
            a += old[i + offset :]
            return a
        a.append(t)
        prev = node
    return a


def _backward(inst: _Inst, seq: list[int], old: list[int], m: int, tail: int, same: int):
    """Latest starts of ``seq``: positions after m hold old[tail:] (unchanged nodes behind the
    change); positions m down to 0 are recomputed until one at or before ``same`` (a position
    holding the same node as in the old route) equals its old value."""
    tr, due = inst.transit, inst.due
    rest = old[tail:]
    t, nxt = rest[0], seq[m + 1]
    back: list[int] = []
    for i in range(m, -1, -1):
        node = seq[i]
        t -= tr[node][nxt]
        if t > due[node]:
            t = due[node]
        if i <= same and old[i] == t:
            back.reverse()
            return old[: i + 1] + back + rest
        back.append(t)
        nxt = node
    back.reverse()
    return back + rest


class _Sol:
    def __init__(self, routes: list[_Route], out: list[int]) -> None:
        self.routes = routes
        self.out = out

    def copy(self) -> _Sol:
        return _Sol(list(self.routes), list(self.out))  # routes are never edited in place


def _best_insertion(inst: _Inst, sol: _Sol, v: int, rng: random.Random) -> tuple[int, int] | None:
    """(route, gap) of the cheapest feasible insertion of customer v, with SISR blinks."""
    tr, dist = inst.transit, inst.dist
    e, due_v, q = inst.ready[v], inst.due[v], inst.demand[v]
    to_v = inst.transit_in[v]
    from_v, d_from_v = tr[v], dist[v]
    best, best_cost = None, float("inf")
    reach = e + inst.min_out[v]  # a gap whose next node must start before this is hopeless
    for ri, r in enumerate(sol.routes):
        if r.load + q > inst.capacity:
            continue
        seq, a, z = r.seq, r.a, r.z
        # a and z never decrease along a route, so the feasible gaps form a range
        first = max(0, bisect_left(z, reach, 1) - 1)
        last = bisect_right(a, due_v) - 1
        for k in range(first, min(last + 1, len(seq) - 1)):
            p, n = seq[k], seq[k + 1]
            dp = dist[p]
            cost = dp[v] + d_from_v[n] - dp[n]
            if cost >= best_cost:
                continue
            start = a[k] + to_v[p]
            if start < e:
                start = e
            if start > due_v or start + from_v[n] > z[k + 1]:
                continue
            if rng.random() >= BLINK:
                best, best_cost = (ri, k), cost
    return best


def _ruin(inst: _Inst, sol: _Sol, rng: random.Random) -> list[int]:
    """Remove strings of customers from routes near a seed customer (SISR adjacent strings)."""
    where = {c: ri for ri, r in enumerate(sol.routes) for c in r.customers}
    if not where:
        return []
    lengths = [len(r.customers) for r in sol.routes if r.customers]
    l_max = min(MAX_STRING, sum(lengths) / len(lengths))
    k_max = 4 * AVG_REMOVED / (1 + l_max) - 1
    k_s = int(rng.uniform(1, k_max + 1))
    pool = sol.out if sol.out and rng.random() < 0.5 else list(where)
    seed = rng.choice(pool)
    removed: list[int] = []
    ruined: set[int] = set()
    for c in [seed, *inst.neighbours[seed]]:
        if len(ruined) >= k_s:
            break
        ri = where.get(c)
        if ri is None or ri in ruined:
            continue
        r = sol.routes[ri]
        custs = r.customers
        size = int(rng.uniform(1, min(len(custs), l_max) + 1))
        pos = custs.index(c)
        first = rng.randint(max(0, pos - size + 1), min(pos, len(custs) - size))
        removed += custs[first : first + size]
        sol.routes[ri] = r.without(inst, first, size)
        ruined.add(ri)
    return removed


def _recreate(inst: _Inst, sol: _Sol, todo: list[int], rng: random.Random) -> None:
    key = rng.choice(("random", "random", "demand", "far", "close", "window"))
    if key == "random":
        rng.shuffle(todo)
    elif key == "demand":
        todo.sort(key=lambda c: -inst.demand[c])
    elif key == "far":
        todo.sort(key=lambda c: -inst.dist[0][c])
    elif key == "close":
        todo.sort(key=lambda c: inst.dist[0][c])
    else:
        todo.sort(key=lambda c: inst.due[c] - inst.ready[c])
    out = []
    for v in todo:
        spot = _best_insertion(inst, sol, v, rng)
        if spot is None:
            out.append(v)
            continue
        ri, k = spot
        sol.routes[ri] = sol.routes[ri].inserted(inst, k, v)
    sol.out = out


def _eliminate(
    inst: _Inst, sol: _Sol, rng: random.Random, deadline: float, iters: int
) -> _Sol | None:
    """Remove one route and rebuild until every customer fits; None if the budget runs out."""
    sizes = [len(r.customers) for r in sol.routes]
    if len(sizes) <= 1:
        return None
    smallest = sorted(range(len(sizes)), key=lambda i: sizes[i])[:3]
    victim = smallest[0] if rng.random() < 0.6 else rng.choice(smallest)
    cur = _Sol([r for i, r in enumerate(sol.routes) if i != victim], [])
    cur = cur.copy()
    _recreate(inst, cur, list(sol.routes[victim].customers), rng)
    absence = [0] * (inst.n + 2)
    for it in range(iters):
        if not cur.out:
            return cur
        if it % 32 == 0 and time.monotonic() > deadline:
            return None
        cand = cur.copy()
        removed = _ruin(inst, cand, rng)
        _recreate(inst, cand, removed + cand.out, rng)
        for c in cand.out:
            absence[c] += 1
        if len(cand.out) < len(cur.out) or sum(absence[c] for c in cand.out) < sum(
            absence[c] for c in cur.out
        ):
            cur = cand
    return cur if not cur.out else None


def reduce(
    data: Compiled,
    routes: dict[int, list[int]],
    seconds: float | None,
    seed: int,
    iterations: int = 200_000,
    trace: list[str] | None = None,
    lower_bound: int = 1,
) -> dict[int, list[int]] | None:
    """Fewer routes serving every customer served in ``routes``; None if none was found.

    ``seconds`` None makes the run reproducible (an iteration budget only).
    """
    served = [n for r in routes.values() for n in r]
    if len(served) != len(data.tasks):
        return None  # the simple model assumes every customer is served
    inst = _instance(data)
    compact = {node: i for i, node in enumerate(inst.nodes)}
    sol = _Sol([_Route(inst, [compact[n] for n in r]) for r in routes.values() if r], [])
    rng = random.Random(seed)
    t0 = time.monotonic()
    deadline = t0 + seconds if seconds is not None else float("inf")
    improved = None
    while time.monotonic() < deadline and len(sol.routes) > lower_bound:
        smaller = _eliminate(inst, sol, rng, deadline, iterations)
        if smaller is None:
            break
        sol = improved = smaller
        if trace is not None:
            trace.append(f"{len(sol.routes)} routes after {time.monotonic() - t0:.1f}s")
    if improved is None:
        return None
    keys = [k for k, r in routes.items() if r]
    out = {k: [] for k in routes}
    for k, r in zip(keys, sol.routes, strict=False):
        out[k] = [inst.nodes[c] for c in r.customers]
    return out


def _distance(inst: _Inst, sol: _Sol) -> float:
    return sum(r.length for r in sol.routes)  # kept up to date by every route change


def optimise(
    data: Compiled,
    routes: dict[int, list[int]],
    seconds: float | None,
    seed: int,
    iterations: int = 10**7,
    temperatures: tuple[float, float] = (5.0, 0.05),
    guard: float | None = None,
) -> dict[int, list[int]]:
    """Shorter routes on the same fleet: SISR ruin and recreate under simulated annealing.

    ``temperatures`` (start, end) are multiples of the mean arc length of the first plan. The
    temperature follows ``seconds`` when given, else the iteration count (reproducible);
    ``guard`` is a wall-clock safety limit for the latter.
    """
    inst = _instance(data)
    compact = {node: i for i, node in enumerate(inst.nodes)}
    keys = [k for k, r in routes.items() if r]
    cur = _Sol([_Route(inst, [compact[n] for n in routes[k]]) for k in keys], [])
    cur_cost = _distance(inst, cur)
    best, best_cost = cur.copy(), cur_cost
    rng = random.Random(seed)
    t0 = time.monotonic()
    budget = seconds if seconds is not None else float("inf")
    limit = min(budget, guard if guard is not None else float("inf"))
    mean_arc = cur_cost / max(1, inst.n + len(keys))
    hot, cold = temperatures[0] * mean_arc, temperatures[1] * mean_arc
    for it in range(iterations):
        elapsed = time.monotonic() - t0
        if elapsed > limit:
            break
        progress = elapsed / budget if seconds is not None else it / iterations
        temp = hot * (cold / hot) ** progress
        cand = cur.copy()
        removed = _ruin(inst, cand, rng)
        _recreate(inst, cand, removed, rng)
        if cand.out:
            continue
        cost = _distance(inst, cand)
        if cost < cur_cost - temp * math.log(rng.random()):
            cur, cur_cost = cand, cost
            if cost < best_cost - 1e-9:
                best, best_cost = cand.copy(), cost
    out: dict[int, list[int]] = {k: [] for k in routes}
    for k, r in zip(keys, best.routes, strict=True):
        out[k] = [inst.nodes[c] for c in r.customers]
    return out


def plan_cost(data: Compiled, routes: dict[int, list[int]]) -> int:
    """The OR-Tools objective of a complete plan of this simple model (integer cost units)."""
    w = data.problem.weights
    mode = data.vehicle_mode(0)
    total = 0.0
    for k, r in routes.items():
        if not r:
            continue
        veh = data.vehicles[k]
        seq = [veh.start_node, *r, veh.end_node]
        total += w.travel * sum(data.time[mode][a, b] for a, b in zip(seq, seq[1:], strict=False))
        total += w.caregiver_used
    return data.cost(total)
