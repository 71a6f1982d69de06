"""Whether a visit can be served at all, and the reasons in words a coordinator understands.

The rules both the explanation (scheduler.explain) and the recommendation (scheduler.recommend)
apply: eligibility (skills, exclusions, sex preference, pins), reach (shifts, travel, working
hours), the pre-check of one visit and ``diagnose`` of a whole problem before any solve.

Every Reason carries a machine code, an English and a Chinese message (the coordinator UI is
Chinese) and JSON-friendly details. Times are minutes from the day's start, shown as HH:MM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from scheduler.model import Caregiver, Location, Meal, MealRounds, Problem, Shift, Visit
from scheduler.travel import time_matrix

EPS = 1e-6
MAX_NAMES = 5


class Code(StrEnum):
    NO_SKILL = "NO_SKILL"
    EXCLUDED = "EXCLUDED"
    SEX_PREFERENCE = "SEX_PREFERENCE"
    CAPACITY = "CAPACITY"
    PINNED_NO_SKILL = "PINNED_NO_SKILL"
    PINNED_OFF = "PINNED_OFF"
    PINNED_TIME = "PINNED_TIME"
    DURATION_TOO_LONG = "DURATION_TOO_LONG"
    NO_SHIFT_IN_WINDOW = "NO_SHIFT_IN_WINDOW"
    TRAVEL_TOO_FAR = "TRAVEL_TOO_FAR"
    OVER_HOURS = "OVER_HOURS"
    NO_SECOND_CARER = "NO_SECOND_CARER"
    NO_COMMON_TIME = "NO_COMMON_TIME"
    BUSY = "BUSY"
    LOWER_PRIORITY = "LOWER_PRIORITY"
    TOO_COSTLY = "TOO_COSTLY"
    NOT_PLACED = "NOT_PLACED"
    MOVE_LIMIT = "MOVE_LIMIT"
    MEAL_RIDE_TOO_LONG = "MEAL_RIDE_TOO_LONG"
    MEAL_NO_DELIVERER = "MEAL_NO_DELIVERER"
    MEAL_OVER_CAPACITY = "MEAL_OVER_CAPACITY"


_TEXT: dict[Code, tuple[str, str]] = {
    Code.NO_SKILL: (
        "No caregiver has the required skills: {skills}.",
        "没有护理员具备所需技能：{skills}。",
    ),
    Code.EXCLUDED: (
        "Every caregiver with the skills is excluded for this visit: {caregivers}.",
        "具备所需技能的护理员均被排除：{caregivers}。",
    ),
    Code.SEX_PREFERENCE: (
        "The client asks for a {sex} caregiver; none of the eligible caregivers ({caregivers}) is.",
        "服务对象要求{sex}护理员，符合条件的护理员（{caregivers}）中没有{sex}。",
    ),
    Code.CAPACITY: (
        "The visit needs capacity {demand}; no eligible caregiver has that much.",
        "该服务需要容量 {demand}，没有符合条件的护理员满足。",
    ),
    Code.PINNED_NO_SKILL: (
        "The pinned caregiver {caregiver} lacks the required skills: {skills}.",
        "指定护理员 {caregiver} 不具备所需技能：{skills}。",
    ),
    Code.PINNED_OFF: (
        "The pinned caregiver {caregiver} is not on duty, or cannot get there, in the window {window}.",
        "指定护理员 {caregiver} 在时间窗 {window} 内不当班或无法到达。",
    ),
    Code.PINNED_TIME: (
        "The pinned start {time} is outside the visit's window {window}.",
        "指定开始时间 {time} 不在时间窗 {window} 内。",
    ),
    Code.DURATION_TOO_LONG: (
        "The visit lasts {minutes} min, longer than any eligible caregiver's shift or working hours.",
        "服务时长 {minutes} 分钟，超过所有符合条件护理员的班次或工作时长。",
    ),
    Code.NO_SHIFT_IN_WINDOW: (
        "No eligible caregiver is on duty in the window {window} (travel there and back included).",
        "时间窗 {window} 内没有符合条件的护理员当班（含往返路程）。",
    ),
    Code.TRAVEL_TOO_FAR: (
        "Too far: {caregiver} (the nearest eligible caregiver) needs {minutes} min of travel "
        "there and back, which does not fit the window {window} within the shift.",
        "距离太远：{caregiver}（最近的符合条件护理员）往返需 {minutes} 分钟，在班次内赶不上时间窗 {window}。",
    ),
    Code.OVER_HOURS: (
        "It would exceed the working hours of {caregivers}.",
        "安排此服务会超出 {caregivers} 的工作时长。",
    ),
    Code.NO_SECOND_CARER: (
        "It needs two caregivers, but only {caregivers} can take it.",
        "需要两名护理员，但只有 {caregivers} 可以承担。",
    ),
    Code.NO_COMMON_TIME: (
        "It needs two caregivers at once, but no two eligible caregivers are free at the same "
        "time in the window {window}.",
        "需要两名护理员同时服务，但在时间窗 {window} 内没有两名符合条件的护理员同时有空。",
    ),
    Code.BUSY: (
        "Every eligible caregiver is busy in the window {window}: {busy}.",
        "时间窗 {window} 内所有符合条件的护理员都没有空：{busy}。",
    ),
    Code.LOWER_PRIORITY: (
        "Lower priority than the visits served instead in the window {window}: {busy}.",
        "优先级低于在时间窗 {window} 内已安排的服务：{busy}。",
    ),
    Code.TOO_COSTLY: (
        "Serving it would cost more than leaving it out: the cheapest option, {caregiver} at "
        "{time}, adds {minutes} min of travel.",
        "安排此服务的代价高于不安排：最省的方案是 {caregiver} 在 {time} 服务，需增加 {minutes} 分钟路程。",
    ),
    Code.NOT_PLACED: (
        "It fits: {caregiver} could serve it at {time} (+{minutes} min travel), but the "
        "optimiser did not place it. Re-plan or assign it by hand.",
        "可以安排：{caregiver} 可在 {time} 服务（增加 {minutes} 分钟路程），但优化未安排；可重新规划或手动指派。",
    ),
    Code.MEAL_RIDE_TOO_LONG: (
        "The door is {minutes} min from the kitchen, longer than the {limit} min a hot meal may "
        "travel.",
        "送餐地址离厨房 {minutes} 分钟，超过热餐最长在途时间 {limit} 分钟。",
    ),
    Code.MEAL_NO_DELIVERER: (
        "No deliverer on duty can collect the meal when it is ready and bring it in the window "
        "{window}.",
        "没有当班的送餐人能在出餐后取餐并在时间窗 {window} 内送达。",
    ),
    Code.MEAL_OVER_CAPACITY: (
        "Every round that could take the meal in the window {window} is full (at most {capacity} "
        "meals at once) and no further trip fits.",
        "时间窗 {window} 内能送这份餐的每一趟都已满（每趟最多 {capacity} 份），也排不下再跑一趟。",
    ),
    Code.MOVE_LIMIT: (
        "Left out: the limit of {limit} moved visits is used up, and no eligible caregiver is "
        "free in the window {window} unless other visits move.",
        "未安排：已达到最多调整 {limit} 个服务的限制，而在时间窗 {window} 内不调整其他服务就没有符合条件的护理员有空。",
    ),
}

# The same codes said of one caregiver (recommend's "why not this caregiver?").
_TEXT_ONE: dict[Code, tuple[str, str]] = {
    Code.NO_SHIFT_IN_WINDOW: (
        "{caregiver} is not on duty in the window {window} (travel there and back included).",
        "{caregiver} 在时间窗 {window} 内不当班（含往返路程）。",
    ),
    Code.TRAVEL_TOO_FAR: (
        "Too far: {caregiver} needs {minutes} min of travel there and back, which does not fit "
        "the window {window} within the shift.",
        "距离太远：{caregiver} 往返需 {minutes} 分钟，在班次内赶不上时间窗 {window}。",
    ),
    Code.DURATION_TOO_LONG: (
        "The visit lasts {minutes} min, longer than {caregiver}'s shift or working hours.",
        "服务时长 {minutes} 分钟，超过 {caregiver} 的班次或工作时长。",
    ),
    Code.CAPACITY: (
        "{caregiver} has too little capacity left (the visit needs {demand}).",
        "{caregiver} 剩余容量不足（该服务需要 {demand}）。",
    ),
    Code.BUSY: (
        "{caregiver} is busy in the window {window}: {busy}.",
        "{caregiver} 在时间窗 {window} 内没有空：{busy}。",
    ),
    Code.NO_COMMON_TIME: (
        "{caregiver} has room, but no second eligible caregiver is free at the same time.",
        "{caregiver} 有空，但没有第二名符合条件的护理员同时有空。",
    ),
}


@dataclass(frozen=True)
class Reason:
    """Why one visit cannot be (or was not) served. ``details`` is JSON-friendly."""

    code: Code
    message: str
    message_zh: str
    details: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Bi:
    """A word that differs by language."""

    en: str
    zh: str


def hhmm(minutes: float) -> str:
    """Minutes from the day's start as HH:MM (hours past 24 keep counting)."""
    total = int(round(minutes))
    sign, total = ("-", -total) if total < 0 else ("", total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def _word(value: object, zh: bool) -> str:
    if isinstance(value, Bi):
        return value.zh if zh else value.en
    if isinstance(value, tuple | list):
        words = [_word(v, zh) for v in value]
        more = len(words) - MAX_NAMES
        shown = words[:MAX_NAMES]
        sep = "、" if zh else ", "
        text = sep.join(shown) if shown else ("无" if zh else "nobody")
        if more > 0:
            text += f" 等 {len(words)} 项" if zh else f" and {more} more"
        return text
    if isinstance(value, float):
        return f"{value:.0f}"
    return str(value)


def reason(
    code: Code, details: Mapping[str, object] | None = None, one: bool = False, **words: object
) -> Reason:
    """Build a Reason from its code's templates (``one``: said of a single caregiver)."""
    en, zh = _TEXT_ONE[code] if one and code in _TEXT_ONE else _TEXT[code]
    text_en = en.format(**{k: _word(v, False) for k, v in words.items()})
    text_zh = zh.format(**{k: _word(v, True) for k, v in words.items()})
    return Reason(code, text_en, text_zh, dict(details or {}))


def window_text(visit: Visit) -> str:
    return ", ".join(f"{hhmm(w.start)}–{hhmm(w.end)}" for w in visit.windows)


def windows_of(visit: Visit) -> list[list[float]]:
    return [[w.start, w.end] for w in visit.windows]


# --- travel ------------------------------------------------------------------------------------


class Legs:
    """Travel minutes between the places one question touches, one matrix per travel mode."""

    def __init__(self, problem: Problem, extra: Sequence[Location] = ()) -> None:
        places: dict[Location, int] = {}
        every = [v.location for v in problem.visits] + list(extra)
        for c in problem.caregivers:
            for s in c.shifts:
                every += [s.start, s.end]
        for p in every:
            places.setdefault(p, len(places))
        self.index = places
        ordered = list(places)
        modes = {c.travel_mode for c in problem.caregivers}
        self.time = {m: time_matrix(problem.travel, ordered, m) for m in modes}

    def __call__(self, mode: str, a: Location, b: Location) -> float:
        return float(self.time[mode][self.index[a], self.index[b]])


# --- eligibility -------------------------------------------------------------------------------


def pin_of(visit: Visit, carer: int) -> str | None:
    return visit.pinned_caregivers[carer] if carer < len(visit.pinned_caregivers) else None


def eligibility(
    problem: Problem, visit: Visit, carer: int
) -> tuple[list[Caregiver], Reason | None]:
    """Caregivers allowed to serve this part of the visit (the solver's own rule), or why none is.

    The filters run in the order a coordinator would check them, so the reason names the first
    one that empties the list.
    """
    need = visit.skills_of(carer)
    pin = pin_of(visit, carer)
    pool = [problem.caregiver(pin)] if pin else list(problem.caregivers)
    skills = sorted(need)
    skilled = [c for c in pool if need <= c.skills]
    if not skilled:
        code = Code.PINNED_NO_SKILL if pin else Code.NO_SKILL
        return [], reason(code, {"skills": skills, "caregiver": pin}, skills=skills, caregiver=pin)
    allowed = [c for c in skilled if c.id not in visit.excluded_caregivers]
    if not allowed:
        ids = tuple(c.id for c in skilled)
        return [], reason(Code.EXCLUDED, {"caregivers": list(ids)}, caregivers=ids)
    matched = [c for c in allowed if visit.sex_preference in (None, c.sex)]
    if not matched:
        ids = tuple(c.id for c in allowed)
        sex = Bi("female", "女性") if visit.sex_preference == "F" else Bi("male", "男性")
        details = {"sex": visit.sex_preference, "caregivers": list(ids)}
        return [], reason(Code.SEX_PREFERENCE, details, sex=sex, caregivers=ids)
    fitting = [c for c in matched if c.capacity is None or visit.demand <= c.capacity]
    if not fitting:
        return [], reason(Code.CAPACITY, {"demand": visit.demand}, demand=visit.demand)
    return fitting, None


@dataclass(frozen=True)
class Reach:
    """When one caregiver shift could start this part of the visit with an otherwise empty day.

    ``intervals`` are the feasible start times; when empty, ``failure`` says why: "duration",
    "time" (off duty even ignoring travel), "travel" or "hours" (max working minutes).
    """

    caregiver: Caregiver
    shift: int
    intervals: tuple[tuple[float, float], ...]
    failure: str
    travel: float  # there and back


def reach(legs: Legs, caregiver: Caregiver, k: int, visit: Visit, carer: int) -> Reach:
    shift = caregiver.shifts[k]
    mode = caregiver.travel_mode
    out = legs(mode, shift.start, visit.location)
    back = legs(mode, visit.location, shift.end)
    dur = visit.duration_of(carer)
    limit = caregiver.max_working_minutes
    spans = _starts(shift, visit, dur, out, back)
    if spans and (limit is None or out + dur + back <= limit + EPS):
        return Reach(caregiver, k, spans, "", out + back)
    if dur > shift.latest_end - shift.start_time + EPS or (limit is not None and dur > limit):
        failure = "duration"
    elif not _starts(shift, visit, dur, 0.0, 0.0):
        failure = "time"
    elif spans:
        failure = "hours"
    else:
        failure = "travel"
    return Reach(caregiver, k, (), failure, out + back)


def _starts(shift: Shift, visit: Visit, dur: float, out: float, back: float):
    """Start-time intervals reachable from the shift start and leaving time to get back."""
    spans = []
    latest = shift.latest_end - back - dur
    for w in visit.windows:
        lo = max(w.start, shift.start_time + out)
        hi = min(math.inf if w.soft else w.end, latest)
        if visit.pinned_start is not None:
            p = visit.pinned_start
            if lo - EPS <= p <= hi + EPS:
                spans.append((p, p))
        elif lo <= hi + EPS:
            spans.append((lo, max(lo, hi)))
    return tuple(spans)


# --- before solving ----------------------------------------------------------------------------


def diagnose(problem: Problem) -> dict[str, list[Reason]]:
    """Visit id -> reasons it cannot be served whatever the plan (visits without any omitted)."""
    legs = Legs(problem)
    out = {}
    for v in problem.visits:
        found = precheck(problem, legs, v)
        if found:
            out[v.id] = found
    return out


def precheck(problem: Problem, legs: Legs, visit: Visit) -> list[Reason]:
    """Reasons for one visit (which may be new to the problem), most fundamental first."""
    found: list[Reason] = []
    timed = visit.pinned_start is None or visit.admits(visit.pinned_start)
    if not timed:
        time = visit.pinned_start
        details = {"time": time, "windows": windows_of(visit)}
        found.append(reason(Code.PINNED_TIME, details, time=hhmm(time), window=window_text(visit)))
    able: list[dict[str, list[tuple[float, float]]]] = []
    for carer in range(visit.carers):
        caregivers, why = eligibility(problem, visit, carer)
        reaches = [
            reach(legs, c, k, visit, carer) for c in caregivers for k in range(len(c.shifts))
        ]
        if why is None and timed:
            why = timing_reason(visit, carer, reaches)
        if why is not None and why.message not in {r.message for r in found}:
            found.append(why)
        able.append(_intervals_by_caregiver(reaches))
    if visit.carers == 2 and all(able):
        why = _pair_reason(visit, able[0], able[1])
        if why is not None:
            found.append(why)
    return found


def _intervals_by_caregiver(reaches: list[Reach]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for r in reaches:
        if r.intervals:
            out.setdefault(r.caregiver.id, []).extend(r.intervals)
    return out


def timing_reason(
    visit: Visit, carer: int, reaches: list[Reach], one: bool = False
) -> Reason | None:
    """Why no shift can fit this part of the visit even in an empty day (None if one can).

    ``one``: the reaches are a single caregiver's shifts and the message names that caregiver.
    """
    if not reaches or any(r.intervals for r in reaches):
        return None
    window = window_text(visit)
    who = reaches[0].caregiver.id
    base = {"windows": windows_of(visit), "failures": {r.caregiver.id: r.failure for r in reaches}}
    pin = pin_of(visit, carer)
    if pin:
        return reason(Code.PINNED_OFF, base | {"caregiver": pin}, caregiver=pin, window=window)
    kinds = {r.failure for r in reaches}
    if kinds == {"duration"}:
        minutes = visit.duration_of(carer)
        details = base | {"minutes": minutes}
        return reason(Code.DURATION_TOO_LONG, details, one, minutes=minutes, caregiver=who)
    if "travel" in kinds:
        near = min((r for r in reaches if r.failure == "travel"), key=lambda r: r.travel)
        details = base | {"caregiver": near.caregiver.id, "minutes": near.travel}
        words = {"caregiver": near.caregiver.id, "minutes": round(near.travel), "window": window}
        return reason(Code.TRAVEL_TOO_FAR, details, one, **words)
    if "hours" in kinds:
        ids = tuple(dict.fromkeys(r.caregiver.id for r in reaches if r.failure == "hours"))
        return reason(Code.OVER_HOURS, base | {"caregivers": list(ids)}, caregivers=ids)
    return reason(Code.NO_SHIFT_IN_WINDOW, base, one, window=window, caregiver=who)


def _pair_reason(visit: Visit, first: dict, second: dict) -> Reason | None:
    """Two distinct caregivers who can both be there, at compatible times."""
    pairs = [(a, b) for a in first for b in second if a != b]
    if not pairs:
        ids = tuple(dict.fromkeys([*first, *second]))
        return reason(Code.NO_SECOND_CARER, {"caregivers": list(ids)}, caregivers=ids)
    sync = visit.sync
    lo, hi = (sync.min_gap, sync.max_gap) if sync else (0.0, 0.0)
    for a, b in pairs:
        if any(
            s1 <= e0 + hi + EPS and e1 >= s0 + lo - EPS
            for s0, e0 in first[a]
            for s1, e1 in second[b]
        ):
            return None
    details = {"windows": windows_of(visit), "caregivers": sorted({*first, *second})}
    return reason(Code.NO_COMMON_TIME, details, window=window_text(visit))


# --- meal rounds -------------------------------------------------------------------------------


def meal_reason(rounds: MealRounds, meal: Meal) -> Reason | None:
    """Why no deliverer could take this meal even alone, straight from the kitchen to the door
    (None: someone could). The meal solver leaves such meals out of its model."""
    kitchen = rounds.kitchen(meal.kitchen)
    window = f"{hhmm(meal.window.start)}–{hhmm(meal.window.end)}"
    rides = []
    for c in rounds.deliverers:
        shift = c.shifts[0]
        places = [shift.start, kitchen.location, meal.location, shift.end]
        t = time_matrix(rounds.travel, places, c.travel_mode)
        ride = float(t[1, 2])
        rides.append(ride)
        door = max(max(shift.start_time + t[0, 1], kitchen.ready) + ride, meal.window.start)
        fits = door <= meal.window.end + EPS and door + meal.handover + t[2, 3] <= shift.latest_end
        if ride <= meal.max_ride + EPS and fits:
            return None
    if min(rides) > meal.max_ride + EPS:
        details = {"minutes": min(rides), "limit": meal.max_ride}
        return reason(Code.MEAL_RIDE_TOO_LONG, details, minutes=min(rides), limit=meal.max_ride)
    return reason(Code.MEAL_NO_DELIVERER, {"window": [meal.window.start, meal.window.end]},
                  window=window)  # fmt: skip
