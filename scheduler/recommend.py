"""Recommend a fit: who could take one new visit, at what cost, with which knock-on effects.

No re-solve: the visit is tried at every position of every eligible caregiver's route in the
current solution, keeping the other visits in order and pushing them later where needed (their
waiting absorbs the push first). A push past a hard window, a pinned start, a partner's
synchronised start, the shift end plus overtime, or the working-hour limit makes the position
infeasible. Breaks stay where the solution put them. The cost of a fit is the change in the
problem's objective (travel, lateness, overtime, wage, continuity, a newly used caregiver).

``confirm`` reuses the same arithmetic to explain, after a solve, why a visit stayed unassigned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from scheduler.feasibility import (
    EPS,
    Bi,
    Code,
    Legs,
    Reason,
    eligibility,
    hhmm,
    reach,
    reason,
    timing_reason,
    window_text,
    windows_of,
)
from scheduler.model import Caregiver, Problem, Visit
from scheduler.result import BreakTaken, Route, Solution

PAIR_OPTIONS_PER_CAREGIVER = 4
MAX_PAIR_CHECKS = 2000


@dataclass(frozen=True)
class Shifted:
    """A visit later on the same route that would start later (knock-on of an insertion)."""

    visit_id: str
    caregiver_id: str
    old_start: float
    new_start: float
    added_lateness: float = 0.0
    carer: int = 0

    @property
    def delay(self) -> float:
        return self.new_start - self.old_start


@dataclass(frozen=True)
class Placement:
    """One caregiver serving one part of the visit at one position of one shift's route."""

    caregiver_id: str
    shift: int
    carer: int
    position: int
    after: str | None  # visit before it, None from the shift start
    before: str | None  # visit after it, None back to the shift end
    arrival: float
    start: float
    waiting: float
    lateness: float
    added_travel: float
    added_overtime: float
    added_working: float
    slack: float  # how much later it could start without breaking anything (estimate)
    knock_on: tuple[Shifted, ...]
    cost: float


@dataclass(frozen=True)
class Fit:
    """One way to serve the visit (one caregiver, or a pair), or why a caregiver cannot."""

    caregivers: tuple[str, ...]
    feasible: bool
    cost: float
    placements: tuple[Placement, ...] = ()
    preferred: bool = False
    reason: Reason | None = None

    @property
    def start(self) -> float | None:
        return min((p.start for p in self.placements), default=None)

    @property
    def added_travel(self) -> float:
        return sum(p.added_travel for p in self.placements)

    @property
    def waiting(self) -> float:
        return sum(p.waiting for p in self.placements)

    @property
    def lateness(self) -> float:
        return max((p.lateness for p in self.placements), default=0.0)

    @property
    def added_overtime(self) -> float:
        return sum(p.added_overtime for p in self.placements)

    @property
    def knock_on(self) -> tuple[Shifted, ...]:
        return tuple(s for p in self.placements for s in p.knock_on)

    @property
    def made_late(self) -> tuple[str, ...]:
        """Visits the knock-on would make (more) late."""
        return tuple(s.visit_id for s in self.knock_on if s.added_lateness > EPS)


@dataclass(frozen=True)
class _Slot:
    visit: Visit
    carer: int
    start: float
    end: float
    room: float  # how much later it may start


@dataclass(frozen=True)
class _View:
    caregiver: Caregiver
    shift_index: int
    slots: tuple[_Slot, ...]
    legs: tuple[float, ...]  # legs[k]: travel into slot k; legs[-1]: back to the shift end
    breaks: tuple[BreakTaken, ...]
    other_work: float  # minutes worked in the caregiver's other shifts

    @property
    def shift(self):
        return self.caregiver.shifts[self.shift_index]

    @property
    def start_time(self) -> float:
        if not self.slots:
            return self.shift.start_time
        return max(self.shift.start_time, self.slots[0].start - self.legs[0])

    @property
    def end_time(self) -> float:
        if not self.slots:
            return self.shift.start_time
        return _route_end(self.slots[-1].end, self.legs[-1], self.breaks)

    @property
    def working(self) -> float:
        return self.end_time - self.start_time if self.slots else 0.0

    @property
    def overtime(self) -> float:
        return max(0.0, self.end_time - self.shift.end_time) if self.slots else 0.0

    @property
    def load(self) -> int:
        return sum(s.visit.demand for s in self.slots)


@dataclass(frozen=True)
class _Fail:
    kind: str  # capacity | window | push | shift_end | hours
    position: int
    time: float = 0.0
    visit_id: str | None = None


class Board:
    """The routes of a solution, ready for "where could this visit go?" questions."""

    def __init__(self, problem: Problem, solution: Solution, legs: Legs | None = None) -> None:
        self.problem = problem
        self.legs = legs or Legs(problem)
        self.visits = {v.id: v for v in problem.visits}
        self.routes: dict[str, list[Route]] = {}
        for r in solution.routes:
            self.routes.setdefault(r.caregiver_id, []).append(r)
        self.starts = {(s.visit_id, s.carer): s.start for r in solution.routes for s in r.stops}
        self._views: dict[str, list[_View]] = {}

    def views(self, caregiver: Caregiver) -> list[_View]:
        if caregiver.id not in self._views:
            routes = self.routes.get(caregiver.id, [])
            work = sum(r.working_minutes for r in routes)
            self._views[caregiver.id] = [self._view(caregiver, r, work) for r in routes]
        return self._views[caregiver.id]

    def _view(self, c: Caregiver, route: Route, work: float) -> _View:
        slots = []
        for s in route.stops:
            v = self.visits[s.visit_id]
            partner = self.starts.get((s.visit_id, 1 - s.carer))
            start, end = float(s.start), float(s.end)
            slots.append(_Slot(v, s.carer, start, end, _room(v, s.carer, start, partner)))
        breaks = route.breaks
        if not slots:  # an idle shift's breaks still have to be taken once it works
            breaks = tuple(BreakTaken(b.earliest, b.duration) for b in c.shifts[route.shift].breaks)
        return self.view_of(c, route.shift, slots, breaks, work - route.working_minutes)

    def view_of(self, c, k, slots, breaks, other_work) -> _View:
        shift = c.shifts[k]
        places = [shift.start, *(s.visit.location for s in slots), shift.end]
        legs = tuple(self.legs(c.travel_mode, a, b) for a, b in pairwise(places)) if slots else ()
        breaks = tuple(sorted(breaks, key=lambda b: b.start))
        return _View(c, k, tuple(slots), legs, breaks, other_work)

    def without(self, view: _View, visit_ids: set[str]) -> _View:
        kept = [s for s in view.slots if s.visit.id not in visit_ids]
        return self.view_of(view.caregiver, view.shift_index, kept, view.breaks, view.other_work)


def _room(v: Visit, carer: int, start: float, partner: float | None) -> float:
    """How much later a served stop may start: its window, its pin, its partner's start."""
    if v.pinned_start is not None:
        return 0.0
    room = 0.0
    for w in v.windows:
        if w.soft and start >= w.start - EPS:
            room = math.inf
        elif w.start - EPS <= start <= w.end + EPS:
            room = w.end - start
    if v.carers == 2 and partner is not None and v.sync is not None:
        if carer == 0:
            room = min(room, partner - v.sync.min_gap - start)
        else:
            room = min(room, partner + v.sync.max_gap - start)
    return max(0.0, room)


# --- one position --------------------------------------------------------------------------------


def _in_windows(v: Visit, t: float) -> float | None:
    w = v.window_from(t)
    return None if w is None else max(t, w.start)


def _after_breaks(ready: float, travel: float, t: float, dur: float, breaks) -> float:
    """Earliest service start >= t once the breaks taken in this gap are fitted in.

    As in OR-Tools: a break may not overlap a service, it may interrupt travel, and the time
    between two services must hold the travel plus every break taken between them.
    """
    need = ready + travel
    for b in breaks:
        if b.start >= ready - EPS and b.start < t + dur - EPS:
            need += b.duration
            t = max(t, b.start + b.duration, need)
    return t


def _route_end(ready: float, travel: float, breaks) -> float:
    """Back at the shift end: the breaks still to take are taken on the way."""
    later = [b for b in breaks if b.start >= ready - EPS]
    end = ready + travel + sum(b.duration for b in later)
    return max([end, *(b.start + b.duration for b in later)])


def _start(v: Visit, dur: float, ready: float, travel: float, t: float, breaks) -> float | None:
    """Earliest start at or after t: windows, pin and breaks (None when out of reach)."""
    if v.pinned_start is not None:
        p = v.pinned_start
        return (
            p if t <= p + EPS and _after_breaks(ready, travel, p, dur, breaks) <= p + EPS else None
        )
    for _ in range(len(breaks) + 1):
        start = _in_windows(v, t)
        if start is None:
            return None
        t = _after_breaks(ready, travel, start, dur, breaks)
        if t <= start + EPS:
            return start
    return None


def _late(v: Visit, start: float) -> tuple[float, float]:
    """Lateness minutes and their weight (only a soft last window allows lateness)."""
    last = v.windows[-1]
    if not last.soft:
        return 0.0, 0.0
    return max(0.0, start - last.end), last.lateness_weight


@dataclass(frozen=True)
class _Chain:
    """What inserting a visit does to the rest of its route."""

    shifted: tuple[Shifted, ...]
    late_cost: float  # added lateness x weight of the pushed visits
    idle: float  # waiting left between the new visit and the route end
    slack: float  # how much more the pushed visits could take
    end: float  # new return time


def simulate(
    board: Board, view: _View, v: Visit, carer: int, pos: int, not_before: float = -math.inf
) -> Placement | _Fail:
    """Insert part ``carer`` of visit v before slot ``pos`` of a route and price the result."""
    c, shift, slots = view.caregiver, view.shift, view.slots
    if c.capacity is not None and view.load + v.demand > c.capacity:
        return _Fail("capacity", pos)
    prev = shift.start if pos == 0 else slots[pos - 1].visit.location
    after = shift.end if pos == len(slots) else slots[pos].visit.location
    t_in = board.legs(c.travel_mode, prev, v.location)
    t_out = board.legs(c.travel_mode, v.location, after)
    ready = shift.start_time if pos == 0 else slots[pos - 1].end
    dur = v.duration_of(carer)
    start = _start(v, dur, ready, t_in, max(ready + t_in, not_before), view.breaks)
    if start is None:
        return _Fail("window", pos, ready + t_in)
    chain = _push_along(view, pos, start + dur, t_out)
    if isinstance(chain, _Fail):
        return chain
    if chain.end > shift.latest_end + EPS:
        return _Fail("shift_end", pos, chain.end)
    begin = view.start_time if pos > 0 else max(shift.start_time, start - t_in)
    working = chain.end - begin
    spare = math.inf
    if c.max_working_minutes is not None:
        spare = c.max_working_minutes - view.other_work - working
        if spare < -EPS:
            return _Fail("hours", pos, working)
    slack = min(
        _room(v, carer, start, None),
        chain.slack,
        chain.idle + shift.latest_end - chain.end,
        chain.idle + spare,
    )
    arrival = begin + t_in if pos == 0 else ready + t_in
    added_travel = t_in + t_out - (view.legs[pos] if slots else 0.0)
    return _price(board, view, v, carer, pos, arrival, start, added_travel, working, slack, chain)


def _push_along(view: _View, pos: int, t: float, leg: float) -> _Chain | _Fail:
    """Walk the rest of the route from time t (the new visit's end), pushing stops later."""
    shifted, late_cost, idle, slack = [], 0.0, 0.0, math.inf
    for k in range(pos, len(view.slots)):
        s = view.slots[k]
        arrival = t + leg
        new = _after_breaks(t, leg, max(arrival, s.start), s.end - s.start, view.breaks)
        push = new - s.start
        if push > s.room + EPS:
            return _Fail("push", pos, new, s.visit.id)
        idle += new - arrival
        slack = min(slack, idle + s.room - push)
        if push > EPS:
            was, _ = _late(s.visit, s.start)
            now, weight = _late(s.visit, new)
            cid = view.caregiver.id
            shifted.append(Shifted(s.visit.id, cid, s.start, new, now - was, s.carer))
            late_cost += (now - was) * weight
        t, leg = new + (s.end - s.start), view.legs[k + 1]
    return _Chain(tuple(shifted), late_cost, idle, slack, _route_end(t, leg, view.breaks))


def _price(board, view, v, carer, pos, arrival, start, added_travel, working, slack, chain):
    """The change in the problem's objective, as a Placement."""
    w, c, slots = board.problem.weights, view.caregiver, view.slots
    late, weight = _late(v, start)
    added_ot = max(0.0, chain.end - view.shift.end_time) - view.overtime
    added_work = working - view.working
    stranger = bool(v.preferred_caregivers) and c.id not in v.preferred_caregivers
    cost = (
        w.travel * added_travel
        + w.lateness * (late * weight + chain.late_cost)
        + w.overtime * added_ot
        + w.wage * c.cost_per_hour / 60.0 * added_work
        + (w.continuity if stranger else 0.0)
        + (w.caregiver_used if not slots else 0.0)
    )
    return Placement(
        caregiver_id=c.id,
        shift=view.shift_index,
        carer=carer,
        position=pos,
        after=slots[pos - 1].visit.id if pos > 0 else None,
        before=slots[pos].visit.id if pos < len(slots) else None,
        arrival=arrival,
        start=start,
        waiting=start - arrival,
        lateness=late,
        added_travel=added_travel,
        added_overtime=added_ot,
        added_working=added_work,
        slack=max(0.0, slack),
        knock_on=chain.shifted,
        cost=cost,
    )


def _options(board: Board, c: Caregiver, v: Visit, carer: int, views=None):
    """Every feasible placement in the caregiver's routes, and the failures of the others."""
    placed, failed = [], []
    for view in views if views is not None else board.views(c):
        for pos in range(len(view.slots) + 1):
            got = simulate(board, view, v, carer, pos)
            (placed if isinstance(got, Placement) else failed).append(got)
    return placed, failed


# --- ranking -----------------------------------------------------------------------------------


def recommend(
    problem: Problem, solution: Solution, visit: Visit | str, *, limit: int | None = None
) -> list[Fit]:
    """Rank the caregivers who could take one more visit, cheapest feasible fit first.

    ``visit``: a new Visit, or the id of an unassigned visit of the problem. Feasible fits come
    first (at most ``limit``), then one infeasible Fit per other eligible caregiver with the
    reason. Ineligible caregivers (skills, sex, exclusions, pin) are left out: see
    scheduler.feasibility.precheck for why nobody is eligible.
    """
    v = problem.visit(visit) if isinstance(visit, str) else visit
    if v.id in solution.assignment():
        raise ValueError(f"visit {v.id!r} is already served in this solution")
    board = Board(problem, solution, Legs(problem, (v.location,)))
    return fits(board, v, limit)


def fits(board: Board, v: Visit, limit: int | None = None) -> list[Fit]:
    return _single(board, v, limit) if v.carers == 1 else _pairs(board, v, limit)


def _single(board: Board, v: Visit, limit: int | None) -> list[Fit]:
    caregivers, _ = eligibility(board.problem, v, 0)
    good, bad = [], []
    for c in caregivers:
        placed, failed = _options(board, c, v, 0)
        if placed:
            best = min(placed, key=_rank)
            good.append(Fit((c.id,), True, best.cost, (best,), c.id in v.preferred_caregivers))
        else:
            bad.append(Fit((c.id,), False, math.inf, reason=why_not(board, c, v, 0, failed)))
    good.sort(key=lambda f: f.cost)
    return good[:limit] + bad


def _rank(p: Placement) -> tuple[float, float, float]:
    """Cheapest first; on a tie, the one that disturbs the route least, then the earliest."""
    return (round(p.cost, 6), round(sum(s.delay for s in p.knock_on), 6), p.start)


def _pairs(board: Board, v: Visit, limit: int | None) -> list[Fit]:
    """Two distinct caregivers whose placements allow the synchronised start."""
    found: list[dict[str, tuple[Caregiver, list[Placement], list[_Fail]]]] = []
    for carer in (0, 1):
        caregivers, _ = eligibility(board.problem, v, carer)
        per = {}
        for c in caregivers:
            placed, failed = _options(board, c, v, carer)
            placed.sort(key=_rank)
            per[c.id] = (c, placed[:PAIR_OPTIONS_PER_CAREGIVER], failed)
        found.append(per)
    lo, hi = (v.sync.min_gap, v.sync.max_gap) if v.sync else (0.0, 0.0)
    first = [p for _, placed, _ in found[0].values() for p in placed]
    second = [p for _, placed, _ in found[1].values() for p in placed]
    candidates = [
        (a, b)
        for a in first
        for b in second
        if a.caregiver_id != b.caregiver_id and _compatible(a, b, lo, hi)
    ]
    candidates.sort(key=lambda ab: ab[0].cost + ab[1].cost)
    good: list[Fit] = []
    seen: set[frozenset[str]] = set()
    for a, b in candidates[:MAX_PAIR_CHECKS]:
        key = frozenset((a.caregiver_id, b.caregiver_id))
        if key in seen or (limit is not None and len(good) >= limit):
            continue
        fit = _verify(board, v, a, b, lo, hi)
        if fit is not None:
            seen.add(key)
            good.append(fit)
    return good + _unpaired(board, v, found, {c for f in good for c in f.caregivers})


def _compatible(a: Placement, b: Placement, lo: float, hi: float) -> bool:
    t0 = max(a.start, b.start - hi)
    t1 = max(b.start, t0 + lo)
    return t0 <= a.start + a.slack + EPS and t1 <= b.start + b.slack + EPS and t1 - t0 <= hi + EPS


def _verify(board: Board, v: Visit, a: Placement, b: Placement, lo: float, hi: float):
    t0 = max(a.start, b.start - hi)
    t1 = max(b.start, t0 + lo)
    pa = simulate(board, _view_at(board, a), v, 0, a.position, t0)
    pb = simulate(board, _view_at(board, b), v, 1, b.position, t1)
    if not (isinstance(pa, Placement) and isinstance(pb, Placement)):
        return None
    if not lo - EPS <= pb.start - pa.start <= hi + EPS:
        return None
    preferred = bool({a.caregiver_id, b.caregiver_id} & set(v.preferred_caregivers))
    ids = (a.caregiver_id, b.caregiver_id)
    return Fit(ids, True, pa.cost + pb.cost, (pa, pb), preferred)


def _view_at(board: Board, p: Placement) -> _View:
    c = board.problem.caregiver(p.caregiver_id)
    return next(view for view in board.views(c) if view.shift_index == p.shift)


def _unpaired(board: Board, v: Visit, found, paired: set[str]) -> list[Fit]:
    out = []
    for c in board.problem.caregivers:
        if c.id in paired:
            continue
        parts = [(carer, per[c.id]) for carer, per in enumerate(found) if c.id in per]
        if not parts:
            continue
        if any(placed for _, (_, placed, _) in parts):
            why = reason(Code.NO_COMMON_TIME, {"caregiver": c.id}, True, caregiver=c.id)
        else:
            carer, (_, _, failed) = parts[0]
            why = why_not(board, c, v, carer, failed)
        out.append(Fit((c.id,), False, math.inf, reason=why))
    return out


# --- why not -----------------------------------------------------------------------------------


def why_not(board: Board, c: Caregiver, v: Visit, carer: int, failed: list[_Fail]) -> Reason:
    """Why one eligible caregiver cannot take this part of the visit in the current plan."""
    reaches = [reach(board.legs, c, k, v, carer) for k in range(len(c.shifts))]
    timing = timing_reason(v, carer, reaches, one=True)
    if timing is not None:
        return timing
    kinds = {f.kind for f in failed}
    if kinds & {"shift_end", "hours"}:
        over = [f for f in failed if f.kind in ("shift_end", "hours")]
        details = {"caregivers": [c.id], "limits": sorted({f.kind for f in over})}
        return reason(Code.OVER_HOURS, details, caregivers=(c.id,))
    if kinds == {"capacity"}:
        return reason(Code.CAPACITY, {"caregiver": c.id}, True, caregiver=c.id, demand=v.demand)
    busy = busy_stops(board, c, v, carer)
    pushes = sorted({f.visit_id for f in failed if f.visit_id})
    details = {"caregiver": c.id, "busy": busy, "would_push": pushes, "windows": windows_of(v)}
    words = {"caregiver": c.id, "window": window_text(v), "busy": _busy_words(busy)}
    return reason(Code.BUSY, details, True, **words)


def busy_stops(board: Board, c: Caregiver, v: Visit, carer: int) -> list[list]:
    """[visit id, start, end] of the caregiver's stops inside the visit's window span."""
    return [list(stop) for view in board.views(c) for stop in _busy_in(view, v, carer)]


def _busy_words(busy: list[list]):
    if not busy:
        return Bi("no gap long enough to get there", "没有足够的空档赶过去")
    return tuple(f"{hhmm(s)}–{hhmm(e)} {vid}" for vid, s, e in busy)


def _caregiver_words(cid: str, why: Reason):
    if why.code == Code.BUSY:
        inner = _busy_words(why.details["busy"])  # type: ignore[arg-type]
        if isinstance(inner, Bi):
            return Bi(f"{cid} ({inner.en})", f"{cid}（{inner.zh}）")
        return Bi(f"{cid} ({'; '.join(inner)})", f"{cid}（{'；'.join(inner)}）")
    label = {
        Code.OVER_HOURS: Bi("over working hours", "超出工作时长"),
        Code.CAPACITY: Bi("no capacity left", "容量不足"),
        Code.NO_COMMON_TIME: Bi("no partner at the same time", "无人同时有空"),
    }.get(why.code, Bi("off duty or too far", "不当班或距离太远"))
    return Bi(f"{cid} ({label.en})", f"{cid}（{label.zh}）")


def confirm(board: Board, v: Visit) -> Reason:
    """After a solve: why an unassigned visit that passed the pre-check is still unassigned."""
    result = fits(board, v)
    good = [f for f in result if f.feasible]
    if good:
        return _fits_anyway(board, v, good[0])
    whys = {f.caregivers[0]: f.reason for f in result if f.reason is not None}
    codes = {r.code for r in whys.values()}
    window = window_text(v)
    details = {"windows": windows_of(v), "caregivers": {c: r.details for c, r in whys.items()}}
    if Code.NO_COMMON_TIME in codes:
        return reason(Code.NO_COMMON_TIME, details, window=window)
    if codes == {Code.OVER_HOURS}:
        return reason(Code.OVER_HOURS, details, caregivers=tuple(whys))
    lower = _lower_priority(board, v)
    if lower is not None:
        return lower
    words = tuple(_caregiver_words(c, r) for c, r in whys.items())
    return reason(Code.BUSY, details, window=window, busy=words)


def _fits_anyway(board: Board, v: Visit, best: Fit) -> Reason:
    penalty = board.problem.weights.unassigned_penalty(v)
    code = Code.TOO_COSTLY if best.cost >= penalty - EPS else Code.NOT_PLACED
    start = best.start or 0.0
    details = {
        "caregivers": list(best.caregivers),
        "start": start,
        "added_travel": best.added_travel,
        "cost": best.cost,
        "penalty": penalty,
    }
    words = {
        "caregiver": " + ".join(best.caregivers),
        "time": hhmm(start),
        "minutes": round(best.added_travel),
    }
    return reason(code, details, **words)


def _lower_priority(board: Board, v: Visit) -> Reason | None:
    """Served visits of higher priority hold the only room this visit could use."""
    if v.carers != 1:
        return None
    caregivers, _ = eligibility(board.problem, v, 0)
    holders = []
    for c in caregivers:
        for view in board.views(c):
            blockers = {vid for vid, _, _ in _busy_in(view, v, 0)}
            if not blockers:
                continue
            placed, _ = _options(board, c, v, 0, [board.without(view, blockers)])
            if placed:
                held = [board.visits[b] for b in sorted(blockers)]
                holders.append((c.id, held))
    if not holders or any(min(h.priority for h in held) <= v.priority for _, held in holders):
        return None
    busy = [
        Bi(
            f"{cid}: " + ", ".join(f"{h.id} (priority {h.priority})" for h in held),
            f"{cid}：" + "、".join(f"{h.id}（优先级 {h.priority}）" for h in held),
        )
        for cid, held in holders
    ]
    details = {
        "priority": v.priority,
        "windows": windows_of(v),
        "held_by": {cid: [h.id for h in held] for cid, held in holders},
    }
    return reason(Code.LOWER_PRIORITY, details, window=window_text(v), busy=tuple(busy))


def _busy_in(view: _View, v: Visit, carer: int) -> list[tuple[str, float, float]]:
    """The route's stops overlapping the time the visit could occupy."""
    lo, hi = v.earliest, v.latest + v.duration_of(carer)
    return [(s.visit.id, s.start, s.end) for s in view.slots if s.start < hi and s.end > lo]
