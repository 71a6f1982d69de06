"""The insertion construction: feasible, complete where it can be, and accepted by OR-Tools."""

from __future__ import annotations

import pytest
from sched_builders import Break, Sync, carer, problem, quick, visit

from scheduler.model import Caregiver, Location, Shift
from scheduler.result import SearchStats
from scheduler.solver import SolveParams, solve
from scheduler.solver.compile import Compiled
from scheduler.solver.construct import construct, construct_found, improve_by_parts, warm_run
from scheduler.solver.routing import build
from scheduler.solver.search import Clock
from scheduler.solver.solve import to_solution

EPS = 1e-6


def stops(solution, cid):
    return next(r for r in solution.routes if r.caregiver_id == cid).stops


def hard_ok(p, solution) -> None:
    """Every served stop inside a window, carers distinct and in sync, shifts respected."""
    visits = {v.id: v for v in p.visits}
    for r in solution.routes:
        c = p.caregiver(r.caregiver_id)
        shift = c.shifts[r.shift]
        if r.stops:
            assert r.end_time <= shift.latest_end + EPS
            if c.max_working_minutes is not None:
                assert r.working_minutes <= c.max_working_minutes + EPS
        for s in r.stops:
            v = visits[s.visit_id]
            assert v.skills_of(s.carer) <= c.skills
            assert any(w.start - EPS <= s.start and (w.soft or s.start <= w.end + EPS)
                       for w in v.windows)  # fmt: skip
        for b in r.breaks:
            assert all(s.end <= b.start + EPS or s.start >= b.start + b.duration - EPS
                       for s in r.stops)  # fmt: skip
    for vid, who in solution.assignment().items():
        v = visits[vid]
        assert len(who) == v.carers == len(set(who))
        if v.carers == 2:
            starts = {
                s.carer: s.start for r in solution.routes for s in r.stops if s.visit_id == vid
            }
            gap = starts[1] - starts[0]
            assert v.sync.min_gap - EPS <= gap <= v.sync.max_gap + EPS


def test_serves_what_fits_and_leaves_out_the_impossible():
    p = problem(
        [carer("a", end=200), carer("nurse", end=200, skills={"nurse"})],
        [
            visit("v1", 10, 0, 60),
            visit("v2", 20, 30, 90),
            visit("jab", 15, 0, 100, required_skills={"nurse"}),
            visit("bath", 5, required_skills={"bath"}),
            visit("too-late", 10, 300, 400),
        ],
    )
    s = construct(p)
    assert set(s.unassigned) == {"bath", "too-late"}
    assert s.assignment()["jab"] == ("nurse",)
    hard_ok(p, s)


def test_windows_order_the_route():
    p = problem([carer("a")], [visit("far", 20, 40, 60), visit("near", 10, 0, 30)])
    route = stops(construct(p), "a")
    assert [x.visit_id for x in route] == ["near", "far"]
    assert route[1].start == pytest.approx(40)


def test_two_carer_visits_start_together_or_in_order_on_two_caregivers():
    p = problem(
        [carer("a"), carer("b"), carer("c")],
        [
            visit("bath", 10, 50, 60, carers=2),
            visit("wound", 30, 0, 100, duration=20, carers=2, sync=Sync("ordered", 10, 15)),
            visit("solo", 12, 0, 40),
        ],
    )
    s = construct(p)
    assert s.unassigned == ()
    hard_ok(p, s)
    bath = [x.start for r in s.routes for x in r.stops if x.visit_id == "bath"]
    assert bath[0] == pytest.approx(bath[1]) and 50 - EPS <= bath[0] <= 60 + EPS


def test_pair_without_a_second_free_caregiver_is_left_out_whole():
    p = problem([carer("a"), carer("b", end=20)], [visit("bath", 10, 100, 110, carers=2)])
    s = construct(p)
    assert s.unassigned == ("bath",) and s.used_routes == 0


def test_pins_fix_caregiver_and_start():
    p = problem(
        [carer("a"), carer("b")],
        [visit("p", 10, 0, 200, pinned_caregivers=("b",), pinned_start=70), visit("q", 11)],
    )
    s = construct(p)
    (stop,) = [x for x in stops(s, "b") if x.visit_id == "p"]
    assert stop.start == pytest.approx(70)


def test_breaks_and_working_limits_hold():
    lunch = Break(100, 140, 30)
    p = problem(
        [carer("a", breaks=(lunch,)), carer("short", max_working_minutes=60)],
        [visit(f"v{i}", 5 + i, 0, 300, duration=25) for i in range(8)],
    )
    s = construct(p)
    hard_ok(p, s)
    (taken,) = next(r for r in s.routes if r.caregiver_id == "a").breaks
    assert lunch.earliest - EPS <= taken.start <= lunch.latest - lunch.duration + EPS
    assert s.unassigned == ()


def test_several_shifts_share_the_working_limit():
    home = Location(x=0.0, y=0.0)
    shifts = (Shift(home, home, 0, 100), Shift(home, home, 200, 300))
    c = Caregiver("two", shifts, max_working_minutes=80)
    p = problem([c], [visit(f"v{i}", 1, 0, 300, duration=20) for i in range(8)])
    s = construct(p)
    hard_ok(p, s)
    assert sum(r.working_minutes for r in s.routes) <= 80 + EPS
    assert s.unassigned


def test_deterministic():
    p = problem(
        [carer("a"), carer("b"), carer("c", skills={"n"})],
        [visit(f"v{i}", (7 * i) % 23, (11 * i) % 90, (11 * i) % 90 + 60) for i in range(12)]
        + [visit("pair", 3, 60, 90, carers=2), visit("n", 9, required_skills={"n"})],
    )
    assert construct(p).plan() == construct(p).plan()


def test_routing_model_accepts_the_construction_with_pairs_and_breaks():
    lunch = Break(100, 150, 30)
    p = problem(
        [carer("a", breaks=(lunch,)), carer("b", breaks=(lunch,)), carer("c")],
        [visit(f"v{i}", 3 * i, 20 * i, 20 * i + 90, duration=15) for i in range(10)]
        + [visit("bath", 12, 110, 130, carers=2)],
    )
    params = SolveParams(time_limit=2.0, solution_limit=5)
    data = Compiled(p, params.scale)
    first = construct_found(data)
    found = warm_run(build(data), data, params, 2.0, first)
    assert found is not None
    assert found.served() >= first.served()
    solution = to_solution(data, found, SearchStats())
    hard_ok(p, solution)


def test_solve_takes_the_construction_as_a_warm_start():
    p = problem(
        [carer("a"), carer("b")],
        [visit(f"v{i}", 2 * i, 10 * i, 10 * i + 50) for i in range(8)],
    )
    first = construct(p)
    s = solve(p, quick(20), initial=first)
    assert len(s.unassigned) <= len(first.unassigned)
    assert s.objective <= first.objective + EPS


def test_parts_improve_without_losing_visits_or_feasibility():
    carers = [carer(f"c{i:02d}", breaks=(Break(100, 160, 20),) if i % 2 else ()) for i in range(14)]
    visits = [
        visit(f"v{i:02d}", (37 * i) % 50, (13 * i) % 200, (13 * i) % 200 + 120) for i in range(40)
    ] + [visit("bath", 20, 60, 120, carers=2)]
    p = problem(carers, visits)
    params = SolveParams(time_limit=2.0)
    data = Compiled(p, params.scale)
    first = construct_found(data)
    better = improve_by_parts(data, params, Clock(2.5), first)
    before = to_solution(data, first, SearchStats())
    after = to_solution(data, better, SearchStats())
    hard_ok(p, after)
    assert len(after.unassigned) <= len(before.unassigned)
    assert after.objective <= before.objective + EPS
