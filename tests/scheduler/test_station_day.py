"""Station-day behaviour: lunch breaks, two windows per visit, pairs, volunteers.

Every plan is re-checked by the independent ``validate_plan``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sched_builders import Break, Sync, at, carer, problem, visit

from scheduler.cli import main
from scheduler.formats.json_problem import load_problem, save_problem
from scheduler.model import TimeWindow, Visit
from scheduler.solver import SolveParams, solve
from scheduler.validate import validate_plan

DATA = Path(__file__).parent / "data"
LUNCH = (Break(180, 260, 30),)


def timed(solution) -> dict:
    routes = [
        {
            "caregiver": r.caregiver_id,
            "shift": r.shift,
            "stops": [[s.visit_id, s.carer, s.start] for s in r.stops],
            "breaks": [[b.start, b.duration] for b in r.breaks],
        }
        for r in solution.routes
    ]
    return {"routes": routes}


def checked(prob, solution):
    report = validate_plan(prob, timed(solution))
    assert report.feasible, report.violations
    assert report.served == len(prob.visits) - len(solution.unassigned)
    return report


def params(**kw) -> SolveParams:
    kw.setdefault("time_limit", 10.0)
    return SolveParams(solution_limit=30, **kw)


def two_windows(vid: str, x: float, duration: float = 30, **kw) -> Visit:
    wins = (TimeWindow(60, 150), TimeWindow(300, 400))
    return Visit(vid, at(x, kw.pop("y", 0.0)), wins, duration, **kw)


def test_two_windows_and_breaks_day_is_served_not_left_empty():
    """21 visits cut from a generated station day: OR-Tools' own first plan found nothing
    (every visit unassigned); the construction serves all and the search keeps them."""
    prob = load_problem(DATA / "station_two_windows_breaks.json")
    solution = solve(prob, params())
    assert solution.unassigned == ()
    assert solution.stats.phases[0].startswith("construct")
    report = checked(prob, solution)
    assert report.served == 21


def test_a_visit_goes_to_its_afternoon_window_when_the_morning_is_full():
    prob = problem(
        [carer("a", breaks=LUNCH)],
        [two_windows("v1", 5, 80), two_windows("v2", 6, 80), two_windows("v3", 4, 80)],
    )
    solution = solve(prob, params())
    assert solution.unassigned == ()
    starts = sorted(s.start for s in solution.routes[0].stops)
    assert starts[0] <= 150 and starts[-1] >= 300
    checked(prob, solution)


def test_pair_with_a_lunch_break_between_its_carers_other_visits():
    lunch = (Break(100, 160, 30),)
    prob = problem(
        [carer("a", breaks=lunch), carer("b", breaks=lunch)],
        [
            visit("a1", 3, 20, 60, 30),
            visit("bath", 4, 90, 170, 45, carers=2, sync=Sync("together")),
            visit("b1", -3, 150, 260, 30),
            visit("esc", 2, 200, 300, 20, carers=2, sync=Sync("ordered", 10, 30)),
        ],
    )
    solution = solve(prob, params())
    assert solution.unassigned == ()
    report = checked(prob, solution)
    assert report.routes == 2
    assert all(len(r.breaks) == 1 for r in solution.routes)
    assert any(p.startswith("lns:") for p in solution.stats.phases)  # not OR-Tools alone


def test_volunteer_is_never_offered_a_professional_service():
    vol = carer("vol", 0, 480, skills=frozenset({"companion", "meal"}))
    prof = carer("pro", 0, 480, skills=frozenset({"companion", "meal", "cleaning"}))
    prob = problem(
        [vol, prof],
        [
            visit("clean", 1, 0, 60, 60, required_skills=frozenset({"cleaning"})),
            visit("chat", 1, 0, 60, 60, required_skills=frozenset({"companion"})),
        ],
    )
    solution = solve(prob, params())
    assert solution.assignment()["clean"] == ("pro",)
    assert solution.assignment()["chat"] == ("vol",)
    checked(prob, solution)
    alone = problem([vol], [visit("clean", 1, 0, 60, 60, required_skills=frozenset({"cleaning"}))])
    assert solve(alone, params()).unassigned == ("clean",)


def test_same_seed_and_solution_limit_give_the_same_plan():
    prob = load_problem(DATA / "station_two_windows_breaks.json")
    a = solve(prob, params(seed=3))
    b = solve(prob, params(seed=3))
    assert a.plan() == b.plan()
    assert a.objective == b.objective


def test_validator_flags_a_start_outside_windows_a_missing_break_and_a_lone_carer():
    prob = problem(
        [carer("a", breaks=LUNCH), carer("b")],
        [two_windows("v1", 5), visit("bath", 2, 0, 400, 20, carers=2, sync=Sync("together"))],
    )
    plan = {
        "routes": [
            {"caregiver": "a", "stops": [["v1", 0, 200], ["bath", 0, 240]], "breaks": []},
            {"caregiver": "b", "stops": [], "breaks": []},
        ]
    }
    report = validate_plan(prob, plan)
    text = " | ".join(report.violations)
    assert not report.feasible
    assert "outside its windows" in text
    assert "0 breaks taken" in text
    assert "only 1 of 2 carers" in text


def test_cli_json_routes_are_per_caregiver_in_problem_order(tmp_path, capsys):
    """routes[k] is the k-th caregiver's visits, an idle caregiver's list empty (DESIGN §5)."""
    prob = problem(
        [carer("a", skills=frozenset({"x"})), carer("idle", 0, 5), carer("b")],
        [
            visit("v1", 2, 0, 100, required_skills=frozenset({"x"})),
            visit("v2", -2, 0, 100, excluded_caregivers=frozenset({"a"})),
            visit("v3", -3, 0, 100, excluded_caregivers=frozenset({"a"})),
        ],
    )
    path = tmp_path / "day.json"
    save_problem(prob, path)
    assert main(["solve", str(path), "--format", "json", "--time-limit", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["routes"][0] == ["v1"]
    assert out["routes"][1] == []
    assert sorted(out["routes"][2]) == ["v2", "v3"]
    assert len(out["routes"]) == 3


def test_capacities_go_through_the_sync_aware_search_and_hold():
    """Four deliveries of one unit next to each other, two caregivers carrying two each: the
    search (not OR-Tools alone) splits them, though one caregiver alone would travel less."""
    prob = problem(
        [carer("a", capacity=2, breaks=LUNCH), carer("b", capacity=2)],
        [visit(f"m{i}", 5 + 0.1 * i, 0, 400, 10, demand=1) for i in range(4)]
        + [visit("bath", 3, 0, 400, 20, carers=2, sync=Sync("together"))],
    )
    solution = solve(prob, params())
    assert solution.unassigned == ()
    assert any(p.startswith("lns:") for p in solution.stats.phases)
    loads = [sum(s.visit_id.startswith("m") for s in r.stops) for r in solution.routes]
    assert sorted(loads) == [2, 2]
    checked(prob, solution)


def test_validator_flags_a_route_over_its_capacity():
    prob = problem([carer("a", capacity=1)], [visit("m1", 1, demand=1), visit("m2", 2, demand=1)])
    plan = {"routes": [{"caregiver": "a", "stops": [["m1", 0, 1], ["m2", 0, 13]], "breaks": []}]}
    report = validate_plan(prob, plan)
    assert not report.feasible
    assert "load 2 exceeds capacity 1" in " | ".join(report.violations)


def test_a_large_day_keeps_the_sync_aware_plan_without_the_or_tools_check():
    """Above ``Phases.check_up_to`` tasks (the street centre) the search's own plan is final:
    pairs stay exact and the trace shows the search ran and no check followed."""
    from scheduler.solver.params import Phases

    lunch = (Break(100, 160, 30),)
    prob = problem(
        [carer("a", breaks=lunch), carer("b", breaks=lunch), carer("c")],
        [
            visit("a1", 3, 20, 60, 30),
            visit("bath", 4, 90, 170, 45, carers=2, sync=Sync("together")),
            visit("b1", -3, 150, 260, 30),
            visit("esc", 2, 200, 300, 20, carers=2, sync=Sync("ordered", 10, 30)),
        ],
    )
    solution = solve(prob, params(phases=Phases(check_up_to=1)))
    assert solution.unassigned == ()
    assert any(p.startswith("lns") for p in solution.stats.phases)
    assert not any(p.startswith("check") for p in solution.stats.phases)
    checked(prob, solution)


def test_a_working_limit_with_a_lunch_break_goes_through_the_search_and_holds():
    """Both visits prefer ``a``, but a morning and an afternoon visit do not fit in its 200
    working minutes (its lunch break counts): the search gives one to ``b``."""
    pref = frozenset({"a"})
    prob = problem(
        [carer("a", breaks=(Break(60, 120, 30),), max_working_minutes=200), carer("b")],
        [
            visit("am", 5, 0, 60, 30, preferred_caregivers=pref),
            visit("pm", 5, 300, 400, 30, preferred_caregivers=pref),
        ],
        continuity=50,
    )
    solution = solve(prob, params())
    assert solution.unassigned == ()
    assert any(p.startswith("lns:") for p in solution.stats.phases)
    assert sorted(solution.assignment().values()) == [("a",), ("b",)]
    checked(prob, solution)


def test_a_working_limit_ending_before_the_lunch_break_leaves_the_caregiver_unused():
    """``a`` could not take its lunch within 150 working minutes: it stays idle (an unused
    shift takes no break) and ``b`` serves the day; before, the construction crashed."""
    prob = problem(
        [carer("a", breaks=LUNCH, max_working_minutes=150), carer("b")],
        [visit("am", 5, 0, 60, 30), visit("pm", 5, 300, 400, 30)],
    )
    solution = solve(prob, params())
    assert solution.assignment() == {"am": ("b",), "pm": ("b",)}
    checked(prob, solution)


def test_validator_flags_a_day_over_its_working_limit():
    prob = problem(
        [carer("a", max_working_minutes=100)], [visit("am", 5, 0, 60), visit("pm", 5, 300, 400)]
    )
    plan = {"routes": [{"caregiver": "a", "stops": [["am", 0, 5], ["pm", 0, 300]], "breaks": []}]}
    report = validate_plan(prob, plan)
    assert not report.feasible
    assert "works 315.00 min, more than 100" in " | ".join(report.violations)
