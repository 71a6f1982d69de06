"""CareHub's pure optimisation library: problem model, OR-Tools solver, result.

No web framework, database or carehub imports here, ever (tests/scheduler/test_purity.py).
The solver is imported lazily so that reading the model does not load OR-Tools.
"""

from typing import Any

from scheduler.model import (
    Break,
    Caregiver,
    Location,
    ModelError,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
    Weights,
)

__all__ = [
    "Break",
    "Caregiver",
    "Location",
    "ModelError",
    "Problem",
    "Shift",
    "SolveParams",
    "Sync",
    "TimeWindow",
    "TravelModel",
    "Visit",
    "Weights",
    "solve",
]


def __getattr__(name: str) -> Any:
    if name in ("solve", "SolveParams"):
        from scheduler import solver

        return getattr(solver, name)
    raise AttributeError(name)
