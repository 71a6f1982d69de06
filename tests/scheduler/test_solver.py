"""solve() on tiny hand-made problems whose optimum is known by hand."""

from __future__ import annotations

import pytest
from sched_builders import Break, Sync, carer, problem, quick, visit

from scheduler.result import evaluate
from scheduler.solver import MaxSolutions, NoImprovement, SolveParams, solve


def stops_of(solution, cid):
    return next(r for r in solution.routes if r.caregiver_id == cid).stops


def test_time_windows_order_visits_and_report_waiting():
    p = problem([carer("a")], [visit("far", 20, 40, 60), visit("near", 10, 0, 30)])
    s = solve(p, quick())
    route = stops_of(s, "a")
    assert [x.visit_id for x in route] == ["near", "far"]
    assert route[0].start == 10 and route[0].end == 20  # arrive at 10, serve 10 minutes
    assert route[1].arrival == 30 and route[1].start == 40 and route[1].waiting == 10
    assert s.distance == pytest.approx(40) and s.costs.travel == pytest.approx(40)
    assert s.unassigned == ()


def test_skills_sex_and_exclusions_choose_the_caregiver():
    carers = [carer("plain", sex="M"), carer("nurse", skills={"nurse"}, sex="F"), carer("x")]
    visits = [
        visit("injection", 5, required_skills={"nurse"}),
        visit("female-only", 6, sex_preference="F"),
        visit("not-x", 7, excluded_caregivers={"x", "nurse"}),
    ]
    s = solve(problem(carers, visits), quick())
    assert s.assignment() == {
        "injection": ("nurse",),
        "female-only": ("nurse",),
        "not-x": ("plain",),
    }


def test_impossible_visit_is_unassigned_at_its_priority_penalty():
    p = problem(
        [carer("a")],
        [visit("ok", 5), visit("skill", 5, required_skills={"bath"}, priority=3)],
        unassigned=100.0,
    )
    s = solve(p, quick())
    assert s.unassigned == ("skill",)
    assert s.costs.unassigned == pytest.approx(300.0)
    assert s.objective == pytest.approx(300.0 + 10.0)


def test_window_out_of_reach_is_unassigned_not_a_failure():
    s = solve(problem([carer("a", end=100)], [visit("late", 10, 200, 300)]), quick())
    assert s.unassigned == ("late",) and s.used_routes == 0


def test_two_carers_together_start_at_the_same_time_on_different_caregivers():
    p = problem(
        [carer("a"), carer("b", start=30)],
        [visit("bath", 10, duration=20, carers=2), visit("solo", 3)],
    )
    s = solve(p, quick())
    starts = {r.caregiver_id: x.start for r in s.routes for x in r.stops if x.visit_id == "bath"}
    assert set(starts) == {"a", "b"}
    assert starts["a"] == starts["b"] == 40  # b leaves at 30, 10 minutes away
    assert s.unassigned == ()


def test_ordered_two_carer_visit_respects_the_gap():
    p = problem(
        [carer("a", skills={"med"}), carer("b", skills={"meal"})],
        [
            visit(
                "meds-then-meal",
                10,
                carers=2,
                required_skills={"med"},
                second_required_skills={"meal"},
                sync=Sync("ordered", 30, 45),
            )
        ],
    )
    s = solve(p, quick())
    t_med = stops_of(s, "a")[0].start
    t_meal = stops_of(s, "b")[0].start
    assert 30 <= t_meal - t_med <= 45


def test_two_carer_visit_with_one_caregiver_is_unassigned():
    s = solve(problem([carer("a")], [visit("bath", 10, carers=2)]), quick())
    assert s.unassigned == ("bath",) and s.used_routes == 0


def test_pins_fix_caregiver_and_start():
    p = problem(
        [carer("a"), carer("b")],
        [visit("v", 10, pinned_caregivers=("b",), pinned_start=100)],
    )
    s = solve(p, quick())
    (stop,) = stops_of(s, "b")
    route = next(r for r in s.routes if r.caregiver_id == "b")
    assert stop.start == 100 and stop.waiting == 0 and route.start_time == 90  # leaves later


def test_break_is_taken_inside_its_window_and_visits_avoid_it():
    p = problem(
        [carer("a", breaks=(Break(20, 60, 30),))],
        [visit("v1", 5, 0, 480, 20), visit("v2", 5, 0, 480, 20)],
    )
    s = solve(p, quick())
    route = next(r for r in s.routes if r.caregiver_id == "a")
    (b,) = route.breaks
    assert b.start >= 20 and b.start + b.duration <= 60 and b.duration == 30
    for x in route.stops:
        assert x.end <= b.start or x.start >= b.start + b.duration
    assert s.unassigned == ()


def test_overtime_is_paid_per_minute():
    p = problem([carer("a", end=30, max_overtime=30)], [visit("v", 10, 0, 480, 20)], overtime=3.0)
    s = solve(p, quick())
    route = next(r for r in s.routes if r.caregiver_id == "a")
    assert route.end_time == 40 and route.overtime == 10
    assert s.costs.overtime == pytest.approx(30.0)
    assert s.objective == pytest.approx(20.0 + 30.0)


def test_soft_window_lateness_is_priced():
    p = problem([carer("a")], [visit("v", 50, 0, 20, 5, soft=True)], lateness=2.0)
    s = solve(p, quick())
    assert stops_of(s, "a")[0].lateness == 30
    assert s.costs.lateness == pytest.approx(60.0)
    assert s.objective == pytest.approx(100.0 + 60.0)


def test_continuity_prefers_the_familiar_caregiver():
    visits = [visit("v", 10, preferred_caregivers=("b",))]
    s = solve(problem([carer("a"), carer("b")], visits, continuity=50.0), quick())
    assert s.assignment() == {"v": ("b",)} and s.costs.continuity == 0.0


def test_objective_is_the_sum_of_its_terms():
    visits = [visit(f"v{i}", 3 * i, duration=5) for i in range(1, 6)]
    s = solve(problem([carer("a"), carer("b")], visits, caregiver_used=7.0), quick())
    c = s.costs
    assert s.objective == pytest.approx(c.travel + c.caregiver_used + c.unassigned)
    assert s.used_routes == 1 and c.caregiver_used == 7.0 and c.travel == pytest.approx(30.0)


def test_same_seed_and_solution_limit_give_the_same_plan():
    visits = [visit(f"v{i}", (i * 37) % 23, (i * 11) % 90, 200, 5, y=i % 7) for i in range(12)]
    p = problem([carer("a"), carer("b"), carer("c")], visits)
    runs = [solve(p, quick(60, seed=3)).plan() for _ in range(2)]
    assert runs[0] == runs[1]


def test_stopping_criteria_compose():
    params = SolveParams(time_limit=5, stop=MaxSolutions(50) | NoImprovement(3))
    assert params.runtime() == 5 and params.solutions() == 50 and params.patience() == 3
    visits = [visit(f"v{i}", i, duration=1) for i in range(8)]
    s = solve(problem([carer("a"), carer("b")], visits), params)
    assert 1 <= s.stats.solutions <= 50 and s.unassigned == ()


def test_warm_start_and_reassignment_cap_keep_the_previous_plan():
    visits = [visit("v1", 10), visit("v2", -10)]
    p = problem([carer("a"), carer("b")], visits, caregiver_used=5.0)
    previous = {("a", 0): [("v1", 0)], ("b", 0): [("v2", 0)]}
    kept = solve(p, quick(fleet_minimisation=False), initial=previous, max_reassigned=0)
    assert kept.plan() == previous
    merged = solve(p, quick(fleet_minimisation=False), initial=previous)
    assert merged.used_routes == 1


def test_assignment_cost_hook_steers_the_choice():
    p = problem([carer("a"), carer("b")], [visit("v", 10)])

    def cost(v, k, c):
        return 100.0 if c.id == "a" else 0.0

    s = solve(p, quick(), assignment_cost=cost)
    assert s.assignment() == {"v": ("b",)} and s.costs.extra == 0.0


def test_evaluate_prices_a_hand_written_plan():
    p = problem([carer("a")], [visit("v1", 10, 0, 480, 5), visit("v2", 20, 50, 480, 5)])
    s = evaluate(p, {("a", 0): [("v1", 0), ("v2", 0)]})
    assert [x.start for x in s.routes[0].stops] == [10, 50]
    assert s.routes[0].end_time == 75 and s.objective == pytest.approx(40.0)


def test_contradictory_pins_and_gaps_leave_visits_unassigned_instead_of_failing():
    visits = [
        visit("pinned-outside", 5, 0, 60, pinned_start=300),
        visit("gap-too-wide", 6, 0, 60, carers=2, sync=Sync("ordered", 120, 130)),
        visit("fine", 7),
    ]
    s = solve(problem([carer("a"), carer("b")], visits), quick())
    assert set(s.unassigned) == {"pinned-outside", "gap-too-wide"}


def test_params_are_validated():
    from scheduler.model import ModelError

    assert SolveParams(time_limit=None, solution_limit=10).deterministic
    assert not SolveParams(time_limit=5).deterministic
    for bad in (
        {"metaheuristic": "MAGIC"},
        {"first_solution": "GUESS"},
        {"time_limit": None},
        {"time_limit": -1},
        {"scale": 0},
    ):
        with pytest.raises(ModelError):
            SolveParams(**bad)


def test_phase_settings_are_validated_and_name_the_bad_field():
    from scheduler.model import ModelError
    from scheduler.solver.params import Phases, RuinRecreate, TimeShares

    for make, field in (
        (lambda: TimeShares(lns_first=1.5), "params.shares.lns_first"),
        (lambda: TimeShares(fleet_polish=float("nan")), "params.shares.fleet_polish"),
        (lambda: Phases(part_caregivers=0), "params.phases.part_caregivers"),
        (lambda: RuinRecreate(top_single=2.5), "params.ruin.top_single"),
        (lambda: SolveParams(ruin=Phases()), "params.ruin"),
    ):
        with pytest.raises(ModelError) as err:
            make()
        assert err.value.field == field


def test_the_phase_settings_reach_the_search():
    from scheduler.solver.params import Phases, RuinRecreate

    """A day the ruin-and-recreate search would take goes to OR-Tools alone when the size
    threshold is lowered below it, and the iteration count is the one given."""
    visits = [visit(f"v{i}", 10 * i, 30 * i, 30 * i + 120, duration=20) for i in range(4)]
    day = problem([carer("a"), carer("b")], visits)
    few = SolveParams(time_limit=None, solution_limit=5, ruin=RuinRecreate(iterations=7))
    assert any("lns: 7 iterations" in p for p in solve(day, few).stats.phases)
    off = SolveParams(time_limit=None, solution_limit=5, phases=Phases(lns_up_to=1))
    assert not any(p.startswith("lns") for p in solve(day, off).stats.phases)
