"""Lunch (助餐) as meal rounds: a caregiver collects several meals at the station's kitchen and
hands them over door to door (``scheduler.solve_meals``), instead of one 30-minute visit each.

The rounds are planned first; each deliverer's round is then cut out of their working day (the
day's problem sees them at the station until the first pickup and at the last door after the
last handover), and the other visits are planned around it. A meal the rounds leave out stays an
ordinary visit of the day. Only plain meals go in rounds: one carer, no pin, no sex preference,
no excluded caregiver, not a volunteer visit (those go to volunteers, one by one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import scheduler as s
from carehub.scheduling.problem import Built
from scheduler.solver import SolveParams, solve_meals
from scheduler.travel import travel_minutes

KITCHEN = "station"
READY = 10 * 60 + 30  # meals are ready at 10:30
LUNCH = (10 * 60, 13 * 60 + 30)  # a deliverer's round lies in this part of the day
CAPACITY = {"ebike": 8, "walk": 4}
HANDOVER = 2.0
MIN_PART = 10  # minutes: a piece of a shift shorter than this is dropped


@dataclass(frozen=True)
class Round:
    """One deliverer's lunch round as the day's problem must respect it."""

    carer: str
    start: float  # first pickup, at the kitchen
    end: float  # last handover done
    last: s.Location  # where the round ends
    stops: tuple[tuple[str, float], ...]  # (visit key, handover start), in order
    travel: float


def plain_meals(built: Built) -> list[s.Visit]:
    plain = []
    for v in built.problem.visits:
        record = built.visits[built.mapping.visits[v.id]]
        if (record.service_code == "MEAL" and v.carers == 1 and not v.pinned_caregivers
                and v.pinned_start is None and v.sex_preference is None
                and not v.excluded_caregivers - _volunteers(built)
                and record.funding != "volunteer"):  # fmt: skip
            plain.append(v)
    return plain


def _volunteers(built: Built) -> set[str]:
    return {k for k, (kind, _) in built.mapping.carers.items() if kind == "volunteer"}


def _deliverer(c: s.Caregiver) -> s.Caregiver | None:
    """The caregiver for the round: the working part of their day that overlaps lunch most."""
    if "meal" not in c.skills or not c.id.startswith("c"):
        return None
    shift = c.shifts[0]
    parts, t = [], shift.start_time
    for b in sorted(shift.breaks, key=lambda b: b.earliest):
        if b.latest - b.earliest == b.duration:  # a fixed gap between two working periods
            parts.append((t, b.earliest))
            t = b.latest
    parts.append((t, shift.end_time))
    clipped = [(max(a, LUNCH[0]), min(b, LUNCH[1])) for a, b in parts]
    a, b = max(clipped, key=lambda p: p[1] - p[0])
    if b - a < 30:
        return None
    part = s.Shift(shift.start, shift.start, a, b)
    return s.Caregiver(c.id, (part,), c.skills, c.sex, travel_mode=c.travel_mode,
                       capacity=CAPACITY.get(c.travel_mode, 4))  # fmt: skip


def plan_rounds(built: Built, base: s.Location, seconds: float, seed: int = 0) -> list[Round]:
    meals = plain_meals(built)
    deliverers = [d for d in map(_deliverer, built.problem.caregivers) if d is not None]
    if not meals or not deliverers:
        return []
    rounds = s.MealRounds(
        tuple(deliverers), (s.Kitchen(KITCHEN, base, READY),),
        tuple(s.Meal(v.id, KITCHEN, v.location, v.windows[0], HANDOVER) for v in meals),
        built.problem.travel)  # fmt: skip
    best = _solved(rounds, seconds, seed)  # nearest-meal-first trips, then OR-Tools from them
    where = {v.id: v.location for v in meals}
    out = []
    for deliverer, events, travel in best:
        drops = [(mid, at) for mid, kind, at in events if kind == "delivery"]
        first = min(at for _, _, at in events)
        out.append(Round(deliverer, first, drops[-1][1] + HANDOVER, where[drops[-1][0]],
                         tuple(drops), travel))  # fmt: skip
    return out


def _solved(rounds: s.MealRounds, seconds: float, seed: int):
    """``scheduler.solve_meals`` (nearest-meal-first trips, then OR-Tools' pickup-and-delivery
    from them), as (deliverer, events, travel)."""
    plan = solve_meals(rounds, SolveParams(time_limit=seconds, seed=seed))
    return [(r.deliverer_id, [(e.meal_id, e.kind, e.time) for e in r.events], r.travel)
            for r in plan.routes if r.events]  # fmt: skip


def without_rounds(problem: s.Problem, rounds: list[Round], base: s.Location) -> s.Problem:
    """The day's problem with the rounds' meals taken out and each round cut out of its
    deliverer's shifts."""
    served = {key for r in rounds for key, _ in r.stops}
    by_carer = {r.carer: r for r in rounds}
    caregivers = tuple(_cut(c, by_carer[c.id], base, problem.travel) if c.id in by_carer else c
                       for c in problem.caregivers)  # fmt: skip
    visits = tuple(v for v in problem.visits if v.id not in served)
    return replace(problem, caregivers=caregivers, visits=visits)


def _cut(c: s.Caregiver, r: Round, base: s.Location, travel) -> s.Caregiver:
    """The shifts around the round; a piece too short to get from its start to its end (and
    take its breaks) with room to spare is dropped, so no route is born infeasible."""
    shifts = []
    for shift in c.shifts:
        if shift.latest_end <= r.start or shift.start_time >= r.end:
            shifts.append(shift)
            continue
        before = (shift.start, base, shift.start_time, r.start, 0.0)
        after = (r.last, shift.end, r.end, shift.end_time, shift.max_overtime)
        for start, end, a, b, over in (before, after):
            breaks = _clip(shift.breaks, a, b + over)
            need = travel_minutes(travel, start, end, c.travel_mode) + sum(
                x.duration for x in breaks
            )
            if b - a >= need + MIN_PART:
                shifts.append(s.Shift(start, end, a, b, breaks, over))
    if not shifts:  # nothing left of the day: a moment at the last door
        shifts = [s.Shift(r.last, r.last, r.end, r.end)]
    return replace(c, shifts=tuple(shifts))


def _clip(breaks, a: float, b: float) -> tuple[s.Break, ...]:
    out = []
    for br in breaks:
        lo, hi = max(br.earliest, a), min(br.latest, b)
        if hi - lo >= br.duration:
            out.append(s.Break(lo, hi, br.duration))
    return tuple(out)


def stored_rounds(plan, m, leave_out: frozenset[str] = frozenset()) -> list[Round]:
    """The rounds of a stored plan (but those of ``leave_out`` carers, e.g. absent ones), with
    only the meals still to be served that day."""
    from carehub.scheduling.problem import visit_key

    out = []
    for r in plan.routes or ():
        if not r.get("meal") or r["carer"] in leave_out or r["carer"] not in m.carers:
            continue
        stops = tuple((visit_key(st[0]), float(st[2])) for st in r["stops"]
                      if visit_key(st[0]) in m.visits)  # fmt: skip
        if stops:
            last = s.Location(lat=r["last"][0], lon=r["last"][1])
            out.append(Round(r["carer"], float(r["shift_start"]), float(r["shift_end"]), last,
                             stops, float(r["travel"])))  # fmt: skip
    return out
