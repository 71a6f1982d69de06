"""Recommend a fit: ranking by cheapest insertion, knock-on effects, reasons for the others."""

from __future__ import annotations

import pytest
from sched_builders import Break, carer, problem, quick, visit

from scheduler.explain import Code
from scheduler.recommend import recommend
from scheduler.result import BreakTaken, evaluate
from scheduler.solver import solve


def day():
    """a works near x=10, b near x=-40, c is busy 00:30-02:30 right where the new visit is."""
    p = problem(
        [carer("a"), carer("b"), carer("c")],
        [
            visit("a1", 10, 0, 480, 10),
            visit("b1", -40, 0, 480, 10),
            visit("c1", 12, 30, 30, 120),
        ],
    )
    plan = {("a", 0): [("a1", 0)], ("b", 0): [("b1", 0)], ("c", 0): [("c1", 0)]}
    return p, evaluate(p, plan)


def test_the_nearest_free_caregiver_ranks_first_with_its_added_travel():
    p, s = day()
    fits = recommend(p, s, visit("new", 12, 30, 60, 10))
    assert [f.caregivers for f in fits] == [("a",), ("b",), ("c",)]
    best, second, busy = fits
    assert best.feasible and best.added_travel == pytest.approx(4)  # 0-10-12-0 vs 0-10-0
    assert best.start == 30 and best.placements[0].after == "a1"
    assert best.cost == pytest.approx(4) and best.knock_on == ()
    assert second.feasible and second.added_travel == pytest.approx(24)
    assert not busy.feasible and busy.reason.code == Code.BUSY
    assert busy.reason.details["busy"] == [["c1", 30, 150]]
    assert "00:30–02:30" in busy.reason.message


def test_knock_on_reports_which_visits_shift_and_by_how_much():
    p = problem(
        [carer("a")],
        [visit("x", 10, 0, 480, 10), visit("y", 10, 20, 100, 10, soft=True)],
    )
    s = evaluate(p, {("a", 0): [("x", 0), ("y", 0)]})  # x 10-20, y 20-30
    (fit,) = recommend(p, s, visit("new", 10, 20, 20, 30))  # must start at 20 exactly
    (shifted,) = fit.knock_on
    assert shifted.visit_id == "y" and shifted.old_start == 20 and shifted.new_start == 50
    assert shifted.delay == 30 and shifted.added_lateness == 0 and fit.made_late == ()


def test_knock_on_that_makes_a_soft_visit_late_is_reported_and_priced():
    p = problem(
        [carer("a")],
        [visit("x", 10, 0, 480, 10), visit("y", 10, 20, 30, 10, soft=True)],
        lateness=2.0,
    )
    s = evaluate(p, {("a", 0): [("x", 0), ("y", 0)]})
    (fit,) = recommend(p, s, visit("new", 10, 20, 20, 30))
    assert fit.made_late == ("y",) and fit.knock_on[0].added_lateness == 20
    assert fit.cost == pytest.approx(2.0 * 20)


def test_a_push_past_a_hard_window_makes_the_caregiver_infeasible():
    p = problem([carer("a")], [visit("x", 10, 0, 480, 10), visit("y", 10, 20, 25, 10)])
    s = evaluate(p, {("a", 0): [("x", 0), ("y", 0)]})
    (fit,) = recommend(p, s, visit("new", 10, 20, 20, 30))
    assert not fit.feasible and fit.reason.code == Code.BUSY
    assert fit.reason.details["would_push"] == ["y"]


def test_shift_end_and_overtime_are_reported():
    p = problem([carer("a", end=60, max_overtime=30)], [visit("x", 10, 0, 480, 30)], overtime=2.0)
    s = evaluate(p, {("a", 0): [("x", 0)]})  # back home at 50
    (fit,) = recommend(p, s, visit("new", 10, 0, 480, 20))
    assert fit.added_overtime == pytest.approx(10) and fit.cost == pytest.approx(20.0)
    (late,) = recommend(p, s, visit("too-long", 10, 0, 480, 60))
    assert not late.feasible and late.reason.code == Code.OVER_HOURS


def test_preferred_caregiver_wins_a_tie_through_continuity():
    p = problem([carer("a"), carer("b")], [visit("a1", 10), visit("b1", 10)], continuity=30.0)
    s = evaluate(p, {("a", 0): [("a1", 0)], ("b", 0): [("b1", 0)]})
    fits = recommend(p, s, visit("new", 10, preferred_caregivers=("b",)))
    assert [f.caregivers for f in fits] == [("b",), ("a",)]
    assert fits[0].preferred and fits[1].cost == pytest.approx(fits[0].cost + 30)


def test_ineligible_caregivers_are_left_out_and_off_duty_ones_explained():
    p = problem(
        [carer("a", skills={"nurse"}), carer("b"), carer("c", 300, 480, skills={"nurse"})], []
    )
    s = evaluate(p, {})
    fits = recommend(p, s, visit("injection", 5, 0, 100, required_skills={"nurse"}))
    assert [(f.caregivers, f.feasible) for f in fits] == [(("a",), True), (("c",), False)]
    assert fits[1].reason.code == Code.NO_SHIFT_IN_WINDOW and "c" in fits[1].reason.message


def test_two_carer_visit_gets_pairs_that_start_together():
    p = problem(
        [carer("a"), carer("b"), carer("c")],
        [visit("b1", 10, 10, 10, 60, pinned_caregivers=("b",))],
    )
    s = evaluate(p, {("b", 0): [("b1", 0)]})  # b is at the door, busy 00:10-01:10
    fits = recommend(p, s, visit("bath", 10, 0, 480, 30, carers=2))
    assert all(f.feasible and len(f.caregivers) == 2 for f in fits)
    best = fits[0]
    assert "b" in best.caregivers and best.cost == pytest.approx(20)  # b adds no travel
    assert [pl.start for pl in best.placements] == [70, 70]
    a_and_c = next(f for f in fits if set(f.caregivers) == {"a", "c"})
    assert [pl.start for pl in a_and_c.placements] == [10, 10]
    assert a_and_c.cost == pytest.approx(40)


def test_an_unassigned_visit_of_the_problem_can_be_recommended_by_id():
    p = problem([carer("a", end=60)], [visit("v1", 10, duration=30), visit("v2", 10, duration=30)])
    s = solve(p, quick())
    (left,) = s.unassigned
    (fit,) = recommend(p, s, left)
    assert not fit.feasible and fit.reason.code == Code.OVER_HOURS
    with pytest.raises(ValueError):
        recommend(p, s, "v1" if left == "v2" else "v2")


def test_recommend_is_deterministic():
    visits = [visit(f"v{i}", (i * 7) % 23, (i * 13) % 200, 300, 15, y=i % 5) for i in range(12)]
    p = problem([carer("a"), carer("b"), carer("c")], visits)
    s = solve(p, quick(60, seed=2))
    new = visit("new", 6, 100, 200, 20, y=2)
    assert recommend(p, s, new) == recommend(p, s, new)


def test_a_break_in_the_gap_needs_the_travel_and_the_break_before_the_next_service():
    p = problem([carer("a", breaks=(Break(60, 120, 30),))], [visit("x", 10, 0, 480, 40)])
    s = evaluate(p, {("a", 0): [("x", 0)]}, breaks={("a", 0): [BreakTaken(60, 30)]})
    (fit,) = recommend(p, s, visit("new", 20, 0, 480, 10))
    (placed,) = fit.placements
    assert placed.after == "x" and placed.arrival == 60  # x ends at 50, 10 minutes away
    assert placed.start == 90 and fit.knock_on == ()  # after the break taken 60-90


def test_an_idle_caregiver_still_takes_the_break_of_the_shift():
    p = problem([carer("a", end=200, breaks=(Break(60, 120, 30),))], [])
    s = evaluate(p, {})
    (fit,) = recommend(p, s, visit("new", 10, 0, 480, 20))
    assert fit.start == 10 and fit.placements[0].added_working == pytest.approx(90 - 0)
