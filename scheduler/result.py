"""The result of a solve: per-caregiver routes with times, totals, unassigned visits, costs.

``evaluate`` recomputes every figure in floating point from the route orders alone (earliest
feasible start times, two-carer synchronisation settled by fixed-point propagation), so the
reported objective never depends on the solver's integer scaling, and callers (explanations,
re-planning) can price any plan they build themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scheduler.model import Problem, Visit
from scheduler.travel import distance_matrix, time_matrix

EPS = 1e-6


@dataclass(frozen=True)
class ScheduledVisit:
    """One caregiver at one visit of a route (a route's stop; "Stop" alone names the stopping
    criteria of scheduler.solver.params). ``carer`` is 0, or 1 for the second carer of a pair."""

    visit_id: str
    carer: int
    arrival: float
    start: float
    end: float
    travel: float
    distance: float
    waiting: float
    lateness: float


@dataclass(frozen=True)
class BreakTaken:
    start: float
    duration: float


@dataclass(frozen=True)
class Route:
    """One shift of one caregiver (``shift`` indexes Caregiver.shifts)."""

    caregiver_id: str
    shift: int
    stops: tuple[ScheduledVisit, ...]  # the route's stops, in order
    start_time: float
    end_time: float
    travel: float
    distance: float
    waiting: float
    service: float
    overtime: float
    breaks: tuple[BreakTaken, ...] = ()

    @property
    def visit_ids(self) -> tuple[str, ...]:
        return tuple(s.visit_id for s in self.stops)

    @property
    def working_minutes(self) -> float:
        return self.end_time - self.start_time if self.stops else 0.0


@dataclass(frozen=True)
class Costs:
    """The objective split by term, in the units of Weights (weighted minutes)."""

    travel: float = 0.0
    unassigned: float = 0.0
    lateness: float = 0.0
    max_lateness: float = 0.0
    overtime: float = 0.0
    continuity: float = 0.0
    fairness: float = 0.0
    caregiver_used: float = 0.0
    wage: float = 0.0
    extra: float = 0.0

    @property
    def total(self) -> float:
        return sum(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class SearchStats:
    wall_s: float = 0.0
    solutions: int = 0
    status: str = ""
    phases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Solution:
    """Routes (one per caregiver shift, in problem order, empty ones included) and totals."""

    routes: tuple[Route, ...]
    unassigned: tuple[str, ...]
    costs: Costs
    stats: SearchStats = field(default_factory=SearchStats)

    @property
    def objective(self) -> float:
        return self.costs.total

    @property
    def travel(self) -> float:
        return sum(r.travel for r in self.routes)

    @property
    def distance(self) -> float:
        return sum(r.distance for r in self.routes)

    @property
    def waiting(self) -> float:
        return sum(r.waiting for r in self.routes)

    @property
    def overtime(self) -> float:
        return sum(r.overtime for r in self.routes)

    @property
    def lateness(self) -> float:
        return sum(s.lateness for r in self.routes for s in r.stops)

    @property
    def max_lateness(self) -> float:
        return max((s.lateness for r in self.routes for s in r.stops), default=0.0)

    @property
    def used_routes(self) -> int:
        return sum(1 for r in self.routes if r.stops)

    def assignment(self) -> dict[str, tuple[str, ...]]:
        """Visit id -> the caregivers serving it, in carer order."""
        out: dict[str, list[tuple[int, str]]] = {}
        for r in self.routes:
            for s in r.stops:
                out.setdefault(s.visit_id, []).append((s.carer, r.caregiver_id))
        return {v: tuple(c for _, c in sorted(pairs)) for v, pairs in out.items()}

    def plan(self) -> dict[tuple[str, int], list[tuple[str, int]]]:
        """(caregiver id, shift) -> [(visit id, carer)]: the input ``evaluate`` and warm starts take."""
        return {
            (r.caregiver_id, r.shift): [(s.visit_id, s.carer) for s in r.stops] for r in self.routes
        }


Plan = Mapping[tuple[str, int], Sequence[tuple[str, int]]]
BreakPlan = Mapping[tuple[str, int], Sequence[BreakTaken]]


class _Geometry:
    """Float travel times and distances between every place a plan can touch."""

    def __init__(self, problem: Problem) -> None:
        places = [v.location for v in problem.visits]
        for c in problem.caregivers:
            for s in c.shifts:
                places += [s.start, s.end]
        self.index = {id(p): i for i, p in enumerate(places)}
        self.dist = distance_matrix(problem.travel, places)
        modes = {c.travel_mode for c in problem.caregivers}
        self.time = {m: time_matrix(problem.travel, places, m) for m in modes}

    def of(self, place: object) -> int:
        return self.index[id(place)]


def evaluate(
    problem: Problem,
    plan: Plan,
    starts: Mapping[tuple[str, int], float] | None = None,
    breaks: BreakPlan | None = None,
    extra_cost: float = 0.0,
    stats: SearchStats | None = None,
) -> Solution:
    """Schedule a plan at earliest start times and price it with the problem's weights.

    ``starts`` gives optional lower bounds on start times (e.g. the solver's own, needed when a
    route holds breaks, which push visits later). Visits not in the plan are unassigned.
    """
    geo = _Geometry(problem)
    visits = {v.id: v for v in problem.visits}
    times = _earliest_starts(problem, plan, geo, visits, starts or {}, breaks or {})
    routes = []
    for c in problem.caregivers:
        for k, shift in enumerate(c.shifts):
            seq = list(plan.get((c.id, k), ()))
            routes.append(_route(problem, geo, visits, c.id, k, shift, seq, times, breaks or {}))
    served = {s.visit_id for r in routes for s in r.stops}
    unassigned = tuple(v.id for v in problem.visits if v.id not in served)
    costs = _costs(problem, routes, unassigned, extra_cost)
    return Solution(tuple(routes), unassigned, costs, stats or SearchStats())


def _earliest_starts(problem, plan, geo, visits, lower, breaks) -> dict[tuple[str, int], float]:
    """Start time of each (visit, carer), propagated to a fixed point over sync constraints."""
    bound: dict[tuple[str, int], float] = dict(lower)
    for _ in range(4 * len(problem.visits) + 10):
        times = _forward(problem, plan, geo, visits, bound, breaks)
        changed = False
        for vid, v in visits.items():
            if v.carers != 2 or (vid, 0) not in times or (vid, 1) not in times:
                continue
            t0, t1 = times[(vid, 0)], times[(vid, 1)]
            lo, hi = v.sync.min_gap, v.sync.max_gap  # type: ignore[union-attr]
            if t1 < t0 + lo - EPS:
                bound[(vid, 1)], changed = t0 + lo, True
            elif t1 > t0 + hi + EPS:
                bound[(vid, 0)], changed = t1 - hi, True
        if not changed:
            return times
    return times


def _forward(problem, plan, geo, visits, bound, breaks) -> dict[tuple[str, int], float]:
    times: dict[tuple[str, int], float] = {}
    for c in problem.caregivers:
        tt = geo.time[c.travel_mode]
        for k, shift in enumerate(c.shifts):
            t, here = shift.start_time, geo.of(shift.start)
            pauses = sorted(breaks.get((c.id, k), ()), key=lambda b: b.start)
            for vid, carer in plan.get((c.id, k), ()):
                v = visits[vid]
                there = geo.of(v.location)
                t = _start_in_windows(
                    v, carer, t + tt[here, there], bound.get((vid, carer), -np.inf)
                )
                for b in pauses:
                    if b.start < t + v.duration_of(carer) - EPS and b.start + b.duration > t + EPS:
                        t = b.start + b.duration
                times[(vid, carer)] = t
                t, here = t + v.duration_of(carer), there
    return times


def _start_in_windows(v: Visit, carer: int, arrival: float, bound: float) -> float:
    t = max(float(arrival), float(bound))
    if v.pinned_start is not None and (carer == 0 or v.sync.mode == "together"):  # type: ignore[union-attr]
        t = max(t, v.pinned_start)
    w = v.window_from(t)
    return t if w is None else max(t, w.start)  # past every window: late, the validator says so


def _route(problem, geo, visits, cid, k, shift, seq, times, breaks) -> Route:
    c = problem.caregiver(cid)
    tt = geo.time[c.travel_mode]
    here, prev_end = geo.of(shift.start), shift.start_time
    stops: list[ScheduledVisit] = []
    first = True
    start_time = shift.start_time
    for vid, carer in seq:
        v = visits[vid]
        there = geo.of(v.location)
        travel, dist = float(tt[here, there]), float(geo.dist[here, there])
        start = float(times[(vid, carer)])
        if first:
            start_time = max(shift.start_time, start - travel)
            prev_end, first = start_time, False
        arrival = prev_end + travel
        late = max(0.0, start - v.latest)
        end = start + v.duration_of(carer)
        stops.append(
            ScheduledVisit(vid, carer, arrival, start, end, travel, dist, start - arrival, late)
        )
        here, prev_end = there, end
    back = geo.of(shift.end)
    end_travel = float(tt[here, back]) if stops else 0.0
    end_time = prev_end + end_travel if stops else shift.start_time
    taken = tuple(breaks.get((cid, k), ())) if stops else ()
    pause = sum(b.duration for b in taken)
    return Route(
        caregiver_id=cid,
        shift=k,
        stops=tuple(stops),
        start_time=start_time,
        end_time=end_time,
        travel=sum(s.travel for s in stops) + end_travel,
        distance=sum(s.distance for s in stops) + (float(geo.dist[here, back]) if stops else 0.0),
        waiting=max(0.0, sum(s.waiting for s in stops) - pause),
        service=sum(s.end - s.start for s in stops),
        overtime=max(0.0, end_time - shift.end_time) if stops else 0.0,
        breaks=taken,
    )


def _costs(problem: Problem, routes: list[Route], unassigned, extra: float) -> Costs:
    w = problem.weights
    visits = {v.id: v for v in problem.visits}
    lateness = sum(s.lateness * _late_weight(visits[s.visit_id]) for r in routes for s in r.stops)
    max_late = max((s.lateness for r in routes for s in r.stops), default=0.0)
    continuity = sum(
        1
        for r in routes
        for s in r.stops
        if visits[s.visit_id].preferred_caregivers
        and r.caregiver_id not in visits[s.visit_id].preferred_caregivers
    )
    used = [r for r in routes if r.stops]
    wage = sum(
        r.working_minutes * problem.caregiver(r.caregiver_id).cost_per_hour / 60 for r in used
    )
    span = max((r.end_time for r in used), default=0.0) - min(
        (r.start_time for r in used), default=0.0
    )
    return Costs(
        travel=w.travel * sum(r.travel for r in routes),
        unassigned=sum(w.unassigned_penalty(visits[v]) for v in unassigned),
        lateness=w.lateness * lateness,
        max_lateness=w.max_lateness * max_late,
        overtime=w.overtime * sum(r.overtime for r in routes),
        continuity=w.continuity * continuity,
        fairness=w.fairness * span,
        caregiver_used=w.caregiver_used * len(used),
        wage=w.wage * wage,
        extra=extra,
    )


def _late_weight(v: Visit) -> float:
    last = v.windows[-1]
    return last.lateness_weight if last.soft else 0.0


# --- meal rounds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealEvent:
    """A deliverer collecting (``pickup``, at the kitchen) or handing over (``delivery``, at the
    door) one meal, starting at ``time``."""

    meal_id: str
    kind: str  # "pickup" | "delivery"
    time: float


@dataclass(frozen=True)
class MealRoute:
    """One deliverer's lunch: the events in order (several trips when the load empties)."""

    deliverer_id: str
    events: tuple[MealEvent, ...]
    travel: float

    @property
    def trips(self) -> int:
        """Trips from a kitchen: how often the deliverer sets out with an empty bag."""
        load, trips = 0, 0
        for e in self.events:
            if e.kind == "pickup":
                trips += load == 0
                load += 1
            else:
                load -= 1
        return trips


@dataclass(frozen=True)
class MealPlan:
    routes: tuple[MealRoute, ...]
    unassigned: tuple[str, ...]
    travel: float
    stats: SearchStats = field(default_factory=lambda: SearchStats())

    def ride(self, meal_id: str) -> float | None:
        """Minutes between collection and handover of a delivered meal."""
        times = {e.kind: e.time for r in self.routes for e in r.events if e.meal_id == meal_id}
        return times["delivery"] - times["pickup"] if len(times) == 2 else None

    def to_json(self) -> dict:
        """The plan in the validator's shape (scheduler.validate.validate_meals)."""
        return {
            "routes": [
                {
                    "deliverer": r.deliverer_id,
                    "events": [[e.meal_id, e.kind, e.time] for e in r.events],
                }
                for r in self.routes
            ],
            "unassigned": list(self.unassigned),
        }
