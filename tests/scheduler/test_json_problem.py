"""The JSON problem format round-trips the model and names bad fields."""

from __future__ import annotations

import json

import pytest

from scheduler.formats.json_problem import dumps, from_dict, loads
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


def rich_problem() -> Problem:
    home = Location(lat=32.05, lon=118.78)
    shift = Shift(home, home, 480, 1020, (Break(690, 810, 30),), max_overtime=60)
    carers = [
        Caregiver("li", (shift,), frozenset({"bath", "meal"}), "F", 480, 35.5, "ebike", 4),
        Caregiver("wang", (shift,), sex="M"),
    ]
    visits = [
        Visit(
            "bath-1",
            Location(lat=32.06, lon=118.79),
            (TimeWindow(540, 600), TimeWindow(840, 900, soft=True, lateness_weight=2)),
            45,
            frozenset({"bath"}),
            carers=2,
            sync=Sync("ordered", 5, 15),
            second_required_skills=frozenset(),
            second_duration=30,
            preferred_caregivers=("li",),
            sex_preference="F",
            priority=3,
            pinned_caregivers=("li",),
            pinned_start=545,
            demand=1,
        ),
        Visit("meal-2", Location(lat=32.04, lon=118.77), (TimeWindow(660, 720),), 20),
    ]
    travel = TravelModel("geo", 1.4, {"walk": 4.0, "ebike": 14.0})
    return Problem(carers, visits, travel, Weights(continuity=12.5, fairness=0.1), "Gulou day")


def test_round_trip_is_exact():
    p = rich_problem()
    text = dumps(p)
    assert loads(text) == p
    assert json.loads(text)["caregivers"][0]["skills"] == ["bath", "meal"]


def test_matrix_travel_round_trips():
    m = TravelModel("matrix", matrix=((0, 3), (3, 0)), distances=((0, 1.5), (1.5, 0)))
    at = Location(node=0)
    p = Problem([Caregiver("c", (Shift(at, at, 0, 60),))], [], m)
    assert loads(dumps(p)) == p


def test_unknown_and_invalid_fields_are_named():
    data = json.loads(dumps(rich_problem()))
    data["visits"][1]["colour"] = "red"
    with pytest.raises(ModelError) as exc:
        from_dict(Problem, data)
    assert exc.value.field == "problem.visits[1]"
    data = json.loads(dumps(rich_problem()))
    data["visits"][1]["duration"] = -5
    with pytest.raises(ModelError) as exc:
        from_dict(Problem, data)
    assert exc.value.field == "visit[meal-2].duration"
    with pytest.raises(ModelError) as exc:
        loads('{"caregivers": "nobody", "visits": []}')
    assert exc.value.field == "problem.caregivers"
