"""Meal rounds (助餐) on tiny planar days (travel minutes = distance), each plan re-checked by
scheduler.validate.validate_meals."""

from __future__ import annotations

import pytest
from sched_builders import HOME, at, carer

from scheduler.model import Kitchen, Meal, MealRounds, ModelError, TimeWindow, TravelModel
from scheduler.solver import SolveParams, solve_meals
from scheduler.validate import validate_meals

LUNCH = TimeWindow(0, 200)
KITCHEN = Kitchen("station", HOME, ready=0)


def rounds(meals, capacity=None, **kw) -> MealRounds:
    deliverer = carer("d", 0, 300, capacity=capacity)
    return MealRounds((deliverer,), (KITCHEN,), tuple(meals), TravelModel("planar"), **kw)


def meal(mid: str, x: float, y: float = 0.0, **kw) -> Meal:
    return Meal(mid, "station", at(x, y), kw.pop("window", LUNCH), **kw)


def checked(problem: MealRounds):
    plan = solve_meals(problem, SolveParams(time_limit=None, solution_limit=50, seed=1))
    report = validate_meals(problem, plan.to_json())
    assert report.feasible, report.violations
    return plan


def _kitchen_calls(route) -> int:
    """How often the deliverer collects at the kitchen (a run of pickups is one call)."""
    kinds = [e.kind for e in route.events]
    return sum(
        k == "pickup" and (i == 0 or kinds[i - 1] == "delivery") for i, k in enumerate(kinds)
    )


def test_a_round_over_capacity_goes_back_to_the_kitchen():
    plan = checked(rounds([meal("a", 5), meal("b", 6), meal("c", 7)], capacity=2))
    (route,) = plan.routes
    assert plan.unassigned == ()
    assert _kitchen_calls(route) == 2  # the validator checked that the bag never holds 3


def test_without_a_capacity_one_trip_serves_them_all():
    plan = checked(rounds([meal("a", 5), meal("b", 6), meal("c", 7)]))
    assert plan.unassigned == () and plan.routes[0].trips == 1


def test_a_meal_whose_ride_would_be_too_long_is_re_routed():
    """Both in one trip, the second door is reached 60 minutes after the kitchen: two trips."""
    plan = checked(rounds([meal("east", 20, max_ride=30), meal("west", -20, max_ride=30)]))
    assert plan.unassigned == ()
    assert plan.routes[0].trips == 2
    assert max(plan.ride("east"), plan.ride("west")) <= 30


def test_a_meal_past_its_ride_limit_is_refused():
    from scheduler.explain import explain_meals
    from scheduler.feasibility import Code

    problem = rounds([meal("near", 10), meal("far", 60)])
    plan = checked(problem)
    assert plan.unassigned == ("far",)
    assert explain_meals(problem, plan)["far"].code is Code.MEAL_RIDE_TOO_LONG


def test_a_meal_left_out_for_capacity_says_so():
    """Capacity 1 and a short lunch window: one trip fits, the second meal cannot."""
    from scheduler.explain import explain_meals
    from scheduler.feasibility import Code

    window = TimeWindow(10, 12)
    problem = rounds([meal("a", 10, window=window), meal("b", 10, 1, window=window)], capacity=1)
    plan = checked(problem)
    assert len(plan.unassigned) == 1
    (left,) = plan.unassigned
    assert explain_meals(problem, plan)[left].code is Code.MEAL_OVER_CAPACITY


def test_pickup_precedes_delivery_on_the_same_route():
    problem = MealRounds(
        (carer("d1", 0, 300, capacity=2), carer("d2", 0, 300, capacity=2)),
        (KITCHEN, Kitchen("canteen", at(30, 30), ready=20)),
        (meal("a", 5), meal("b", -5), Meal("c", "canteen", at(35, 30), LUNCH), meal("d", 8)),
        TravelModel("planar"),
    )
    plan = checked(problem)
    assert plan.unassigned == ()
    for route in plan.routes:
        kinds = [(e.meal_id, e.kind) for e in route.events]
        for mid, kind in kinds:
            if kind == "delivery":
                assert kinds.index((mid, "pickup")) < kinds.index((mid, "delivery"))
    pickup_c = next(e for r in plan.routes for e in r.events if e.meal_id == "c")
    assert pickup_c.time >= 20  # not before the canteen's meals are ready


@pytest.mark.parametrize(
    "events, complaint",
    [
        ([["a", "pickup", 1], ["b", "pickup", 1], ["a", "delivery", 6], ["b", "delivery", 7]],
         "capacity"),
        ([["a", "pickup", 0], ["a", "delivery", 80]], "rode"),
        ([["a", "delivery", 5], ["a", "pickup", 20]], "without being collected"),
        ([["a", "pickup", 0], ["a", "delivery", 1]], "before it can be reached"),
    ],
)  # fmt: skip
def test_the_validator_refuses_broken_meal_plans(events, complaint):
    problem = rounds([meal("a", 5), meal("b", 6)], capacity=1)
    plan = {"routes": [{"deliverer": "d", "events": events}], "unassigned": ["b"]}
    report = validate_meals(problem, plan)
    assert not report.feasible
    assert any(complaint in v for v in report.violations), report.violations


def test_same_seed_and_solution_limit_give_the_same_rounds():
    problem = rounds([meal(f"m{i}", 3 * i, i % 3) for i in range(8)], capacity=3)
    assert checked(problem).to_json() == checked(problem).to_json()


def test_meal_rounds_name_the_bad_field():
    with pytest.raises(ModelError) as err:
        rounds([Meal("a", "canteen", at(1), LUNCH)])
    assert err.value.field == "meal[a].kitchen"
    with pytest.raises(ModelError) as err:
        meal("a", 1, max_ride=-1)
    assert err.value.field == "meal[a].max_ride"


def test_meal_rounds_round_trip_through_json(tmp_path):
    from scheduler.formats.json_problem import load_meal_rounds, loads_meals, save_meal_rounds

    problem = rounds([meal("a", 5, max_ride=30, handover=3), meal("b", -4)], capacity=4)
    save_meal_rounds(problem, tmp_path / "lunch.json")
    assert load_meal_rounds(tmp_path / "lunch.json") == problem
    with pytest.raises(ModelError) as err:
        loads_meals('{"deliverers": [], "kitchens": [], "meals": [{"id": "x", "oops": 1}]}')
    assert err.value.field == "meal_rounds.meals[0]"


def test_the_cli_solves_meal_rounds_written_as_json(tmp_path, capsys):
    import json

    from scheduler.cli import main
    from scheduler.formats.json_problem import save_meal_rounds

    problem = rounds([meal("a", 5), meal("b", 6), meal("c", 7)], capacity=2)
    save_meal_rounds(problem, tmp_path / "lunch.json")
    assert (
        main(["solve", str(tmp_path / "lunch.json"), "--format", "json", "--time-limit", "1"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert validate_meals(problem, out).feasible and out["unassigned"] == []


def _crowded_lunch() -> MealRounds:
    """Two kitchens, 48 meals in a 90-minute window, six deliverers carrying 4 each."""
    kitchens = (Kitchen("west", at(-30, 0), ready=0), Kitchen("east", at(30, 0), ready=0))
    meals = [
        Meal(f"m{i}", ("west", "east")[i % 2], at((-1) ** (i + 1) * (20 + (7 * i) % 25), (5 * i) % 30 - 15),
             TimeWindow(30, 120), max_ride=45)
        for i in range(48)
    ]  # fmt: skip
    deliverers = [carer(f"d{k}", 0, 200, capacity=4) for k in range(6)]
    return MealRounds(tuple(deliverers), kitchens, tuple(meals), TravelModel("planar"))


def test_a_crowded_lunch_starts_from_the_construction_and_serves_what_it_can():
    """The search alone, stopped after one solution, serves a few; the construction first
    means the plan is never worse than nearest-meal-first trips."""
    problem = _crowded_lunch()
    plan = solve_meals(problem, SolveParams(time_limit=None, solution_limit=1, seed=1))
    report = validate_meals(problem, plan.to_json())
    assert report.feasible, report.violations
    assert report.served >= 40
    for route in plan.routes:  # each meal collected at its own kitchen, from the nearest first
        kitchens = {problem.meals[int(e.meal_id[1:])].kitchen for e in route.events}
        assert kitchens <= {"west", "east"}


def test_the_construction_is_deterministic():
    problem = _crowded_lunch()
    params = SolveParams(time_limit=None, solution_limit=1, seed=1)
    assert solve_meals(problem, params).to_json() == solve_meals(problem, params).to_json()
