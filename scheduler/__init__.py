"""CareHub's pure optimisation library: problem model, OR-Tools solver, result, and on top of them
explanations of unassigned visits, re-planning and recommend-a-fit. The functions ``explain``,
``replan`` and ``recommend`` share their modules' names: import them from those modules.

No web framework, database or carehub imports here, ever (tests/scheduler/test_purity.py).
The solver is imported lazily so that reading the model does not load OR-Tools.
"""

import importlib
from typing import Any

from scheduler.model import (
    Break,
    Caregiver,
    Kitchen,
    Location,
    Meal,
    MealRounds,
    ModelError,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
    Weights,
)

_LAZY = {
    "solve": "scheduler.solver",
    "solve_meals": "scheduler.solver",
    "SolveParams": "scheduler.solver",
    "Reason": "scheduler.feasibility",
    "diagnose": "scheduler.feasibility",
    "Fit": "scheduler.recommend",
    "ReplanResult": "scheduler.replan",
    "CaregiverAbsent": "scheduler.replan",
    "CaregiverLate": "scheduler.replan",
    "VisitAdded": "scheduler.replan",
    "VisitCancelled": "scheduler.replan",
}

__all__ = [
    "Break",
    "Caregiver",
    "CaregiverAbsent",
    "CaregiverLate",
    "Fit",
    "Reason",
    "ReplanResult",
    "VisitAdded",
    "VisitCancelled",
    "diagnose",
    "Kitchen",
    "Location",
    "Meal",
    "MealRounds",
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
    "solve_meals",
]


def __getattr__(name: str) -> Any:
    """Load the solver and what builds on it only when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
