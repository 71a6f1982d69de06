"""Reasons for unassigned visits: found before solving, confirmed after."""

from __future__ import annotations

import json

import pytest
from sched_builders import HOME, carer, problem, quick, visit

from scheduler.explain import Code, diagnose, explain, hhmm
from scheduler.model import Caregiver, Shift
from scheduler.result import evaluate
from scheduler.solver import solve


def ok_visit():
    return visit("ok", 5)


CASES = {
    Code.NO_SKILL: ([carer("a")], visit("v", 5, required_skills={"bath"})),
    Code.EXCLUDED: (
        [carer("a", skills={"bath"}), carer("b")],
        visit("v", 5, required_skills={"bath"}, excluded_caregivers={"a"}),
    ),
    Code.SEX_PREFERENCE: ([carer("a", sex="M"), carer("b", sex="F")],
                          visit("v", 5, sex_preference="F", excluded_caregivers={"b"})),
    Code.CAPACITY: ([carer("a", capacity=1)], visit("v", 5, demand=2)),
    Code.PINNED_NO_SKILL: (
        [carer("a", skills={"bath"}), carer("b")],
        visit("v", 5, required_skills={"bath"}, pinned_caregivers=("b",)),
    ),
    Code.PINNED_OFF: ([carer("a"), carer("b", 0, 60)], visit("v", 5, 100, 200, pinned_caregivers=("b",))),
    Code.PINNED_TIME: ([carer("a")], visit("v", 5, 100, 200, pinned_start=50)),
    Code.DURATION_TOO_LONG: ([carer("a")], visit("v", 5, duration=600)),
    Code.NO_SHIFT_IN_WINDOW: ([carer("a", 0, 100), carer("b", 300, 480)], visit("v", 5, 150, 200)),
    Code.TRAVEL_TOO_FAR: ([carer("a", 0, 480)], visit("v", 300, 0, 100)),
    Code.OVER_HOURS: ([carer("a", max_working_minutes=30)], visit("v", 10, duration=20)),
    Code.NO_SECOND_CARER: ([carer("a", sex="F"), carer("b", sex="M")], visit("v", 5, carers=2, sex_preference="F")),
    Code.NO_COMMON_TIME: ([carer("a", 0, 100), carer("b", 200, 480)], visit("v", 5, carers=2)),
}  # fmt: skip


@pytest.mark.parametrize("code", list(CASES), ids=str)
def test_each_pre_check_reason_is_found_before_and_confirmed_after_solving(code):
    carers, v = CASES[code]
    p = problem(carers, [v, ok_visit()])
    before = diagnose(p)
    assert [r.code for r in before["v"]] == [code]
    assert "ok" not in before
    s = solve(p, quick())
    assert s.unassigned == ("v",)
    after = explain(p, s)
    assert after["v"].code == code
    assert after["v"].message and after["v"].message_zh


def test_pinned_time_is_confirmed_on_a_plan_without_it():
    carers, v = CASES[Code.PINNED_TIME]
    p = problem(carers, [v, ok_visit()])
    s = evaluate(p, {("a", 0): [("ok", 0)]})
    why = explain(p, s)["v"]
    assert why.code == Code.PINNED_TIME and "00:50" in why.message and "00:50" in why.message_zh


def test_reason_names_the_people_and_the_window():
    p = problem([carer("a", 0, 100), carer("b", 300, 480)], [visit("v", 5, 150, 200)])
    (why,) = diagnose(p)["v"]
    assert "02:30–03:20" in why.message and "02:30–03:20" in why.message_zh
    assert why.details["failures"] == {"a": "time", "b": "time"}


def test_excluded_reason_lists_the_excluded_skilled_caregivers():
    carers, v = CASES[Code.EXCLUDED]
    (why,) = diagnose(problem(carers, [v]))["v"]
    assert why.details["caregivers"] == ["a"] and "a" in why.message


def test_travel_reason_gives_the_nearest_caregiver_and_minutes():
    carers = [carer("a"), Caregiver("b", (Shift(HOME, HOME, 0, 480),), travel_mode="walk")]
    p = problem(carers, [visit("v", 300, 0, 100)])
    (why,) = diagnose(p)["v"]
    assert why.code == Code.TRAVEL_TOO_FAR
    assert why.details["minutes"] == pytest.approx(600) and "600 min" in why.message


def two_visits_one_slot(priority_late=1):
    """One caregiver, two visits that must both start at 00:30: one is left out."""
    return problem(
        [carer("a")],
        [
            visit("first", 10, 30, 30, 20, priority=2),
            visit("second", 10, 30, 30, 20, priority=priority_late),
        ],
    )


def test_busy_names_who_serves_the_window_and_when():
    p = problem([carer("a")], [visit("served", 10, 30, 30, 20), visit("left", 10, 30, 30, 20)])
    s = solve(p, quick())
    (left,) = s.unassigned
    why = explain(p, s)[left]
    assert why.code == Code.BUSY
    served = "served" if left == "left" else "left"
    assert why.details["caregivers"]["a"]["busy"] == [[served, 30, 50]]
    assert "00:30–00:50" in why.message and "00:30–00:50" in why.message_zh


def test_lower_priority_when_higher_priority_visits_hold_the_slot():
    p = two_visits_one_slot()
    s = solve(p, quick())
    assert s.unassigned == ("second",)
    why = explain(p, s)["second"]
    assert why.code == Code.LOWER_PRIORITY
    assert why.details["held_by"] == {"a": ["first"]}


def test_equal_priority_is_busy_not_lower_priority():
    p = two_visits_one_slot(priority_late=2)
    s = solve(p, quick())
    assert explain(p, s)[s.unassigned[0]].code == Code.BUSY


def test_over_hours_when_only_the_working_limit_stops_it():
    p = problem(
        [carer("a", max_working_minutes=60)],
        [visit("v1", 10, duration=20), visit("v2", 10, duration=30, priority=2)],
    )
    s = solve(p, quick())
    assert s.unassigned == ("v1",)
    why = explain(p, s)["v1"]
    assert why.code == Code.OVER_HOURS and why.details["caregivers"]["a"]["caregivers"] == ["a"]


def test_over_hours_when_the_shift_end_stops_it():
    p = problem([carer("a", end=60)], [visit("v1", 10, duration=20), visit("v2", 10, duration=30)])
    s = solve(p, quick())
    assert len(s.unassigned) == 1
    assert explain(p, s)[s.unassigned[0]].code == Code.OVER_HOURS


def test_too_costly_when_the_penalty_is_below_the_added_travel():
    p = problem([carer("a")], [visit("far", 100)], unassigned=50.0)
    s = solve(p, quick())
    assert s.unassigned == ("far",)
    why = explain(p, s)["far"]
    assert why.code == Code.TOO_COSTLY
    assert why.details["added_travel"] == pytest.approx(200) and why.details["penalty"] == 50


def test_not_placed_when_it_fits_a_hand_made_plan():
    p = problem([carer("a"), carer("b")], [visit("v1", 10), visit("v2", 20, 100, 200)])
    s = evaluate(p, {("a", 0): [("v1", 0)]})
    why = explain(p, s)["v2"]
    assert why.code == Code.NOT_PLACED
    assert why.details["caregivers"] == ["a"] and why.details["start"] == 100
    assert "01:40" in why.message and "01:40" in why.message_zh


def test_two_carers_with_no_common_free_time_after_solving():
    p = problem(
        [carer("a"), carer("b")],
        [
            visit("a-busy", 0, 0, 0, 100, pinned_caregivers=("a",)),
            visit("b-busy", 0, 100, 100, 100, pinned_caregivers=("b",)),
            visit("pair", 0, 0, 150, 50, carers=2),
        ],
    )
    assert "pair" not in diagnose(p)
    s = solve(p, quick())
    assert s.unassigned == ("pair",)
    assert explain(p, s)["pair"].code == Code.NO_COMMON_TIME


def test_every_unassigned_visit_gets_exactly_one_reason():
    carers = [carer("a", end=120), carer("b", skills={"nurse"}, sex="F", end=120)]
    visits = [visit(f"v{i}", 3 * i, 10 * i, 10 * i + 30, 25, y=i % 3) for i in range(8)]
    visits.append(visit("nurse", 4, required_skills={"nurse"}, duration=60))
    p = problem(carers, visits)
    s = solve(p, quick(100, seed=1))
    reasons = explain(p, s)
    assert set(reasons) == set(s.unassigned) and s.unassigned


def test_hhmm():
    assert hhmm(0) == "00:00" and hhmm(605) == "10:05" and hhmm(1500.4) == "25:00"


def test_reason_details_are_plain_json_for_the_ui():
    p = problem(
        [carer("a")],
        [visit("served", 10, 30, 30, 20), visit("left", 10, 30, 30, 20), visit("far", 300, 0, 99)],
    )
    s = solve(p, quick())
    reasons = explain(p, s)
    assert {r.code for r in reasons.values()} == {Code.BUSY, Code.TRAVEL_TOO_FAR}
    text = json.dumps({vid: [r.code, r.message_zh, r.details] for vid, r in reasons.items()})
    assert json.loads(text)["far"][0] == "TRAVEL_TOO_FAR"
