"""Search parameters and composable stopping criteria.

A stopping criterion is a small value object; ``a | b`` stops at whichever comes first. Runtime
and solution counts map onto OR-Tools' own limits; ``NoImprovement`` is checked at each new
solution. Only solution-count criteria give a reproducible run for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from scheduler.model import ModelError

FIRST_SOLUTION_STRATEGIES = (
    "AUTOMATIC",
    "PATH_CHEAPEST_ARC",
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "SAVINGS",
    "CHRISTOFIDES",
    "BEST_INSERTION",
    "SWEEP",
)
METAHEURISTICS = (
    "AUTOMATIC",
    "GREEDY_DESCENT",
    "GUIDED_LOCAL_SEARCH",
    "SIMULATED_ANNEALING",
    "TABU_SEARCH",
    "GENERIC_TABU_SEARCH",
)


class Stop:
    """Base class: combine criteria with ``|``."""

    def __or__(self, other: Stop) -> FirstOf:
        return FirstOf(tuple(_flatten(self)) + tuple(_flatten(other)))

    def parts(self) -> tuple[Stop, ...]:
        return tuple(_flatten(self))


def _flatten(s: Stop) -> list[Stop]:
    return [p for c in s.criteria for p in _flatten(c)] if isinstance(s, FirstOf) else [s]


@dataclass(frozen=True)
class MaxRuntime(Stop):
    seconds: float

    def __post_init__(self) -> None:
        if not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise ModelError("stop.seconds", "must be a positive number")


@dataclass(frozen=True)
class MaxSolutions(Stop):
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ModelError("stop.count", "must be >= 1")


@dataclass(frozen=True)
class NoImprovement(Stop):
    """Stop after ``solutions`` consecutive solutions that do not improve the best one."""

    solutions: int

    def __post_init__(self) -> None:
        if self.solutions < 1:
            raise ModelError("stop.solutions", "must be >= 1")


@dataclass(frozen=True)
class FirstOf(Stop):
    criteria: tuple[Stop, ...]


def _check_fields(obj: object, where: str) -> None:
    """Every field a finite number in range: a share in [0, 1], a count >= 1 (names the field)."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        name = f"params.{where}.{f.name}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(name, "must be a number")
        if f.type in ("int", int):
            if not isinstance(value, int) or value < 1:
                raise ModelError(name, "must be an integer >= 1")
        elif not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ModelError(name, "must be a share between 0 and 1")


@dataclass(frozen=True)
class Phases:
    """Day sizes, in tasks (a two-carer visit is two), that choose which phases run.

    construct_above: a fleet-minimising (benchmark) run above this starts from the construction
    (every other run always does). parts_above: larger days are searched part by part from the
    construction when the ruin-and-recreate search does not apply. lns_up_to: the
    ruin-and-recreate search runs up to this (it prices insertions with numpy over the whole
    day, so it also runs on the street centre). check_up_to: up to this, OR-Tools re-checks
    (and polishes) the search's plan; above it building the routing model alone costs more than
    the check gains. part_caregivers: caregivers per part, small enough for OR-Tools to search
    quickly. first_up_to: with a construction to start from, OR-Tools' first plan is tried
    only up to this (above it the construction was the better start on every Mankowska
    instance, D-G, and the first plan's time share goes to the search).
    """

    construct_above: int = 200
    parts_above: int = 800
    lns_up_to: int = 5000
    part_caregivers: int = 12
    check_up_to: int = 800
    first_up_to: int = 80

    def __post_init__(self) -> None:
        _check_fields(self, "phases")


@dataclass(frozen=True)
class TimeShares:
    """Shares of the time limit given to the phases.

    lns_first: OR-Tools' first plan before the ruin-and-recreate search; lns_check: kept at the
    end for loading its result back into OR-Tools. fleet_*: the fleet-minimising path (first
    plan with the whole fleet, route elimination until this share, OR-Tools' polish at the end,
    and the reserve for the final search when OR-Tools does the reduction).
    """

    lns_first: float = 0.15
    lns_check: float = 0.05
    fleet_first: float = 0.1
    fleet_reduce_until: float = 0.4
    fleet_polish: float = 0.05
    fleet_fallback_final: float = 0.35

    def __post_init__(self) -> None:
        _check_fields(self, "shares")


@dataclass(frozen=True)
class RuinRecreate:
    """The ruin-and-recreate search (scheduler.solver.lns).

    iterations: under a solution limit (reproducible runs). top_single: candidate positions per
    task checked with the exact schedule; top_pair: positions per carer combined for a two-carer
    visit. route_ruin: share of ruins that empty a whole (short) route. ruin_max: most visits
    removed by one ruin. string_ruin: share of ruins that cut strings of consecutive visits
    from the routes nearest a random visit (after route ruins and the 0.6 - route_ruin share of
    nearest-neighbour ruins; the rest remove visits at random).
    """

    iterations: int = 300
    top_single: int = 4
    top_pair: int = 6
    route_ruin: float = 0.1
    ruin_max: int = 15
    string_ruin: float = 0.2

    def __post_init__(self) -> None:
        _check_fields(self, "ruin")


@dataclass(frozen=True)
class SolveParams:
    """How to search. ``time_limit``/``solution_limit`` are shorthands combined with ``stop``.

    fleet_minimisation: None = automatic (when Weights.caregiver_used > 0).
    scale: integer units per minute inside OR-Tools (travel times are rounded up, so a plan
    feasible in integers stays feasible in floating point). phases, shares, ruin: the day sizes,
    time shares and search settings the phases use (their defaults are the tuned ones, see
    scheduler/TUNING.md).
    """

    time_limit: float | None = 10.0
    solution_limit: int | None = None
    stop: Stop | None = None
    seed: int = 0
    first_solution: str = "AUTOMATIC"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    fleet_minimisation: bool | None = None
    scale: int = 100
    log: bool = False
    extra: dict[str, object] = field(default_factory=dict)
    phases: Phases = field(default_factory=Phases)
    shares: TimeShares = field(default_factory=TimeShares)
    ruin: RuinRecreate = field(default_factory=RuinRecreate)

    def __post_init__(self) -> None:
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise ModelError("params.first_solution", f"unknown {self.first_solution!r}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ModelError("params.metaheuristic", f"unknown {self.metaheuristic!r}")
        if self.scale < 1:
            raise ModelError("params.scale", "must be >= 1")
        for name, kind in (("phases", Phases), ("shares", TimeShares), ("ruin", RuinRecreate)):
            if not isinstance(getattr(self, name), kind):
                raise ModelError(f"params.{name}", f"must be a {kind.__name__}")
        if self.time_limit is not None:
            MaxRuntime(self.time_limit)
        if self.solution_limit is not None:
            MaxSolutions(self.solution_limit)
        if self.runtime() is None and self.solutions() is None:
            raise ModelError("params.time_limit", "give a time limit or a solution limit")

    def _parts(self) -> list[Stop]:
        parts: list[Stop] = list(self.stop.parts()) if self.stop is not None else []
        if self.time_limit is not None:
            parts.append(MaxRuntime(self.time_limit))
        if self.solution_limit is not None:
            parts.append(MaxSolutions(self.solution_limit))
        return parts

    def runtime(self) -> float | None:
        values = [p.seconds for p in self._parts() if isinstance(p, MaxRuntime)]
        return min(values) if values else None

    def solutions(self) -> int | None:
        values = [p.count for p in self._parts() if isinstance(p, MaxSolutions)]
        return min(values) if values else None

    def patience(self) -> int | None:
        values = [p.solutions for p in self._parts() if isinstance(p, NoImprovement)]
        return min(values) if values else None

    @property
    def deterministic(self) -> bool:
        """A solution limit ends the run reproducibly (the time limit is then a guard)."""
        return self.solutions() is not None
