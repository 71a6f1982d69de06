"""Search parameters and composable stopping criteria.

A stopping criterion is a small value object; ``a | b`` stops at whichever comes first. Runtime
and solution counts map onto OR-Tools' own limits; ``NoImprovement`` is checked at each new
solution. Only solution-count criteria give a reproducible run for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class SolveParams:
    """How to search. ``time_limit``/``solution_limit`` are shorthands combined with ``stop``.

    fleet_minimisation: None = automatic (when Weights.caregiver_used > 0).
    scale: integer units per minute inside OR-Tools (travel times are rounded up, so a plan
    feasible in integers stays feasible in floating point).
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

    def __post_init__(self) -> None:
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise ModelError("params.first_solution", f"unknown {self.first_solution!r}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ModelError("params.metaheuristic", f"unknown {self.metaheuristic!r}")
        if self.scale < 1:
            raise ModelError("params.scale", "must be >= 1")
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
