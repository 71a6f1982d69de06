"""Re-planning keeps the published plan where it can and reports the difference."""

from __future__ import annotations

import pytest
from sched_builders import at, carer, problem, quick, visit

from scheduler.explain import Code
from scheduler.model import Caregiver, ModelError, Shift
from scheduler.replan import (
    CaregiverAbsent,
    CaregiverLate,
    VisitAdded,
    VisitCancelled,
    replan,
)
from scheduler.result import evaluate


def hourly_day():
    """a serves a1..a6 east of home, b serves b1..b6 west, one an hour; c is free."""
    visits = [visit(f"a{i}", 10 + i, 60 * i, 60 * i + 30, 20) for i in range(1, 7)]
    visits += [visit(f"b{i}", -10 - i, 60 * i, 60 * i + 30, 20) for i in range(1, 7)]
    p = problem([carer("a"), carer("b"), carer("c")], visits)
    plan = {
        ("a", 0): [(f"a{i}", 0) for i in range(1, 7)],
        ("b", 0): [(f"b{i}", 0) for i in range(1, 7)],
    }
    return p, evaluate(p, plan)


def routes(solution):
    return {r.caregiver_id: [s.visit_id for s in r.stops] for r in solution.routes}


def test_absent_caregiver_remaining_visits_move_and_nothing_else_does():
    p, old = hourly_day()
    res = replan(p, old, [CaregiverAbsent("a", from_time=200)], quick())
    assert routes(res.solution) == {
        "a": ["a1", "a2", "a3"],
        "b": [f"b{i}" for i in range(1, 7)],
        "c": ["a4", "a5", "a6"],
    }
    assert {m.visit_id for m in res.moved} == {"a4", "a5", "a6"}
    assert all(m.from_caregivers == ("a",) and m.to_caregivers == ("c",) for m in res.moved)
    assert res.frozen == ("a1", "a2", "a3", "b1", "b2", "b3")
    assert res.counts["moved"] == 3 and res.counts["unchanged"] == 9
    assert res.moved_share == pytest.approx(3 / 12)


def test_started_visits_keep_caregiver_and_time_even_when_ill_mid_visit():
    p, old = hourly_day()
    res = replan(p, old, [CaregiverAbsent("a", from_time=190)], quick())  # a3 runs 180-200
    a_stops = next(r for r in res.solution.routes if r.caregiver_id == "a").stops
    assert [(s.visit_id, s.start) for s in a_stops] == [("a1", 60), ("a2", 120), ("a3", 180)]
    assert "a3" in res.frozen and res.newly_unassigned == ()


def test_nothing_moves_before_now():
    p, old = hourly_day()
    res = replan(p, old, [CaregiverAbsent("a", from_time=200)], quick())
    for r in res.solution.routes:
        for s in r.stops:
            assert s.visit_id in res.frozen or s.start >= 200


def test_absent_all_day_pinned_visit_is_newly_unassigned_with_a_reason():
    p, _ = hourly_day()
    visits = [*p.visits, visit("pinned", 30, 100, 400, 10, pinned_caregivers=("a",))]
    p = problem(p.caregivers, visits)
    old = evaluate(p, {("a", 0): [("a1", 0), ("pinned", 0), ("a2", 0)]})
    res = replan(p, old, [CaregiverAbsent("a")], quick())
    (dropped,) = res.newly_unassigned
    assert dropped.visit_id == "pinned" and dropped.reason.code == Code.PINNED_OFF
    assert res.reasons["pinned"] == dropped.reason
    assert {m.visit_id for m in res.moved} == {"a1", "a2"}


def far_home_day():
    """The published plan sends a from home (x=0) to visits next to b's home (x=100)."""
    b = Caregiver("b", (Shift(at(100), at(100), 0, 480),))
    visits = [visit(f"v{i}", 95 + i, 0, 480, 10) for i in range(4)] + [visit("near", 1)]
    p = problem([carer("a"), b], visits)
    plan = {("a", 0): [("near", 0)] + [(f"v{i}", 0) for i in range(4)]}
    return p, evaluate(p, plan)


def test_cap_limits_how_many_published_visits_move():
    p, old = far_home_day()
    free = replan(p, old, [VisitCancelled("near")], quick(), move_cost=1.0)
    assert len(free.moved) == 4  # every far visit goes to b, who lives there
    capped = replan(p, old, [VisitCancelled("near")], quick(), move_cost=1.0, max_moved=1)
    assert len(capped.moved) + len(capped.newly_unassigned) <= 1
    assert capped.solution.unassigned == ()


def test_move_cost_keeps_the_plan_when_moving_is_not_worth_it():
    p, old = far_home_day()
    res = replan(p, old, [VisitCancelled("near")], quick(), move_cost=500.0)
    assert res.moved == () and res.cancelled == ("near",)


def test_cancelled_visit_disappears_and_nothing_else_moves():
    p, old = hourly_day()
    res = replan(p, old, [VisitCancelled("b3")], quick())
    assert "b3" not in {v.id for v in res.problem.visits}
    assert "b3" not in res.solution.assignment() and "b3" not in res.solution.unassigned
    assert res.moved == () and res.newly_unassigned == () and res.retimed == ()
    assert res.published == 11 and res.counts["cancelled"] == 1


def test_late_caregiver_next_visits_are_retimed():
    p = problem([carer("a")], [visit(f"v{i}", 10, 30 * i, 400, 20) for i in range(1, 4)])
    old = evaluate(p, {("a", 0): [("v1", 0), ("v2", 0), ("v3", 0)]})  # 30, 60, 90
    res = replan(p, old, [CaregiverLate("a", 25, at=0)], quick(), retime_threshold=10)
    assert routes(res.solution) == {"a": ["v1", "v2", "v3"]}
    assert {r.visit_id: r.shift for r in res.retimed} == {"v1": 25, "v2": 15}
    assert res.moved == ()


def test_late_caregiver_hands_a_visit_it_can_no_longer_reach_to_someone_else():
    p, old = hourly_day()
    res = replan(p, old, [CaregiverLate("a", 40, at=100)], quick())  # a2 120-150 is missed
    assert [(m.visit_id, m.to_caregivers) for m in res.moved] == [("a2", ("c",))]
    a1 = next(s for r in res.solution.routes for s in r.stops if s.visit_id == "a1")
    assert a1.end == pytest.approx(159)  # held up at a1 until a2's start + 40 - travel


def test_urgent_visit_is_added_without_moving_others():
    p, old = hourly_day()
    urgent = visit("urgent", 3, 100, 160, 15, priority=5)
    res = replan(p, old, [VisitAdded(urgent, at=90)], quick())
    assert [a.visit_id for a in res.newly_assigned] == ["urgent"]
    assert res.moved == () and res.newly_unassigned == ()
    assert res.newly_assigned[0].start >= 100


def test_several_changes_apply_together():
    p, old = hourly_day()
    changes = [
        CaregiverAbsent("b", 250),
        VisitCancelled("b6"),
        VisitAdded(visit("new", 5, 300, 400)),
    ]
    res = replan(p, old, changes, quick())
    assert res.cancelled == ("b6",) and "new" in res.solution.assignment()
    assert {m.visit_id for m in res.moved} == {"b5"} and res.solution.unassigned == ()


def test_published_plan_shape_is_accepted_and_result_is_deterministic():
    p, old = hourly_day()
    change = [CaregiverAbsent("a", from_time=200)]
    params = quick(seed=3, time_limit=10.0)  # the solution limit, not the clock, ends both runs
    first = replan(p, old.plan(), change, params)
    second = replan(p, old.plan(), change, params)
    assert first.solution.plan() == second.solution.plan() and first.moved == second.moved


def test_added_visit_whose_window_has_passed_expires():
    p, old = hourly_day()
    res = replan(p, old, [VisitAdded(visit("gone", 5, 0, 50), at=100)], quick())
    assert res.expired == ("gone",) and "gone" not in res.solution.assignment()


def test_unknown_ids_in_changes_are_rejected():
    p, old = hourly_day()
    with pytest.raises(ModelError):
        replan(p, old, [VisitCancelled("nope")], quick())
    with pytest.raises(ModelError):
        replan(p, old, [CaregiverAbsent("nobody", 100)], quick())
    with pytest.raises(ModelError):
        replan(p, old, [VisitAdded(visit("a1", 5))], quick())


def test_cap_reason_when_only_moving_another_visit_would_make_room():
    carers = [carer("a", skills={"nurse"}), carer("b", skills={"nurse"}), carer("c")]
    visits = [visit("f", 10, 100, 100, 30, required_skills={"nurse"}), visit("g", 10, 100, 120, 30)]
    p = problem(carers, visits)
    old = evaluate(p, {("a", 0): [("f", 0)], ("b", 0): [("g", 0)]})
    free = replan(p, old, [CaregiverAbsent("a")], quick())
    assert {(m.visit_id, m.to_caregivers) for m in free.moved} == {("f", ("b",)), ("g", ("c",))}
    capped = replan(p, old, [CaregiverAbsent("a")], quick(), max_moved=0)
    assert capped.moved == ()
    (dropped,) = capped.newly_unassigned
    assert dropped.visit_id == "f" and dropped.reason.code == Code.MOVE_LIMIT
    assert dropped.reason.details["limit"] == 0 and "01:40" in dropped.reason.message


def test_the_cap_holds_in_the_sync_aware_search_with_a_pair_and_a_break():
    """Re-planning a day with a bath for two and a lunch break goes through the sync-aware
    search (not OR-Tools alone), and the cap on moves binds it too."""
    from sched_builders import Break

    lunch = (Break(180, 260, 30),)
    b = Caregiver("b", (Shift(at(100), at(100), 0, 480, lunch),))
    c = Caregiver("c", (Shift(at(100), at(100), 0, 480, lunch),))
    visits = [visit(f"v{i}", 95 + i, 0, 480, 10) for i in range(4)] + [visit("near", 1)]
    visits.append(visit("bath", 98, 300, 360, 30, carers=2))
    p = problem([carer("a", breaks=lunch), b, c], visits)
    plan = {("a", 0): [("near", 0)] + [(f"v{i}", 0) for i in range(4)],
            ("b", 0): [("bath", 0)], ("c", 0): [("bath", 1)]}  # fmt: skip
    old = evaluate(p, plan)
    free = replan(p, old, [VisitCancelled("near")], quick(), move_cost=1.0)
    assert len(free.moved) >= 2
    capped = replan(p, old, [VisitCancelled("near")], quick(), move_cost=1.0, max_moved=1)
    assert any(x.startswith("lns") for x in capped.solution.stats.phases)
    assert len(capped.moved) + len(capped.newly_unassigned) <= 1
    assert capped.solution.unassigned == ()
