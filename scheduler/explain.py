"""Why a visit is (or would be) left unassigned, in words a coordinator understands.

``diagnose`` reasons from the problem alone, before any solve: skills, exclusions, sex
preference, pins, shifts, travel and working hours (scheduler.feasibility). ``explain`` confirms
after a solve: a visit the pre-check cannot fault is tried in every eligible caregiver's route of
the solution (scheduler.recommend does that insertion arithmetic), which tells "busy", "over
hours", "lower priority", "too costly" or "fits but was not placed" apart.

This module sits above both: feasibility knows nothing of solutions, recommend builds on
feasibility, and neither imports this one.
"""

from __future__ import annotations

from scheduler.feasibility import (
    EPS,
    Bi,
    Code,
    Legs,
    Reason,
    diagnose,
    hhmm,
    meal_reason,
    precheck,
    reason,
    window_text,
    windows_of,
)
from scheduler.model import MealRounds, Problem
from scheduler.recommend import Board, confirm
from scheduler.result import MealPlan, Solution

__all__ = [
    "EPS",
    "Bi",
    "Code",
    "Legs",
    "Reason",
    "diagnose",
    "explain",
    "explain_meals",
    "hhmm",
    "reason",
    "window_text",
    "windows_of",
]

# --- after solving -----------------------------------------------------------------------------


def explain(problem: Problem, solution: Solution) -> dict[str, Reason]:
    """Unassigned visit id -> the reason, confirmed against the solution's routes."""
    board: Board | None = None
    legs: Legs | None = None
    out = {}
    for vid in solution.unassigned:
        visit = problem.visit(vid)
        legs = legs or Legs(problem)
        found = precheck(problem, legs, visit)
        if found:
            out[vid] = found[0]
            continue
        board = board or Board(problem, solution, legs)
        out[vid] = confirm(board, visit)
    return out


def explain_meals(rounds: MealRounds, plan: MealPlan) -> dict[str, Reason]:
    """Unassigned meal id -> the reason: a ride the food cannot take, nobody on duty in time,
    or (someone could take it alone) the rounds in its window are full."""
    out = {}
    for mid in plan.unassigned:
        meal = rounds.meal(mid)
        found = meal_reason(rounds, meal)
        if found is None:
            caps = sorted({c.capacity for c in rounds.deliverers if c.capacity is not None})
            capacity = "/".join(map(str, caps)) or "∞"
            window = f"{hhmm(meal.window.start)}–{hhmm(meal.window.end)}"
            details = {"capacity": caps, "window": [meal.window.start, meal.window.end]}
            found = reason(Code.MEAL_OVER_CAPACITY, details, capacity=capacity, window=window)
        out[mid] = found
    return out
