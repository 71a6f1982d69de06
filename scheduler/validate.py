"""Independent re-check of benchmark solutions (shares no code with the solver).

It recomputes feasibility and the benchmark's own objective in double precision
from the raw instance, so a solver bug cannot hide behind its own bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from os import PathLike

from scheduler.formats.hhcrsp import HhcInstance, read_hhcrsp
from scheduler.formats.solomon import SolomonInstance, read_solomon

EPS = 1e-6  # slack on time comparisons: sums of float distances drift in the last bits
REPORT_TOL = 0.005  # reported figures may be rounded to 2 decimals


@dataclass(frozen=True)
class Report:
    feasible: bool
    violations: tuple[str, ...]
    vehicles: int
    distance: float
    tardiness: float = 0.0
    max_tardiness: float = 0.0
    objective: float = 0.0


def validate_solomon(inst: SolomonInstance, routes: list[list[int]]) -> Report:
    """Every customer once, capacity, start of service <= due, back at the depot by its due."""
    used = [r for r in routes if r]
    violations = _coverage(
        [c for r in used for c in r], range(1, len(inst.x)), lambda c: f"customer {c}"
    )
    if len(used) > inst.vehicles:
        violations.append(f"{len(used)} routes exceed the fleet of {inst.vehicles}")
    distance = 0.0
    for k, route in enumerate(used):
        valid = [c for c in route if 1 <= c < len(inst.x)]
        load = sum(inst.demand[c] for c in valid)
        if load > inst.capacity:
            violations.append(f"route {k}: load {load} exceeds capacity {inst.capacity}")
        dist, late = _solomon_route(inst, valid)
        distance += dist
        violations.extend(f"route {k}: {msg}" for msg in late)
    return Report(not violations, tuple(violations), len(used), distance, objective=distance)


def _solomon_route(inst: SolomonInstance, route: list[int]) -> tuple[float, list[str]]:
    """Distance of depot -> route -> depot and the time-window breaches along it."""
    late: list[str] = []
    t, prev, dist = inst.ready[0], 0, 0.0
    for c in route:
        leg = inst.distance(prev, c)
        dist += leg
        t = max(t + leg, inst.ready[c])
        if t > inst.due[c] + EPS:
            late.append(f"customer {c} starts at {t:.4f} after its due {inst.due[c]:g}")
        t += inst.service[c]
        prev = c
    if route:
        leg = inst.distance(prev, 0)
        dist += leg
        t += leg
        if t > inst.due[0] + EPS:
            late.append(f"returns to the depot at {t:.4f} after {inst.due[0]:g}")
    return dist, late


def validate_hhcrsp(inst: HhcInstance, routes: list[list[tuple[int, int]]]) -> Report:
    """Coverage, skills, two carers per double patient, earliest start times with sync gaps."""
    violations: list[str] = []
    if len(routes) != inst.n_vehicles:
        violations.append(f"{len(routes)} routes given for {inst.n_vehicles} caregivers")
    routes = [[(int(n), int(s)) for n, s in r] for r in routes[: inst.n_vehicles]]
    required = [(p, s) for p in inst.patients for s in inst.services_of(p)]
    violations += _coverage([t for r in routes for t in r], required, _task_name)
    violations += _skills(inst, routes)
    violations += _distinct_carers(inst, routes)
    tasks = {t for t in required if sum(r.count(t) for r in routes) == 1}
    starts, cycle = _earliest_starts(inst, [[t for t in r if t in tasks] for r in routes])
    if cycle:
        violations.append("start times cannot meet the synchronisation gaps (cyclic order)")
    distance = sum(_hhc_route_distance(inst, r) for r in routes)
    tardy = [max(0.0, t - inst.latest[node]) for (node, _), t in starts.items()]
    total, worst = sum(tardy), max(tardy, default=0.0)
    return Report(
        feasible=not violations,
        violations=tuple(violations),
        vehicles=sum(1 for r in routes if r),
        distance=distance,
        tardiness=total,
        max_tardiness=worst,
        objective=(distance + total + worst) / 3.0,
    )


def _task_name(task: tuple[int, int]) -> str:
    return f"patient {task[0]} service {task[1]}"


def _coverage(visited: list, required, name) -> list[str]:
    """Missing, duplicated and unexpected items, each named."""
    counts = Counter(visited)
    needed = set(required)
    out = [f"{name(x)} is not served" for x in required if counts[x] == 0]
    out += [f"{name(x)} is served {n} times" for x, n in counts.items() if x in needed and n > 1]
    out += [f"{name(x)} is not a required visit" for x in counts if x not in needed]
    return out


def _skills(inst: HhcInstance, routes: list[list[tuple[int, int]]]) -> list[str]:
    out = []
    for k, route in enumerate(routes):
        for node, s in route:
            if 0 <= s < inst.n_services and not inst.qualified[k][s]:
                out.append(f"caregiver {k} is not qualified for service {s} (patient {node})")
    return out


def _distinct_carers(inst: HhcInstance, routes: list[list[tuple[int, int]]]) -> list[str]:
    out = []
    for k, route in enumerate(routes):
        nodes = Counter(node for node, _ in route)
        for node in sorted(inst.double_service):
            if nodes[node] > 1:
                out.append(f"caregiver {k} does both services of double patient {node}")
    return out


def _hhc_route_distance(inst: HhcInstance, route: list[tuple[int, int]]) -> float:
    if not route:
        return 0.0
    path = [0, *(node for node, _ in route), inst.n_nodes - 1]
    return sum(inst.dist[a][b] for a, b in zip(path, path[1:], strict=False))


def _earliest_starts(
    inst: HhcInstance, routes: list[list[tuple[int, int]]]
) -> tuple[dict[tuple[int, int], float], bool]:
    """Least start times meeting routes, windows' earliest and sync gaps (t2 - t1 in
    [mind, maxd]); all are lower-bound difference constraints, so Bellman-Ford style
    propagation reaches the fixed point, unless a positive cycle makes it diverge."""
    edges = _time_edges(inst, routes)
    starts = {t: inst.earliest[t[0]] for r in routes for t in r}
    for r in routes:
        if r:
            first = r[0][0]
            starts[r[0]] = max(starts[r[0]], inst.earliest[0] + inst.dist[0][first])
    for _ in range(len(starts) + 1):
        changed = False
        for src, dst, weight in edges:
            if starts[src] + weight > starts[dst] + 1e-9:
                starts[dst] = starts[src] + weight
                changed = True
        if not changed:
            return starts, False
    return starts, True


def _time_edges(
    inst: HhcInstance, routes: list[list[tuple[int, int]]]
) -> list[tuple[tuple[int, int], tuple[int, int], float]]:
    """Edges (a, b, w) meaning start[b] >= start[a] + w."""
    edges = []
    for r in routes:
        for a, b in zip(r, r[1:], strict=False):
            edges.append((a, b, inst.proc[a[0]][a[1]] + inst.dist[a[0]][b[0]]))
    present = {t for r in routes for t in r}
    for node in sorted(inst.double_service):
        s1, s2 = inst.services_of(node)
        first, second = (node, s1), (node, s2)
        if first in present and second in present:
            edges.append((first, second, inst.min_gap[node]))
            edges.append((second, first, -inst.max_gap[node]))
    return edges


def validate_output(fmt: str, instance_path: str | PathLike[str], output: dict) -> Report:
    """Check a CLI JSON answer (DESIGN.md §5), including its own reported figures."""
    routes = output.get("routes")
    if not isinstance(routes, list) or not all(isinstance(r, list) for r in routes):
        raise ValueError("output['routes'] must be a list of lists")
    if fmt == "solomon":
        report = validate_solomon(
            read_solomon(instance_path), [[int(c) for c in r] for r in routes]
        )
    elif fmt == "hhcrsp":
        pairs = [[_pair(e) for e in r] for r in routes]
        report = validate_hhcrsp(read_hhcrsp(instance_path), pairs)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected solomon or hhcrsp)")
    extra = _reported_mismatches(report, output)
    if not extra:
        return report
    return replace(report, feasible=False, violations=report.violations + tuple(extra))


def _pair(entry) -> tuple[int, int]:
    if not isinstance(entry, list | tuple) or len(entry) != 2:
        raise ValueError(f"hhcrsp route entries must be [node, service], got {entry!r}")
    return int(entry[0]), int(entry[1])


def _reported_mismatches(report: Report, output: dict) -> list[str]:
    out = []
    if output.get("unassigned"):
        out.append(f"solver reports {len(output['unassigned'])} unassigned visits")
    for key in ("distance", "objective"):
        claimed = output.get(key)
        actual = getattr(report, key)
        if claimed is not None and abs(float(claimed) - actual) > REPORT_TOL + 1e-6 * abs(actual):
            out.append(f"reported {key} {float(claimed):.4f} differs from recomputed {actual:.4f}")
    claimed_vehicles = output.get("vehicles")
    if claimed_vehicles is not None and int(claimed_vehicles) != report.vehicles:
        out.append(f"reported {claimed_vehicles} vehicles, routes use {report.vehicles}")
    return out


# --- station days (the JSON Problem model) ---------------------------------------------------


@dataclass(frozen=True)
class PlanReport:
    """Feasibility and the figures of a timed plan, recomputed from the problem alone."""

    feasible: bool
    violations: tuple[str, ...]
    served: int  # visits with every carer present
    unassigned: int
    travel: float  # minutes
    distance: float  # km (geo) or problem units
    lateness: float  # minutes past soft windows
    routes: int


def validate_plan(problem, plan: dict) -> PlanReport:
    """Check a timed plan of a ``scheduler.model.Problem`` from any solver.

    ``plan["routes"]``: ``{"caregiver", "shift", "stops": [[visit id, carer, start]],
    "breaks": [[start, duration]]}``. Each stop starts inside a hard window (or after the soft
    one), after the previous stop's end plus the travel to it plus any break taken in between;
    every break of a used shift lies inside its own window; the caregiver holds the skills, sex
    and is not excluded; both carers of a two-carer visit are present, on two caregivers, at
    the synchronised gap; the shift is respected at both ends; a shift's visits' demand stays
    within the caregiver's capacity; from leaving (as late as the first stop allows, breaks
    before it included) to being back, a caregiver's shifts sum to at most its working limit.
    """
    from scheduler.travel import distance_matrix, time_matrix

    visits = {v.id: v for v in problem.visits}
    out: list[str] = []
    seen: dict[tuple[str, int], tuple[str, float]] = {}
    travel = distance = lateness = 0.0
    used = 0
    worked: dict[str, float] = {}  # caregiver -> minutes from leaving to being back

    def leg(a, b, mode) -> tuple[float, float]:
        t = float(time_matrix(problem.travel, [a, b], mode)[0, 1])
        return t, float(distance_matrix(problem.travel, [a, b])[0, 1])

    for r in plan.get("routes", []):
        cg = problem.caregiver(r["caregiver"])
        shift = cg.shifts[int(r.get("shift", 0))]
        stops = [(str(v), int(k), float(t)) for v, k, t in r.get("stops", [])]
        if not stops:
            continue
        used += 1
        name = f"{cg.id}"
        breaks = sorted((float(s), float(d)) for s, d in r.get("breaks", []))
        out += _break_windows(name, shift, breaks)
        place, ready = shift.start, shift.start_time
        for vid, carer, start in stops:
            v = visits.get(vid)
            if v is None or carer >= v.carers or (vid, carer) in seen:
                out.append(f"{name}: stop {vid}/{carer} unknown or repeated")
                continue
            seen[(vid, carer)] = (cg.id, start)
            minutes, km = leg(place, v.location, cg.travel_mode)
            travel, distance = travel + minutes, distance + km
            pause = sum(d for s, d in breaks if ready - EPS <= s and s + d <= start + EPS)
            if start + EPS < ready + minutes + pause:
                out.append(f"{name}: {vid} starts at {start:.2f} before it can be reached")
            late, msg = _window_check(v, start)
            lateness += late
            out += [f"{name}: {vid} {msg}"] if msg else []
            out += [f"{name}: {vid} {m}" for m in _who_check(v, carer, cg)]
            place, ready = v.location, start + v.duration_of(carer)
        load = sum(visits[vid].demand for vid, _, _ in stops if vid in visits)
        if cg.capacity is not None and load > cg.capacity:
            out.append(f"{name}: load {load} exceeds capacity {cg.capacity}")
        minutes, km = leg(place, shift.end, cg.travel_mode)
        travel, distance = travel + minutes, distance + km
        pause = sum(d for s, d in breaks if ready - EPS <= s)
        if ready + minutes + pause > shift.latest_end + EPS:
            out.append(f"{name}: back at {ready + minutes + pause:.2f} after {shift.latest_end}")
        first = visits.get(stops[0][0])
        if first is not None:
            leave = stops[0][2] - leg(shift.start, first.location, cg.travel_mode)[0]
            leave = min([leave] + [s for s, d in breaks if s + d <= stops[0][2] + EPS])
            worked[cg.id] = worked.get(cg.id, 0.0) + ready + minutes + pause - leave
        for s, d in breaks:
            clash = [
                vid
                for vid, k, t in stops
                if t < s + d - EPS and s < t + visits[vid].duration_of(k) - EPS
            ]
            if clash:
                out.append(f"{name}: break at {s:.2f} overlaps {clash[0]}")
    for cid, minutes in worked.items():
        limit = problem.caregiver(cid).max_working_minutes
        if limit is not None and minutes > limit + EPS:
            out.append(f"{cid}: works {minutes:.2f} min, more than {limit:g}")
    served = 0
    for v in problem.visits:
        got = [seen[(v.id, k)] for k in range(v.carers) if (v.id, k) in seen]
        if not got:
            continue
        if len(got) < v.carers:
            out.append(f"{v.id}: only {len(got)} of {v.carers} carers")
            continue
        if v.carers == 2:
            out += _sync_check(v, got)
        served += 1
    return PlanReport(
        not out, tuple(out), served, len(problem.visits) - served, travel, distance, lateness, used
    )


def _break_windows(name: str, shift, breaks: list[tuple[float, float]]) -> list[str]:
    out = []
    if len(breaks) != len(shift.breaks):
        out.append(f"{name}: {len(breaks)} breaks taken, the shift has {len(shift.breaks)}")
    for b, (s, d) in zip(sorted(shift.breaks, key=lambda b: b.earliest), breaks, strict=False):
        if d + EPS < b.duration or s + EPS < b.earliest or s + b.duration > b.latest + EPS:
            out.append(f"{name}: break at {s:.2f} for {d:g} outside [{b.earliest}, {b.latest}]")
    return out


def _window_check(v, start: float) -> tuple[float, str]:
    """Lateness past a soft last window, or a message when no window admits the start."""
    if not v.admits(start):
        return 0.0, f"starts at {start:.2f} outside its windows"
    last = v.windows[-1]
    return (start - last.end if last.soft and start > last.end + EPS else 0.0), ""


def _who_check(v, carer: int, cg) -> list[str]:
    out = []
    if not v.skills_of(carer) <= cg.skills:
        out.append(f"needs skills {sorted(v.skills_of(carer) - cg.skills)} {cg.id} lacks")
    if cg.id in v.excluded_caregivers:
        out.append(f"excludes {cg.id}")
    if v.sex_preference is not None and cg.sex != v.sex_preference:
        out.append(f"asks for sex {v.sex_preference}")
    if len(v.pinned_caregivers) > carer and v.pinned_caregivers[carer] != cg.id:
        out.append(f"is pinned to {v.pinned_caregivers[carer]}")
    return out


def _sync_check(v, got: list[tuple[str, float]]) -> list[str]:
    (c0, t0), (c1, t1) = got
    out = []
    if c0 == c1:
        out.append(f"{v.id}: both carers are {c0}")
    gap = t1 - t0
    if not v.sync.min_gap - EPS <= gap <= v.sync.max_gap + EPS:
        out.append(f"{v.id}: second carer starts {gap:.2f} after the first")
    return out


@dataclass(frozen=True)
class MealReport:
    feasible: bool
    violations: tuple[str, ...]
    served: int
    unassigned: int
    travel: float


def validate_meals(rounds, plan: dict) -> MealReport:
    """Check a meal-round plan of a ``scheduler.model.MealRounds`` from any solver.

    ``plan["routes"]``: ``{"deliverer", "events": [[meal id, "pickup" | "delivery", time]]}``.
    Each meal is collected once and delivered once by the same deliverer, collection first, at
    its kitchen no earlier than the kitchen's ready time, handed over inside its window at most
    ``max_ride`` minutes after collection; no more meals in the bag than the deliverer's
    capacity; every event reachable from the previous one (handover included) within the shift.
    """
    from scheduler.travel import time_matrix

    meals = {m.id: m for m in rounds.meals}
    out: list[str] = []
    picked: dict[str, tuple[str, float]] = {}
    delivered: dict[str, tuple[str, float]] = {}
    travel = 0.0

    def leg(a, b, mode) -> float:
        return float(time_matrix(rounds.travel, [a, b], mode)[0, 1])

    for r in plan.get("routes", []):
        c = rounds.deliverer(r["deliverer"])
        shift = c.shifts[0]
        events = [(str(m), str(kind), float(t)) for m, kind, t in r.get("events", [])]
        if not events:
            continue
        place, ready, load = shift.start, shift.start_time, 0
        for mid, kind, t in events:
            m = meals.get(mid)
            seen = picked if kind == "pickup" else delivered
            if m is None or kind not in ("pickup", "delivery") or mid in seen:
                out.append(f"{c.id}: {kind} of {mid} unknown or repeated")
                continue
            seen[mid] = (c.id, t)
            kitchen = rounds.kitchen(m.kitchen)
            there = kitchen.location if kind == "pickup" else m.location
            minutes = leg(place, there, c.travel_mode)
            travel += minutes
            if t + EPS < ready + minutes:
                out.append(f"{c.id}: {kind} of {mid} at {t:.2f} before it can be reached")
            if kind == "pickup":
                load += 1
                if t + EPS < kitchen.ready:
                    out.append(f"{c.id}: {mid} collected at {t:.2f} before it is ready")
                if c.capacity is not None and load > c.capacity:
                    out.append(f"{c.id}: {load} meals carried, capacity {c.capacity}")
                place, ready = there, t
                continue
            load -= 1
            got = picked.get(mid)
            if got is None or got[0] != c.id:
                out.append(f"{c.id}: {mid} delivered without being collected on this route")
            elif t - got[1] > m.max_ride + EPS:
                out.append(f"{c.id}: {mid} rode {t - got[1]:.2f} min, limit {m.max_ride:g}")
            if not m.window.start - EPS <= t <= m.window.end + EPS:
                out.append(f"{c.id}: {mid} delivered at {t:.2f} outside its window")
            place, ready = there, t + m.handover
        back = ready + leg(place, shift.end, c.travel_mode)
        travel += back - ready
        if back > shift.latest_end + EPS:
            out.append(f"{c.id}: back at {back:.2f} after {shift.latest_end}")
    for mid in picked.keys() - delivered.keys():
        out.append(f"{mid}: collected but never delivered")
    unassigned = set(plan.get("unassigned", []))
    served = len(delivered.keys() & picked.keys())
    missing = set(meals) - delivered.keys() - unassigned
    if missing:
        out.append(f"meals neither delivered nor unassigned: {sorted(missing)}")
    return MealReport(not out, tuple(out), served, len(meals) - served, travel)
