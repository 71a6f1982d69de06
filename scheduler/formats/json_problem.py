"""A JSON form of the Problem model (and of MealRounds) that round-trips exactly.

Field names are the dataclass field names; sets become sorted lists, tuples lists; defaults
may be omitted. Unknown keys are rejected with the field named, like every other model error.
"""

from __future__ import annotations

import dataclasses
import json
from os import PathLike
from pathlib import Path
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

# nested fields: name -> (class, is a sequence)
_NESTED: dict[type, dict[str, tuple[type, bool]]] = {
    Problem: {
        "caregivers": (Caregiver, True),
        "visits": (Visit, True),
        "travel": (TravelModel, False),
        "weights": (Weights, False),
    },
    MealRounds: {
        "deliverers": (Caregiver, True),
        "kitchens": (Kitchen, True),
        "meals": (Meal, True),
        "travel": (TravelModel, False),
    },
    Kitchen: {"location": (Location, False)},
    Meal: {"location": (Location, False), "window": (TimeWindow, False)},
    Caregiver: {"shifts": (Shift, True)},
    Shift: {"start": (Location, False), "end": (Location, False), "breaks": (Break, True)},
    Visit: {"location": (Location, False), "windows": (TimeWindow, True), "sync": (Sync, False)},
}
_SETS = {"skills", "required_skills", "excluded_caregivers", "second_required_skills"}


def to_dict(obj: Any) -> Any:
    """Plain JSON-ready data for any model object (defaults left out for brevity)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
            if value is None or (default is not dataclasses.MISSING and value == default):
                continue
            if f.name == "speeds_kmh":
                out[f.name] = dict(value)
            else:
                out[f.name] = to_dict(value)
        return out
    if isinstance(obj, frozenset | set):
        return sorted(obj)
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    return obj


def from_dict(cls: type, data: Any, where: str = "problem") -> Any:
    """Build ``cls`` from plain data, naming the path of any bad field."""
    if not isinstance(data, dict):
        raise ModelError(where, f"expected an object, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ModelError(where, f"unknown field(s) {sorted(unknown)}")
    nested = _NESTED.get(cls, {})
    kwargs = {}
    for key, value in data.items():
        if key in nested and value is not None:
            sub, many = nested[key]
            if many:
                if not isinstance(value, list):
                    raise ModelError(f"{where}.{key}", "expected a list")
                value = tuple(from_dict(sub, v, f"{where}.{key}[{i}]") for i, v in enumerate(value))
            else:
                value = from_dict(sub, value, f"{where}.{key}")
        elif key in _SETS and value is not None:
            value = frozenset(value)
        elif key in ("matrix", "distances") and value is not None:
            value = tuple(tuple(row) for row in value)
        elif isinstance(value, list) and key != "speeds_kmh":
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ModelError(where, str(exc)) from None


def dumps(problem: Problem, indent: int | None = None) -> str:
    return json.dumps(to_dict(problem), indent=indent, ensure_ascii=False)


def loads(text: str) -> Problem:
    return from_dict(Problem, json.loads(text))


def load_problem(path: str | PathLike[str]) -> Problem:
    return loads(Path(path).read_text(encoding="utf-8"))


def save_problem(problem: Problem, path: str | PathLike[str]) -> None:
    Path(path).write_text(dumps(problem, indent=1), encoding="utf-8")


def loads_meals(text: str) -> MealRounds:
    """Meal rounds from JSON: ``{"deliverers": [...], "kitchens": [...], "meals": [...],
    "travel": {...}}``, the same field names as the dataclasses (``dumps`` writes them)."""
    return from_dict(MealRounds, json.loads(text), "meal_rounds")


def load_meal_rounds(path: str | PathLike[str]) -> MealRounds:
    return loads_meals(Path(path).read_text(encoding="utf-8"))


def save_meal_rounds(rounds: MealRounds, path: str | PathLike[str]) -> None:
    Path(path).write_text(json.dumps(to_dict(rounds), indent=1, ensure_ascii=False), "utf-8")
