"""Problem data: frozen, validated dataclasses that know nothing about the solver.

Times are minutes from the start of the planning day (floats allowed; the solver scales them to
integers). Every dataclass checks itself on construction and raises ``ModelError`` naming the
offending field, so a bad problem fails where it is built, not deep inside OR-Tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Sex = Literal["F", "M"]
SyncMode = Literal["together", "ordered"]
TravelKind = Literal["geo", "planar", "matrix"]

SEXES: tuple[str, ...] = ("F", "M")
TIME_EPS = 1e-6  # slack on time comparisons: sums of float travel times drift in the last bits
DEFAULT_SPEEDS_KMH: tuple[tuple[str, float], ...] = (("walk", 4.5), ("ebike", 15.0))


class ModelError(ValueError):
    """A problem definition is invalid; ``field`` names the offending attribute path."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def _check(cond: bool, field_name: str, message: str) -> None:
    if not cond:
        raise ModelError(field_name, message)


def _finite(value: float, field_name: str, minimum: float | None = None) -> None:
    _check(
        isinstance(value, int | float) and not isinstance(value, bool), field_name, "not a number"
    )
    _check(math.isfinite(value), field_name, "must be finite")
    if minimum is not None:
        _check(value >= minimum, field_name, f"must be >= {minimum}, got {value}")


def _strings(values: Iterable[str], field_name: str) -> None:
    for v in values:
        _check(isinstance(v, str) and v != "", field_name, f"expected non-empty strings, got {v!r}")


@dataclass(frozen=True)
class Location:
    """A place: either geographic (lat/lon, degrees) or planar (x/y, benchmark units).

    ``node`` is the row of this place in a supplied travel matrix (TravelModel kind "matrix").
    """

    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    node: int | None = None

    def __post_init__(self) -> None:
        geo = self.lat is not None or self.lon is not None
        planar = self.x is not None or self.y is not None
        _check(geo or planar or self.node is not None, "location", "give lat/lon, x/y or node")
        _check(not (geo and planar), "location", "give either lat/lon or x/y, not both")
        if geo:
            _check(self.lat is not None and self.lon is not None, "location.lat", "lat and lon")
            _finite(self.lat, "location.lat")  # type: ignore[arg-type]
            _finite(self.lon, "location.lon")  # type: ignore[arg-type]
            _check(-90 <= self.lat <= 90, "location.lat", "must be in [-90, 90]")  # type: ignore[operator]
            _check(-180 <= self.lon <= 180, "location.lon", "must be in [-180, 180]")  # type: ignore[operator]
        if planar:
            _check(self.x is not None and self.y is not None, "location.x", "x and y together")
            _finite(self.x, "location.x")  # type: ignore[arg-type]
            _finite(self.y, "location.y")  # type: ignore[arg-type]
        if self.node is not None:
            _check(isinstance(self.node, int) and self.node >= 0, "location.node", "must be >= 0")

    @property
    def is_geo(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True)
class TimeWindow:
    """When service may start. Hard: start in [start, end]. Soft: start >= start, lateness paid."""

    start: float
    end: float
    soft: bool = False
    lateness_weight: float = 1.0

    def __post_init__(self) -> None:
        _finite(self.start, "time_window.start")
        _finite(self.end, "time_window.end")
        _check(self.end >= self.start, "time_window.end", f"{self.end} is before {self.start}")
        _finite(self.lateness_weight, "time_window.lateness_weight", 0.0)


@dataclass(frozen=True)
class Break:
    """A break of ``duration`` minutes taken entirely inside [earliest, latest]."""

    earliest: float
    latest: float
    duration: float

    def __post_init__(self) -> None:
        _finite(self.earliest, "break.earliest")
        _finite(self.latest, "break.latest")
        _finite(self.duration, "break.duration", 0.0)
        _check(
            self.latest - self.earliest >= self.duration,
            "break.duration",
            "does not fit in its window",
        )


@dataclass(frozen=True)
class Shift:
    """One working period: leave ``start`` no earlier than ``start_time``, be back at ``end``.

    Returning after ``end_time`` is overtime (a soft cost), allowed up to ``max_overtime``.
    """

    start: Location
    end: Location
    start_time: float
    end_time: float
    breaks: tuple[Break, ...] = ()
    max_overtime: float = 0.0

    def __post_init__(self) -> None:
        _check(isinstance(self.start, Location), "shift.start", "must be a Location")
        _check(isinstance(self.end, Location), "shift.end", "must be a Location")
        _finite(self.start_time, "shift.start_time")
        _finite(self.end_time, "shift.end_time")
        _check(self.end_time >= self.start_time, "shift.end_time", "is before start_time")
        _finite(self.max_overtime, "shift.max_overtime", 0.0)
        object.__setattr__(self, "breaks", tuple(self.breaks))
        for b in self.breaks:
            _check(isinstance(b, Break), "shift.breaks", "must hold Break objects")
            _check(
                self.start_time <= b.earliest and b.latest <= self.latest_end,
                "shift.breaks",
                f"break [{b.earliest}, {b.latest}] outside the shift",
            )

    @property
    def latest_end(self) -> float:
        return self.end_time + self.max_overtime


@dataclass(frozen=True)
class Caregiver:
    """A person who visits. Each shift becomes one route; shifts must not overlap."""

    id: str
    shifts: tuple[Shift, ...]
    skills: frozenset[str] = frozenset()
    sex: Sex | None = None
    max_working_minutes: float | None = None
    cost_per_hour: float = 0.0
    travel_mode: str = "walk"
    capacity: int | None = None

    def __post_init__(self) -> None:
        _check(
            isinstance(self.id, str) and self.id != "", "caregiver.id", "must be a non-empty string"
        )
        where = f"caregiver[{self.id}]"
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "shifts", tuple(self.shifts))
        _strings(self.skills, f"{where}.skills")
        _check(self.sex is None or self.sex in SEXES, f"{where}.sex", "must be 'F', 'M' or None")
        _check(len(self.shifts) >= 1, f"{where}.shifts", "needs at least one shift")
        ordered = sorted(self.shifts, key=lambda s: s.start_time)
        for a, b in zip(ordered, ordered[1:], strict=False):
            _check(a.latest_end <= b.start_time, f"{where}.shifts", "shifts overlap")
        if self.max_working_minutes is not None:
            _finite(self.max_working_minutes, f"{where}.max_working_minutes", 0.0)
        _finite(self.cost_per_hour, f"{where}.cost_per_hour", 0.0)
        _check(isinstance(self.travel_mode, str), f"{where}.travel_mode", "must be a string")
        if self.capacity is not None:
            _check(isinstance(self.capacity, int), f"{where}.capacity", "must be an integer")
            _check(self.capacity >= 0, f"{where}.capacity", "must be >= 0")


@dataclass(frozen=True)
class Sync:
    """How the two carers of a two-carer visit start.

    together: both start at the same moment. ordered: the second carer starts between
    ``min_gap`` and ``max_gap`` minutes after the first.
    """

    mode: SyncMode = "together"
    min_gap: float = 0.0
    max_gap: float = 0.0

    def __post_init__(self) -> None:
        _check(self.mode in ("together", "ordered"), "sync.mode", "must be together or ordered")
        _finite(self.min_gap, "sync.min_gap")
        _finite(self.max_gap, "sync.max_gap")
        _check(self.max_gap >= self.min_gap, "sync.max_gap", "is below min_gap")
        if self.mode == "together":
            _check(self.min_gap == 0 and self.max_gap == 0, "sync.min_gap", "together means 0 gap")


@dataclass(frozen=True)
class Visit:
    """One home visit (one or two carers).

    For a two-carer visit, the first carer needs ``required_skills`` and works ``duration``; the
    second needs ``second_required_skills`` (default: the same) for ``second_duration`` (default:
    the same). ``priority`` >= 1 scales the penalty paid when the visit is left unassigned.
    ``pinned_caregivers`` fixes who serves (in carer order); ``pinned_start`` fixes when.
    """

    id: str
    location: Location
    windows: tuple[TimeWindow, ...]
    duration: float
    required_skills: frozenset[str] = frozenset()
    carers: int = 1
    sync: Sync | None = None
    second_required_skills: frozenset[str] | None = None
    second_duration: float | None = None
    preferred_caregivers: tuple[str, ...] = ()
    excluded_caregivers: frozenset[str] = frozenset()
    sex_preference: Sex | None = None
    priority: int = 1
    pinned_caregivers: tuple[str, ...] = ()
    pinned_start: float | None = None
    demand: int = 0

    def __post_init__(self) -> None:
        _check(isinstance(self.id, str) and self.id != "", "visit.id", "must be a non-empty string")
        where = f"visit[{self.id}]"
        _check(isinstance(self.location, Location), f"{where}.location", "must be a Location")
        self._normalise()
        _check(len(self.windows) >= 1, f"{where}.windows", "needs at least one time window")
        for w in self.windows:
            _check(isinstance(w, TimeWindow), f"{where}.windows", "must hold TimeWindow objects")
        for a, b in zip(self.windows, self.windows[1:], strict=False):
            _check(a.end < b.start, f"{where}.windows", "must be sorted and disjoint")
        _check(
            not any(w.soft for w in self.windows[:-1]),
            f"{where}.windows",
            "only the last of several windows may be soft",
        )
        _finite(self.duration, f"{where}.duration", 0.0)
        _strings(self.required_skills, f"{where}.required_skills")
        self._check_carers(where)
        _strings(self.preferred_caregivers, f"{where}.preferred_caregivers")
        _strings(self.excluded_caregivers, f"{where}.excluded_caregivers")
        clash = set(self.preferred_caregivers) & self.excluded_caregivers
        _check(not clash, f"{where}.preferred_caregivers", f"also excluded: {sorted(clash)}")
        _check(
            self.sex_preference is None or self.sex_preference in SEXES,
            f"{where}.sex_preference",
            "must be 'F', 'M' or None",
        )
        _check(
            isinstance(self.priority, int) and self.priority >= 1, f"{where}.priority", "int >= 1"
        )
        self._check_pins(where)
        _check(isinstance(self.demand, int) and self.demand >= 0, f"{where}.demand", "int >= 0")

    def _normalise(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "required_skills", frozenset(self.required_skills))
        object.__setattr__(self, "preferred_caregivers", tuple(self.preferred_caregivers))
        object.__setattr__(self, "excluded_caregivers", frozenset(self.excluded_caregivers))
        object.__setattr__(self, "pinned_caregivers", tuple(self.pinned_caregivers))
        if self.second_required_skills is not None:
            object.__setattr__(
                self, "second_required_skills", frozenset(self.second_required_skills)
            )

    def _check_carers(self, where: str) -> None:
        _check(self.carers in (1, 2), f"{where}.carers", "must be 1 or 2")
        if self.carers == 1:
            _check(self.sync is None, f"{where}.sync", "only for two-carer visits")
            _check(
                self.second_required_skills is None, f"{where}.second_required_skills", "1 carer"
            )
            _check(self.second_duration is None, f"{where}.second_duration", "only for 2 carers")
            return
        if self.sync is None:
            object.__setattr__(self, "sync", Sync())
        _check(isinstance(self.sync, Sync), f"{where}.sync", "must be a Sync")
        if self.second_required_skills is not None:
            _strings(self.second_required_skills, f"{where}.second_required_skills")
        if self.second_duration is not None:
            _finite(self.second_duration, f"{where}.second_duration", 0.0)

    def _check_pins(self, where: str) -> None:
        _strings(self.pinned_caregivers, f"{where}.pinned_caregivers")
        _check(
            len(self.pinned_caregivers) <= self.carers,
            f"{where}.pinned_caregivers",
            "more pins than carers",
        )
        _check(
            len(set(self.pinned_caregivers)) == len(self.pinned_caregivers),
            f"{where}.pinned_caregivers",
            "the same caregiver twice",
        )
        clash = set(self.pinned_caregivers) & self.excluded_caregivers
        _check(not clash, f"{where}.pinned_caregivers", f"also excluded: {sorted(clash)}")
        if self.pinned_start is not None:
            _finite(self.pinned_start, f"{where}.pinned_start")

    def skills_of(self, carer: int) -> frozenset[str]:
        """Skills the given carer (0 or 1) must hold."""
        if carer == 1 and self.second_required_skills is not None:
            return self.second_required_skills
        return self.required_skills

    def duration_of(self, carer: int) -> float:
        """Minutes the given carer (0 or 1) spends at the visit."""
        if carer == 1 and self.second_duration is not None:
            return self.second_duration
        return self.duration

    @property
    def earliest(self) -> float:
        return self.windows[0].start

    @property
    def latest(self) -> float:
        return self.windows[-1].end

    def admits(self, start: float) -> bool:
        """Whether a service may start at ``start``: inside a window, or at any time after the
        opening of a soft last window (late, paid as lateness). The one rule of the library."""
        return any(
            w.start - TIME_EPS <= start <= w.end + TIME_EPS or w.soft and start >= w.start
            for w in self.windows
        )

    def window_from(self, t: float) -> TimeWindow | None:
        """The window a service ready at ``t`` starts in (at its opening if ``t`` is earlier):
        the first not yet closed, or the soft last one; None when every window has closed."""
        for w in self.windows:
            if t <= w.end + TIME_EPS or w.soft:
                return w
        return None


@dataclass(frozen=True)
class TravelModel:
    """Travel times and distances between locations (DESIGN.md §6).

    geo: great-circle distance x ``detour`` at ``speeds_kmh[mode]``. planar: Euclidean distance,
    travel time = distance / ``planar_speed`` (distance units per minute; 1 for benchmarks).
    matrix: ``matrix[i][j]`` minutes between Location.node i and j, ``distances`` optional (km or
    benchmark units; default: the time matrix).
    """

    kind: TravelKind = "geo"
    detour: float = 1.3
    speeds_kmh: tuple[tuple[str, float], ...] = DEFAULT_SPEEDS_KMH
    planar_speed: float = 1.0
    matrix: tuple[tuple[float, ...], ...] | None = None
    distances: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        _check(self.kind in ("geo", "planar", "matrix"), "travel.kind", "geo, planar or matrix")
        _finite(self.detour, "travel.detour", 1.0)
        speeds = self.speeds_kmh
        if isinstance(speeds, Mapping):
            speeds = tuple(speeds.items())
        object.__setattr__(self, "speeds_kmh", tuple((str(m), float(s)) for m, s in speeds))
        for mode, speed in self.speeds_kmh:
            _check(speed > 0 and math.isfinite(speed), f"travel.speeds_kmh[{mode}]", "must be > 0")
        _check(self.planar_speed > 0, "travel.planar_speed", "must be > 0")
        if self.kind == "matrix":
            _check(self.matrix is not None, "travel.matrix", "required for kind 'matrix'")
        for name in ("matrix", "distances"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _square(value, f"travel.{name}"))
        if self.matrix is not None and self.distances is not None:
            _check(len(self.matrix) == len(self.distances), "travel.distances", "size differs")

    def speed(self, mode: str) -> float:
        for m, s in self.speeds_kmh:
            if m == mode:
                return s
        raise ModelError("caregiver.travel_mode", f"unknown travel mode {mode!r}")

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m for m, _ in self.speeds_kmh)


def _square(rows: Iterable[Iterable[float]], field_name: str) -> tuple[tuple[float, ...], ...]:
    out = tuple(tuple(float(v) for v in row) for row in rows)
    n = len(out)
    for i, row in enumerate(out):
        _check(len(row) == n, field_name, f"row {i} has {len(row)} entries, expected {n}")
        for v in row:
            _check(math.isfinite(v) and v >= 0, field_name, f"row {i}: negative or not finite")
    return out


@dataclass(frozen=True)
class Weights:
    """Objective weights (all per minute unless noted).

    unassigned: penalty per unassigned visit, multiplied by its priority. caregiver_used: fixed
    cost per caregiver who works at all (a large value gives the hierarchical fewest-routes
    objective). fairness: weight on the longest working day. continuity: per visit served by
    someone outside its non-empty ``preferred_caregivers``. max_lateness: weight on the
    largest lateness of any visit. wage: multiplies each caregiver's cost_per_hour / 60 per minute
    on duty.
    """

    travel: float = 1.0
    unassigned: float = 10_000.0
    lateness: float = 1.0
    max_lateness: float = 0.0
    overtime: float = 2.0
    continuity: float = 30.0
    fairness: float = 0.0
    caregiver_used: float = 0.0
    wage: float = 0.0

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            _finite(getattr(self, name), f"weights.{name}", 0.0)

    def unassigned_penalty(self, visit: Visit) -> float:
        return self.unassigned * visit.priority


@dataclass(frozen=True)
class Problem:
    """A day's planning problem: caregivers, visits, travel and objective weights."""

    caregivers: tuple[Caregiver, ...]
    visits: tuple[Visit, ...]
    travel: TravelModel = field(default_factory=TravelModel)
    weights: Weights = field(default_factory=Weights)
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "caregivers", tuple(self.caregivers))
        object.__setattr__(self, "visits", tuple(self.visits))
        _check(len(self.caregivers) >= 1, "problem.caregivers", "needs at least one caregiver")
        _unique((c.id for c in self.caregivers), "problem.caregivers")
        _unique((v.id for v in self.visits), "problem.visits")
        ids = {c.id for c in self.caregivers}
        modes = set(self.travel.modes)
        for c in self.caregivers:
            if self.travel.kind == "geo":
                _check(
                    c.travel_mode in modes,
                    f"caregiver[{c.id}].travel_mode",
                    f"unknown mode {c.travel_mode!r}; known: {sorted(modes)}",
                )
            for s in c.shifts:
                self._check_location(s.start, f"caregiver[{c.id}].shift.start")
                self._check_location(s.end, f"caregiver[{c.id}].shift.end")
        for v in self.visits:
            self._check_location(v.location, f"visit[{v.id}].location")
            for name in ("preferred_caregivers", "pinned_caregivers", "excluded_caregivers"):
                unknown = set(getattr(v, name)) - ids
                _check(
                    not unknown, f"visit[{v.id}].{name}", f"unknown caregivers {sorted(unknown)}"
                )

    def _check_location(self, loc: Location, where: str) -> None:
        kind = self.travel.kind
        if kind == "geo":
            _check(loc.is_geo, where, "travel kind 'geo' needs lat/lon")
        elif kind == "planar":
            _check(loc.x is not None, where, "travel kind 'planar' needs x/y")
        else:
            size = len(self.travel.matrix or ())
            _check(loc.node is not None, where, "travel kind 'matrix' needs node")
            _check(loc.node < size, where, f"node {loc.node} outside the {size}x{size} matrix")  # type: ignore[operator]

    def caregiver(self, caregiver_id: str) -> Caregiver:
        for c in self.caregivers:
            if c.id == caregiver_id:
                return c
        raise KeyError(caregiver_id)

    def visit(self, visit_id: str) -> Visit:
        for v in self.visits:
            if v.id == visit_id:
                return v
        raise KeyError(visit_id)


def _unique(ids: Iterable[str], field_name: str) -> None:
    seen: set[str] = set()
    for i in ids:
        _check(i not in seen, field_name, f"duplicate id {i!r}")
        seen.add(i)


# --- meal rounds (助餐) --------------------------------------------------------------------------

MAX_RIDE = 45.0  # minutes a hot meal may spend between the kitchen and the door


@dataclass(frozen=True)
class Kitchen:
    """Where meals are collected: the station's kitchen or a canteen, meals ready at ``ready``."""

    id: str
    location: Location
    ready: float = 0.0

    def __post_init__(self) -> None:
        _check(
            isinstance(self.id, str) and self.id != "", "kitchen.id", "must be a non-empty string"
        )
        _check(isinstance(self.location, Location), f"kitchen[{self.id}].location", "a Location")
        _finite(self.ready, f"kitchen[{self.id}].ready")


@dataclass(frozen=True)
class Meal:
    """One meal taken from ``kitchen`` to a door and handed over inside ``window`` (the lunch
    window), at most ``max_ride`` minutes after it was collected (hot food)."""

    id: str
    kitchen: str
    location: Location
    window: TimeWindow
    handover: float = 2.0
    max_ride: float = MAX_RIDE
    priority: int = 1

    def __post_init__(self) -> None:
        _check(isinstance(self.id, str) and self.id != "", "meal.id", "must be a non-empty string")
        where = f"meal[{self.id}]"
        _check(isinstance(self.location, Location), f"{where}.location", "must be a Location")
        _check(isinstance(self.window, TimeWindow), f"{where}.window", "must be a TimeWindow")
        _check(not self.window.soft, f"{where}.window", "a meal's window is hard")
        _finite(self.handover, f"{where}.handover", 0.0)
        _finite(self.max_ride, f"{where}.max_ride", 0.0)
        _check(
            isinstance(self.priority, int) and self.priority >= 1, f"{where}.priority", "int >= 1"
        )


@dataclass(frozen=True)
class MealRounds:
    """A lunch's meal deliveries: who delivers, from which kitchens, which meals.

    A deliverer (caregiver or volunteer) works one shift (the first); ``capacity`` is the most
    meals carried at once (None: no limit but the ride time), so a deliverer may go back to the
    kitchen for a second trip. A meal left out costs ``unassigned_penalty`` times its priority;
    each minute of travel costs 1.
    """

    deliverers: tuple[Caregiver, ...]
    kitchens: tuple[Kitchen, ...]
    meals: tuple[Meal, ...]
    travel: TravelModel
    unassigned_penalty: float = 1000.0

    def __post_init__(self) -> None:
        for name in ("deliverers", "kitchens", "meals"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check(len(self.deliverers) >= 1, "meal_rounds.deliverers", "needs at least one")
        _finite(self.unassigned_penalty, "meal_rounds.unassigned_penalty", 0.0)
        _unique((c.id for c in self.deliverers), "meal_rounds.deliverers")
        _unique((k.id for k in self.kitchens), "meal_rounds.kitchens")
        _unique((m.id for m in self.meals), "meal_rounds.meals")
        known = {k.id for k in self.kitchens}
        at = Problem._check_location  # the same rule as a day's problem
        for c in self.deliverers:
            at(self, c.shifts[0].start, f"deliverer[{c.id}].shift.start")  # type: ignore[arg-type]
            at(self, c.shifts[0].end, f"deliverer[{c.id}].shift.end")  # type: ignore[arg-type]
        for k in self.kitchens:
            at(self, k.location, f"kitchen[{k.id}].location")  # type: ignore[arg-type]
        for m in self.meals:
            _check(m.kitchen in known, f"meal[{m.id}].kitchen", f"unknown kitchen {m.kitchen!r}")
            at(self, m.location, f"meal[{m.id}].location")  # type: ignore[arg-type]

    def kitchen(self, kitchen_id: str) -> Kitchen:
        return next(k for k in self.kitchens if k.id == kitchen_id)

    def meal(self, meal_id: str) -> Meal:
        return next(m for m in self.meals if m.id == meal_id)

    def deliverer(self, caregiver_id: str) -> Caregiver:
        return next(c for c in self.deliverers if c.id == caregiver_id)
