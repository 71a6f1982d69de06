"""Tiny hand-made problems on a plane (travel time = distance, minutes)."""

from __future__ import annotations

from scheduler.model import (
    Break,
    Caregiver,
    Location,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
    Weights,
)
from scheduler.solver import SolveParams

__all__ = ["Break", "Sync", "at", "carer", "problem", "visit", "quick"]

HOME = Location(x=0.0, y=0.0)


def at(x: float, y: float = 0.0) -> Location:
    return Location(x=x, y=y)


def carer(cid: str, start: float = 0, end: float = 480, **kw) -> Caregiver:
    breaks = kw.pop("breaks", ())
    overtime = kw.pop("max_overtime", 0.0)
    return Caregiver(cid, (Shift(HOME, HOME, start, end, breaks, overtime),), **kw)


def visit(vid: str, x: float, start: float = 0, end: float = 480, duration: float = 10, **kw):
    soft = kw.pop("soft", False)
    return Visit(vid, at(x, kw.pop("y", 0.0)), (TimeWindow(start, end, soft),), duration, **kw)


def problem(carers, visits, **weights) -> Problem:
    return Problem(carers, visits, TravelModel("planar"), Weights(**weights))


def quick(solutions: int = 200, **kw) -> SolveParams:
    """Reproducible: the solution limit ends the search; the time limit only guards GLS,
    which on a problem this small can run out of new solutions before reaching it."""
    kw.setdefault("first_solution", "PARALLEL_CHEAPEST_INSERTION")
    kw.setdefault("time_limit", 1.0)
    return SolveParams(solution_limit=solutions, **kw)
