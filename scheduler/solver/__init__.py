"""OR-Tools solver: ``solve(problem, params) -> Solution``."""

from scheduler.solver.meals import solve_meals
from scheduler.solver.params import (
    FirstOf,
    MaxRuntime,
    MaxSolutions,
    NoImprovement,
    SolveParams,
    Stop,
)
from scheduler.solver.solve import solve

__all__ = [
    "FirstOf",
    "MaxRuntime",
    "MaxSolutions",
    "NoImprovement",
    "SolveParams",
    "Stop",
    "solve",
    "solve_meals",
]
