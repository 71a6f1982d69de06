"""The model rejects bad input with an error that names the field."""

import pytest

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

HOME = Location(x=0.0, y=0.0)


def shift(start: float = 0, end: float = 480, **kw) -> Shift:
    return Shift(HOME, HOME, start, end, **kw)


def visit(vid: str = "v1", **kw) -> Visit:
    kw.setdefault("windows", (TimeWindow(0, 100),))
    kw.setdefault("duration", 30)
    return Visit(vid, Location(x=1.0, y=1.0), **kw)


def caregiver(cid: str = "c1", **kw) -> Caregiver:
    kw.setdefault("shifts", (shift(),))
    return Caregiver(cid, **kw)


def field_of(exc: pytest.ExceptionInfo[ModelError]) -> str:
    return exc.value.field


def test_valid_problem_normalises_collections():
    v = visit(required_skills=["bath"], excluded_caregivers=["c2"])
    p = Problem([caregiver(), caregiver("c2")], [v], travel=TravelModel("planar"))
    assert isinstance(p.visits, tuple)
    assert v.required_skills == frozenset({"bath"})
    assert p.visit("v1") is v and p.caregiver("c2").id == "c2"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Location(lat=95.0, lon=0.0), "location.lat"),
        (lambda: Location(lat=1.0, lon=1.0, x=1.0, y=1.0), "location"),
        (lambda: Location(x=1.0), "location.x"),
        (lambda: TimeWindow(10, 5), "time_window.end"),
        (lambda: TimeWindow(0, 5, lateness_weight=-1), "time_window.lateness_weight"),
        (lambda: Break(0, 10, 20), "break.duration"),
        (lambda: shift(100, 50), "shift.end_time"),
        (lambda: shift(breaks=(Break(500, 600, 30),)), "shift.breaks"),
        (lambda: visit(duration=-1), "visit[v1].duration"),
        (lambda: visit(windows=()), "visit[v1].windows"),
        (lambda: visit(windows=(TimeWindow(50, 60), TimeWindow(0, 10))), "visit[v1].windows"),
        (lambda: visit(carers=3), "visit[v1].carers"),
        (lambda: visit(sync=Sync()), "visit[v1].sync"),
        (lambda: visit(carers=2, pinned_caregivers=("a", "a")), "visit[v1].pinned_caregivers"),
        (lambda: visit(priority=0), "visit[v1].priority"),
        (lambda: visit(sex_preference="X"), "visit[v1].sex_preference"),
        (
            lambda: visit(preferred_caregivers=("c1",), excluded_caregivers={"c1"}),
            "visit[v1].preferred_caregivers",
        ),
        (lambda: Sync("ordered", 10, 5), "sync.max_gap"),
        (lambda: Sync("together", 0, 5), "sync.min_gap"),
        (lambda: caregiver(shifts=()), "caregiver[c1].shifts"),
        (lambda: caregiver(shifts=(shift(0, 100), shift(50, 200))), "caregiver[c1].shifts"),
        (lambda: caregiver(sex="Q"), "caregiver[c1].sex"),
        (lambda: caregiver(cost_per_hour=float("nan")), "caregiver[c1].cost_per_hour"),
        (lambda: TravelModel("matrix"), "travel.matrix"),
        (lambda: TravelModel("matrix", matrix=((0, 1), (1,))), "travel.matrix"),
        (lambda: TravelModel(speeds_kmh={"walk": 0}), "travel.speeds_kmh[walk]"),
        (lambda: Weights(travel=-1), "weights.travel"),
    ],
)
def test_invalid_values_name_their_field(build, field):
    with pytest.raises(ModelError) as exc:
        build()
    assert field_of(exc) == field


def test_two_carer_visit_defaults_to_together_and_per_carer_needs():
    v = visit(carers=2, required_skills={"nurse"}, second_duration=10)
    assert v.sync == Sync("together")
    assert v.skills_of(1) == frozenset({"nurse"}) and v.duration_of(1) == 10
    w = visit(carers=2, second_required_skills={"aide"})
    assert w.skills_of(0) == frozenset() and w.skills_of(1) == frozenset({"aide"})


def test_problem_checks_references_and_locations():
    with pytest.raises(ModelError) as exc:
        Problem([caregiver()], [visit(pinned_caregivers=("ghost",))], travel=TravelModel("planar"))
    assert field_of(exc) == "visit[v1].pinned_caregivers"
    with pytest.raises(ModelError) as exc:
        Problem([caregiver(), caregiver()], [], travel=TravelModel("planar"))
    assert field_of(exc) == "problem.caregivers"
    with pytest.raises(ModelError) as exc:
        Problem([caregiver()], [visit()])  # geo travel but planar places
    assert field_of(exc) == "caregiver[c1].shift.start"
    with pytest.raises(ModelError) as exc:
        Problem([caregiver(travel_mode="car")], [], travel=TravelModel("geo"))
    assert field_of(exc) == "caregiver[c1].travel_mode"


def test_matrix_travel_needs_nodes_inside_the_matrix():
    m = TravelModel("matrix", matrix=((0, 5), (5, 0)))
    at = Location(node=0)
    c = Caregiver("c1", shifts=(Shift(at, at, 0, 100),))
    with pytest.raises(ModelError) as exc:
        Problem([c], [Visit("v", Location(node=7), (TimeWindow(0, 9),), 1)], travel=m)
    assert field_of(exc) == "visit[v].location"
    assert Problem([c], [Visit("v", Location(node=1), (TimeWindow(0, 9),), 1)], travel=m)
