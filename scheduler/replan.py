"""Re-planning: change a published plan as little as possible when the day changes.

The changes (an absent or late caregiver, an added or cancelled visit) turn the original problem
into the rest of the day: visits that started before ``now`` stay with their caregivers at their
times, nothing else may start before ``now``, an absent caregiver's shift ends at the absence, a
late caregiver cannot reach their next visit before its planned start plus the delay. The solver
then starts from what is left of the published plan, pays ``move_cost`` for every visit that
goes to another caregiver, and may be capped in how many visits it moves; the result reports
the difference to the published plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from scheduler.explain import explain
from scheduler.feasibility import EPS, Code, Legs, Reason, reason, window_text
from scheduler.model import Caregiver, ModelError, Problem, Shift, TimeWindow, Visit
from scheduler.recommend import Board, Fit, fits
from scheduler.result import BreakTaken, ScheduledVisit, Solution, evaluate
from scheduler.solver import SolveParams, solve
from scheduler.travel import travel_minutes

DEFAULT_MOVE_COST = 60.0  # objective units (weighted travel minutes) per visit moved
FILL_SLACK = 0.5  # minutes a warm-start insertion must be able to slip (integer rounding)
FREEZE_SLACK = 1.0  # minutes of room for the solver's integer rounding around started visits
Plan = Mapping[tuple[str, int], Sequence[tuple[str, int]]]


@dataclass(frozen=True)
class CaregiverAbsent:
    """The caregiver stops working at ``from_time`` (None: the whole day)."""

    caregiver_id: str
    from_time: float | None = None


@dataclass(frozen=True)
class CaregiverLate:
    """Reported at ``at``: the caregiver reaches their next visit ``minutes`` late."""

    caregiver_id: str
    minutes: float
    at: float


@dataclass(frozen=True)
class VisitAdded:
    visit: Visit
    at: float | None = None


@dataclass(frozen=True)
class VisitCancelled:
    visit_id: str
    at: float | None = None


Change = CaregiverAbsent | CaregiverLate | VisitAdded | VisitCancelled


@dataclass(frozen=True)
class Moved:
    visit_id: str
    from_caregivers: tuple[str, ...]
    to_caregivers: tuple[str, ...]
    old_start: float
    new_start: float


@dataclass(frozen=True)
class Retimed:
    """Same caregivers, start moved by more than the threshold."""

    visit_id: str
    caregivers: tuple[str, ...]
    old_start: float
    new_start: float

    @property
    def shift(self) -> float:
        return self.new_start - self.old_start


@dataclass(frozen=True)
class Dropped:
    """A published visit that is now unassigned."""

    visit_id: str
    from_caregivers: tuple[str, ...]
    old_start: float
    reason: Reason


@dataclass(frozen=True)
class Added:
    """A visit served now that the published plan did not serve (new or left out before)."""

    visit_id: str
    caregivers: tuple[str, ...]
    start: float


@dataclass(frozen=True)
class ReplanResult:
    """The new plan (a solution of ``problem``, the rest of the day) and its difference."""

    problem: Problem
    solution: Solution
    now: float | None
    published: int  # visits served in the published plan and not cancelled
    moved: tuple[Moved, ...] = ()
    newly_unassigned: tuple[Dropped, ...] = ()
    newly_assigned: tuple[Added, ...] = ()
    retimed: tuple[Retimed, ...] = ()
    frozen: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()  # not served before, and every window has passed
    reasons: Mapping[str, Reason] = field(default_factory=dict, hash=False, compare=False)

    @property
    def counts(self) -> dict[str, int]:
        changed = len(self.moved) + len(self.newly_unassigned) + len(self.retimed)
        return {
            "published": self.published,
            "moved": len(self.moved),
            "newly_unassigned": len(self.newly_unassigned),
            "newly_assigned": len(self.newly_assigned),
            "retimed": len(self.retimed),
            "unchanged": self.published - changed,
            "frozen": len(self.frozen),
            "cancelled": len(self.cancelled),
            "expired": len(self.expired),
        }

    @property
    def moved_share(self) -> float:
        """Share of published visits now with another caregiver or unassigned."""
        gone = len(self.moved) + len(self.newly_unassigned)
        return gone / self.published if self.published else 0.0


def replan(
    problem: Problem,
    published: Solution | Plan,
    changes: Iterable[Change],
    params: SolveParams | None = None,
    *,
    now: float | None = None,
    move_cost: float = DEFAULT_MOVE_COST,
    max_moved: int | None = None,
    retime_threshold: float = 15.0,
) -> ReplanResult:
    """Re-plan after ``changes``, keeping as much of the published plan as possible.

    published: the plan as solved for ``problem`` (a Solution, or Solution.plan()'s shape).
    now: visits that started before it are frozen; default: the latest time given by a change.
    max_moved: at most this many visits that could have stayed with their caregiver may move
    (visits of an absent caregiver, or that a change made impossible, must move and don't count).
    The fleet-minimisation phase is off: re-planning keeps people on their routes.
    """
    old = published if isinstance(published, Solution) else evaluate(problem, published)
    changes = tuple(changes)
    if now is None:
        times = [t for t in map(_time_of, changes) if t is not None]
        now = max(times) if times else None
    rest = _RestOfDay(problem, old, changes, now)
    start = _WarmStart(rest.problem, old)
    start.repair()
    kept = start.visits() - rest.frozen
    before = old.assignment()
    added = {v.id for v in rest.problem.visits} - {v.id for v in problem.visits}
    start.fill(set(before) | added, before, move_cost)
    solver_params = replace(params or SolveParams(time_limit=5.0), fleet_minimisation=False)
    solution = solve(
        rest.problem,
        solver_params,
        initial=start.plan,
        assignment_cost=_move_cost(before, kept, move_cost),
        max_reassigned=max_moved,
    )
    return _diff(rest, old, solution, kept, max_moved, retime_threshold)


def _time_of(change: Change) -> float | None:
    if isinstance(change, CaregiverAbsent):
        return change.from_time
    return change.at


def _move_cost(before: Mapping[str, tuple[str, ...]], kept: set[str], cost: float):
    """Price a visit of the starting plan served by someone new.

    Visits that must move anyway (not in the starting plan) cost nothing: it changes no choice,
    and a cost on a visit the warm start leaves out stops OR-Tools from reading the warm start.
    """

    def price(visit: Visit, carer: int, caregiver: Caregiver) -> float:
        old = before.get(visit.id, ())
        return cost if visit.id in kept and caregiver.id not in old else 0.0

    return price


# --- the rest of the day -----------------------------------------------------------------------


class _RestOfDay:
    """The original problem with the changes applied and the past frozen."""

    def __init__(self, problem: Problem, old: Solution, changes: tuple[Change, ...], now):
        self.now = now
        self.stops: dict[str, list[tuple[str, ScheduledVisit]]] = {}
        for r in old.routes:
            for s in r.stops:
                self.stops.setdefault(s.visit_id, []).append((r.caregiver_id, s))
        self.visits = {v.id: v for v in problem.visits}
        self.cancelled = self._add_and_cancel(changes)
        self.frozen = self._freeze()
        self.expired = self._clip()
        self.caregivers = {c.id: c for c in problem.caregivers}
        self.old, self.travel = old, problem.travel
        for change in changes:
            if isinstance(change, CaregiverLate):
                self._late(change)
        for change in changes:
            if isinstance(change, CaregiverAbsent):
                self._absent(change)
        self.problem = Problem(
            tuple(self.caregivers.values()),
            tuple(self.visits.values()),
            problem.travel,
            problem.weights,
            problem.name,
        )

    def _add_and_cancel(self, changes) -> tuple[str, ...]:
        cancelled = []
        for change in changes:
            if isinstance(change, VisitCancelled):
                if change.visit_id not in self.visits:
                    raise ModelError("change.visit_id", f"unknown visit {change.visit_id!r}")
                del self.visits[change.visit_id]
                cancelled.append(change.visit_id)
            elif isinstance(change, VisitAdded):
                if change.visit.id in self.visits:
                    raise ModelError("change.visit", f"visit {change.visit.id!r} already exists")
                self.visits[change.visit.id] = change.visit
        return tuple(cancelled)

    def _freeze(self) -> set[str]:
        """Started visits keep their caregivers and (within rounding) their start."""
        if self.now is None:
            return set()
        frozen = set()
        for vid, parts in self.stops.items():
            if vid not in self.visits or min(s.start for _, s in parts) >= self.now - EPS:
                continue
            ordered = sorted(parts, key=lambda p: p[1].carer)
            starts = [s.start for _, s in ordered]
            window = TimeWindow(min(starts), max(starts) + FREEZE_SLACK)
            self.visits[vid] = replace(
                self.visits[vid],
                windows=(window,),
                pinned_caregivers=tuple(cid for cid, _ in ordered),
                pinned_start=None,
            )
            frozen.add(vid)
        return frozen

    def _clip(self) -> tuple[str, ...]:
        """Nothing that has not started may start before now."""
        if self.now is None:
            return ()
        expired = []
        for vid, v in list(self.visits.items()):
            if vid in self.frozen or v.earliest >= self.now:
                continue
            windows = _clip_windows(v, self.now)
            if windows:
                self.visits[vid] = replace(v, windows=windows)
            else:
                del self.visits[vid]
                expired.append(vid)
        return tuple(expired)

    def _caregiver(self, caregiver_id: str) -> Caregiver:
        if caregiver_id not in self.caregivers:
            raise ModelError("change.caregiver_id", f"unknown caregiver {caregiver_id!r}")
        return self.caregivers[caregiver_id]

    def _routes_of(self, caregiver_id: str):
        return [r for r in self.old.routes if r.caregiver_id == caregiver_id]

    def _late(self, change: CaregiverLate) -> None:
        """The next unstarted visit cannot start before its planned start plus the delay."""
        c = self._caregiver(change.caregiver_id)
        for route in self._routes_of(c.id):
            stops = [s for s in route.stops if s.visit_id in self.visits]
            upcoming = [s for s in stops if s.visit_id not in self.frozen]
            if not upcoming:
                continue
            nxt = upcoming[0]
            ready = nxt.start + change.minutes - nxt.travel
            done = [s for s in stops if s.visit_id in self.frozen and s.start < nxt.start]
            if done:  # held up at the visit in progress
                s = done[-1]
                v = self.visits[s.visit_id]
                longer = max(v.duration_of(s.carer), ready - s.start)
                self.visits[v.id] = _with_duration(v, s.carer, longer)
            else:
                shifts = list(c.shifts)
                shifts[route.shift] = _starting(c.shifts[route.shift], ready)
                self.caregivers[c.id] = replace(c, shifts=tuple(shifts))
            return

    def _absent(self, change: CaregiverAbsent) -> None:
        """The shift ends at the absence, or when the visit in progress is over."""
        c = self._caregiver(change.caregiver_id)
        t = -math.inf if change.from_time is None else change.from_time
        shifts = list(c.shifts)
        for route in self._routes_of(c.id):
            shift = c.shifts[route.shift]
            busy = t
            done = [s for s in route.stops if s.visit_id in self.frozen]
            if done:
                s = done[-1]
                v = self.visits[s.visit_id]
                back = travel_minutes(self.travel, v.location, shift.end, c.travel_mode)
                busy = max(busy, s.start + v.duration_of(s.carer) + back + FREEZE_SLACK)
            shifts[route.shift] = _ending(shift, busy)
        self.caregivers[c.id] = replace(c, shifts=tuple(shifts))


def _clip_windows(v: Visit, now: float) -> tuple[TimeWindow, ...]:
    out = []
    for w in v.windows:
        if w.end >= now:
            out.append(replace(w, start=max(w.start, now)))
        elif w.soft:  # already late: lateness is counted from now on
            out.append(replace(w, start=now, end=now))
    return tuple(out)


def _with_duration(v: Visit, carer: int, minutes: float) -> Visit:
    if carer == 1:
        return replace(v, second_duration=minutes)
    second = v.second_duration
    if v.carers == 2 and second is None:
        second = v.duration
    return replace(v, duration=minutes, second_duration=second)


def _starting(shift: Shift, t: float) -> Shift:
    start = min(max(shift.start_time, t), shift.end_time)
    breaks = []
    for b in shift.breaks:
        earliest = max(b.earliest, start)
        if b.latest - earliest >= b.duration:
            breaks.append(replace(b, earliest=earliest))
    return replace(shift, start_time=start, breaks=tuple(breaks))


def _ending(shift: Shift, t: float) -> Shift:
    if t >= shift.latest_end:
        return shift
    latest = max(shift.start_time, t)
    end = min(shift.end_time, latest)
    breaks = tuple(b for b in shift.breaks if b.latest <= latest)
    return replace(shift, end_time=end, max_overtime=latest - end, breaks=breaks)


# --- the starting plan -------------------------------------------------------------------------


class _WarmStart:
    """What is left of the published plan, made feasible again, then completed by insertion.

    The published start times are kept as lower bounds and its breaks as fixed, so that this
    floating-point schedule agrees with the one the solver had; the solver must accept it as
    a warm start, or it would start from scratch.
    """

    def __init__(self, problem: Problem, old: Solution) -> None:
        self.problem = problem
        present = {v.id for v in problem.visits}
        self.plan: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.starts: dict[tuple[str, int], float] = {}
        self.breaks: dict[tuple[str, int], tuple[BreakTaken, ...]] = {}
        for r in old.routes:
            key = (r.caregiver_id, r.shift)
            stops = [s for s in r.stops if s.visit_id in present]
            self.plan[key] = [(s.visit_id, s.carer) for s in stops]
            self.starts |= {(s.visit_id, s.carer): float(s.start) for s in stops}
            shift = problem.caregiver(r.caregiver_id).shifts[r.shift]
            self.breaks[key] = tuple(b for b in r.breaks if _break_fits(b, shift))

    def schedule(self) -> Solution:
        return evaluate(self.problem, self.plan, self.starts, self.breaks)

    def visits(self) -> set[str]:
        return {vid for seq in self.plan.values() for vid, _ in seq}

    def repair(self) -> None:
        """Drop the visits the changes made impossible where they are (fill may put them back)."""
        for _ in range(len(self.problem.visits) + 1):
            bad = _violations(self.problem, self.schedule())
            if not bad:
                return
            self.plan = {
                k: [(v, c) for v, c in seq if v not in bad] for k, seq in self.plan.items()
            }

    def fill(self, wanted: set[str], before: Mapping[str, tuple[str, ...]], move_cost) -> None:
        """Insert the wanted visits (published or added) the plan lacks, most urgent first.

        From a warm start the solver's local search is slow to insert many visits at once.
        Visits the published plan left out too are the solver's job: this is a repair, not a
        construction. One schedule per round: a route takes at most one insertion a round, and
        a visit that fits nowhere is not tried again (insertions only take room away). Only
        placements with some slack are used, to survive the solver's integer rounding; a
        visit goes back to its published caregiver unless another is ``move_cost`` cheaper.
        """
        legs = Legs(self.problem)
        placed = self.visits()
        waiting = [v for v in self.problem.visits if v.id in wanted and v.id not in placed]
        waiting.sort(key=lambda v: -v.priority)
        while waiting:
            board = Board(self.problem, self.schedule(), legs)
            touched: set[tuple[str, int]] = set()
            later = []
            for v in waiting:
                safe = [f for f in fits(board, v) if _safe(f)]
                if not safe:
                    continue
                fit = min(safe, key=lambda f, v=v: _price(f, before.get(v.id, ()), move_cost))
                keys = {(pl.caregiver_id, pl.shift) for pl in fit.placements}
                if keys & touched:
                    later.append(v)
                    continue
                self._insert(v, fit)
                touched |= keys
            waiting = later

    def _insert(self, v: Visit, fit: Fit) -> None:
        for pl in fit.placements:
            key = (pl.caregiver_id, pl.shift)
            seq = self.plan.setdefault(key, [])
            if not seq:  # the engine placed an idle shift's breaks at their earliest
                shift = self.problem.caregiver(pl.caregiver_id).shifts[pl.shift]
                self.breaks[key] = tuple(BreakTaken(b.earliest, b.duration) for b in shift.breaks)
            seq.insert(pl.position, (v.id, pl.carer))
            self.starts[(v.id, pl.carer)] = pl.start
            for moved in pl.knock_on:
                self.starts[(moved.visit_id, moved.carer)] = moved.new_start


def _break_fits(taken: BreakTaken, shift: Shift) -> bool:
    return any(
        b.earliest - EPS <= taken.start and taken.start + taken.duration <= b.latest + EPS
        for b in shift.breaks
    )


def _price(fit: Fit, published: tuple[str, ...], move_cost: float) -> float:
    """A fit's cost as the solver will see it: with a move cost for a published visit."""
    if not published:
        return fit.cost
    return fit.cost + move_cost * len(set(fit.caregivers) - set(published))


def _safe(fit: Fit) -> bool:
    return fit.feasible and all(pl.slack >= FILL_SLACK for pl in fit.placements)


def _violations(problem: Problem, solution: Solution) -> set[str]:
    """Per route: every visit out of its window or pin or past the shift's end, else the last
    one if the day is still too long."""
    visits = {v.id: v for v in problem.visits}
    bad = set()
    for r in solution.routes:
        c = problem.caregiver(r.caregiver_id)
        shift = c.shifts[r.shift]
        wrong = {s.visit_id for s in r.stops if not _start_ok(visits[s.visit_id], s.start)}
        wrong |= {s.visit_id for s in r.stops if s.end > shift.latest_end + EPS}
        if wrong:
            bad |= wrong
        elif r.stops and (
            r.end_time > shift.latest_end + EPS
            or c.max_working_minutes is not None
            and r.working_minutes > c.max_working_minutes + EPS
        ):
            bad.add(r.stops[-1].visit_id)
    return bad


def _start_ok(v: Visit, t: float) -> bool:
    if v.pinned_start is not None and abs(t - v.pinned_start) > EPS:
        return False
    return v.admits(t)


# --- the difference ----------------------------------------------------------------------------


def _first_starts(solution: Solution) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in solution.routes:
        for s in r.stops:
            out[s.visit_id] = min(out.get(s.visit_id, math.inf), float(s.start))
    return out


def _diff(rest: _RestOfDay, old: Solution, new: Solution, kept, cap, threshold) -> ReplanResult:
    """Compare with the published plan; ``kept``: visits the solver started where they were."""
    before, after = old.assignment(), new.assignment()
    t_old, t_new = _first_starts(old), _first_starts(new)
    reasons = explain(rest.problem, new)
    moved, dropped, retimed = [], [], []
    published = [vid for vid in before if vid not in rest.cancelled]
    for vid in published:
        if vid in rest.frozen:
            continue
        now_with = after.get(vid)
        if not now_with:
            dropped.append(Dropped(vid, before[vid], t_old[vid], reasons[vid]))
        elif set(now_with) != set(before[vid]):
            moved.append(Moved(vid, before[vid], now_with, t_old[vid], t_new[vid]))
        elif abs(t_new[vid] - t_old[vid]) > threshold:
            retimed.append(Retimed(vid, now_with, t_old[vid], t_new[vid]))
    voluntary = [x.visit_id for x in (*moved, *dropped) if x.visit_id in kept]
    if cap is not None and len(voluntary) >= cap:
        visits = {v.id: v for v in rest.problem.visits}
        reasons = {vid: _capped(r, cap, visits[vid]) for vid, r in reasons.items()}
        dropped = [replace(d, reason=reasons[d.visit_id]) for d in dropped]
    added = [Added(vid, cgs, t_new[vid]) for vid, cgs in after.items() if vid not in before]
    return ReplanResult(
        problem=rest.problem,
        solution=new,
        now=rest.now,
        published=len(published),
        moved=tuple(moved),
        newly_unassigned=tuple(dropped),
        newly_assigned=tuple(added),
        retimed=tuple(retimed),
        frozen=tuple(sorted(rest.frozen)),
        cancelled=rest.cancelled,
        expired=rest.expired,
        reasons=reasons,
    )


def _capped(why: Reason, cap: int, visit: Visit) -> Reason:
    """A visit that only other visits' moves could make room for, once the cap is used up."""
    if why.code not in (Code.BUSY, Code.LOWER_PRIORITY):
        return why
    details = dict(why.details) | {"limit": cap, "without_limit": why.code.value}
    return reason(Code.MOVE_LIMIT, details, limit=cap, window=window_text(visit))
