"""The independent validator: rejects broken solutions, scores good ones by hand arithmetic."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.formats import read_hhcrsp, read_solomon
from scheduler.validate import validate_hhcrsp, validate_output, validate_solomon

DATA = Path(__file__).parent / "data"
SQRT200 = math.sqrt(200)
D24 = 8.246211  # the file's d[2][4], as given (not recomputed)


@pytest.fixture(scope="module")
def tiny5():
    return read_solomon(DATA / "solomon_tiny5.txt")


@pytest.fixture(scope="module")
def hhc4():
    return read_hhcrsp(DATA / "hhc_tiny4.txt")


@pytest.fixture(scope="module")
def hhc2d():
    return read_hhcrsp(DATA / "hhc_two_doubles.txt")


def _has(report, fragment: str) -> bool:
    return any(fragment in v for v in report.violations)


# --- Solomon -------------------------------------------------------------------------------


def test_solomon_feasible_solution_distance_by_hand(tiny5):
    report = validate_solomon(tiny5, [[1, 2, 3], [4, 5]])
    assert report.feasible and report.violations == ()
    assert report.vehicles == 2
    # 10+10+10+10 on the square, then 10 + sqrt(200) + 10 (waiting at 5 costs no distance)
    assert report.distance == pytest.approx(60 + SQRT200, abs=1e-12)
    assert report.objective == report.distance


def test_solomon_empty_routes_are_not_vehicles(tiny5):
    assert validate_solomon(tiny5, [[1, 2, 3], [], [4, 5]]).vehicles == 2


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([[1, 2, 3], [4]], "customer 5 is not served"),
        ([[1, 2, 3], [4, 5, 3]], "customer 3 is served 2 times"),
        ([[1, 2, 3], [4, 5, 9]], "customer 9 is not a required visit"),
        ([[1, 2, 3, 5], [4]], "load 40 exceeds capacity 30"),
        ([[1, 2, 3], [5, 4]], f"customer 4 starts at {50 + 5 + SQRT200:.4f} after its due 50"),
        ([[1], [2], [3], [4, 5]], "4 routes exceed the fleet of 3"),
    ],
)
def test_solomon_rejects_broken_solutions(tiny5, routes, fragment):
    report = validate_solomon(tiny5, routes)
    assert not report.feasible
    assert _has(report, fragment), report.violations


def test_solomon_late_return_to_depot(tiny5):
    short_day = replace(tiny5, due=(60.0, *tiny5.due[1:]))
    report = validate_solomon(short_day, [[1, 2, 3], [4, 5]])
    assert report.violations == ("route 1: returns to the depot at 65.0000 after 60",)


# --- HHCRSP --------------------------------------------------------------------------------

GOOD = [[(1, 0), (2, 0)], [(2, 1), (4, 1)], [(3, 2)]]
GOOD_DISTANCE = (5 + 5 + 10) + (10 + D24 + 8) + (6 + 6)


def test_hhcrsp_feasible_objective_by_hand(hhc4):
    report = validate_hhcrsp(hhc4, GOOD)
    assert report.feasible, report.violations
    assert report.vehicles == 3
    assert report.distance == pytest.approx(GOOD_DISTANCE, abs=1e-9)
    assert report.tardiness == 0 and report.max_tardiness == 0
    assert report.objective == pytest.approx(GOOD_DISTANCE / 3, abs=1e-9)


def test_hhcrsp_objective_is_distance_plus_total_and_max_tardiness_over_three(hhc4):
    # Caregiver 0 serves patient 2 first (start 20, synchronised), reaches patient 1 at 35;
    # patient 1 is due by 20, so 15 late. Same kilometres as GOOD.
    routes = [[(2, 0), (1, 0)], [(2, 1), (4, 1)], [(3, 2)]]
    report = validate_hhcrsp(hhc4, routes)
    assert report.feasible  # lateness is soft
    assert report.tardiness == pytest.approx(15) and report.max_tardiness == pytest.approx(15)
    assert report.objective == pytest.approx((GOOD_DISTANCE + 15 + 15) / 3, abs=1e-9)


def test_hhcrsp_sync_waits_for_the_later_carer_and_propagates_down_the_route(hhc4):
    # Caregiver 1 goes to patient 4 first (starts 30 at its window), reaches patient 2 at
    # 48.246211; caregiver 0 must wait for it there, so reaches patient 1 at 63.246211,
    # 43.246211 after its latest start 20.
    routes = [[(2, 0), (1, 0)], [(4, 1), (2, 1)], [(3, 2)]]
    report = validate_hhcrsp(hhc4, routes)
    late = 48.246211 + 10 + 5 - 20
    assert report.feasible
    assert report.tardiness == pytest.approx(late) and report.max_tardiness == pytest.approx(late)
    assert report.objective == pytest.approx((GOOD_DISTANCE + 2 * late) / 3, abs=1e-9)


def test_hhcrsp_max_gap_pulls_the_first_service_later(hhc2d):
    # Patient 4 needs service 0 then service 1, 5..10 apart (maxd narrowed from 15). Carer 1
    # starts service 1 at 51.403124, so service 0 may not start before 41.403124 although
    # carer 0 could be there at 38.246211; with latest 40 that is 1.403124 late.
    inst = replace(
        hhc2d,
        max_gap=(0, 0, 0, 0, 10, 0),
        latest=(1000, 20, 60, 100, 40, 1000),
    )
    routes = [[(2, 0), (4, 0)], [(2, 1), (1, 0), (4, 1)], [(3, 2)]]
    report = validate_hhcrsp(inst, routes)
    distance = (10 + D24 + 8) + (10 + 5 + 6.403124 + 8) + 12
    tardy = [15, 41.403124 - 40, 51.403124 - 40]  # patient 1, then both services of patient 4
    assert report.feasible, report.violations
    assert report.distance == pytest.approx(distance, abs=1e-9)
    assert report.tardiness == pytest.approx(sum(tardy), abs=1e-9)
    assert report.max_tardiness == pytest.approx(15)
    assert report.objective == pytest.approx((distance + sum(tardy) + 15) / 3, abs=1e-9)


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([[(1, 0), (2, 0)], [(2, 1)], [(3, 2)]], "patient 4 service 1 is not served"),
        ([[(1, 0), (2, 0), (4, 1)], [(2, 1), (4, 1)], [(3, 2)]], "patient 4 service 1 is served 2"),
        ([[(1, 0), (2, 0)], [(2, 1), (4, 0)], [(3, 2)]], "patient 4 service 0 is not a required"),
        ([[(2, 0)], [(2, 1), (4, 1)], [(3, 2), (1, 0)]], "caregiver 2 is not qualified for servi"),
        ([[(1, 0), (2, 0), (2, 1)], [(4, 1)], [(3, 2)]], "caregiver 0 does both services of dou"),
        ([[(1, 0), (2, 0), (2, 1)], [(4, 1)], [(3, 2)]], "cannot meet the synchronisation gaps"),
        ([[(1, 0), (2, 0)], [(2, 1), (4, 1)]], "2 routes given for 3 caregivers"),
        ([*GOOD, []], "4 routes given for 3 caregivers"),
    ],
)
def test_hhcrsp_rejects_broken_solutions(hhc4, routes, fragment):
    report = validate_hhcrsp(hhc4, routes)
    assert not report.feasible
    assert _has(report, fragment), report.violations


def test_hhcrsp_sync_cycle_across_two_carers_is_infeasible(hhc2d):
    # Carer 0 does patient 2 then 4; carer 1 does patient 4 then 2. Patient 2 needs both at
    # once and patient 4 needs service 1 at least 5 after service 0: no start times exist.
    routes = [[(1, 0), (2, 0), (4, 0)], [(4, 1), (2, 1)], [(3, 2)]]
    report = validate_hhcrsp(hhc2d, routes)
    assert report.violations == ("start times cannot meet the synchronisation gaps (cyclic order)",)


def test_hhcrsp_min_gap_orders_the_two_services(hhc2d):
    routes = [[(1, 0), (2, 0), (4, 1)], [(2, 1), (4, 0)], [(3, 2)]]
    assert validate_hhcrsp(hhc2d, routes).feasible


# --- CLI output ----------------------------------------------------------------------------


def test_validate_output_solomon_accepts_matching_figures():
    output = {"routes": [[1, 2, 3], [4, 5]], "unassigned": [], "distance": 74.14,
              "objective": 74.14, "vehicles": 2}  # fmt: skip
    report = validate_output("solomon", DATA / "solomon_tiny5.txt", output)
    assert report.feasible, report.violations


def test_validate_output_flags_figures_that_do_not_match_the_routes():
    output = {"routes": [[1, 2, 3], [4, 5]], "unassigned": [], "distance": 70.0, "vehicles": 3}
    report = validate_output("solomon", DATA / "solomon_tiny5.txt", output)
    assert not report.feasible
    assert _has(report, "reported distance 70.0000 differs from recomputed 74.1421")
    assert _has(report, "reported 3 vehicles, routes use 2")


def test_validate_output_hhcrsp_reads_pairs_and_unassigned():
    routes = [[[1, 0]], [[2, 1], [4, 1]], [[3, 2]]]
    output = {"routes": routes, "unassigned": [[2, 0]]}
    report = validate_output("hhcrsp", DATA / "hhc_tiny4.txt", output)
    assert _has(report, "patient 2 service 0 is not served")
    assert _has(report, "solver reports 1 unassigned visits")


def test_validate_output_rejects_unknown_format_and_bad_shape():
    with pytest.raises(ValueError, match="unknown format 'vrplib'"):
        validate_output("vrplib", DATA / "solomon_tiny5.txt", {"routes": []})
    with pytest.raises(ValueError, match="must be a list of lists"):
        validate_output("solomon", DATA / "solomon_tiny5.txt", {"routes": [1, 2]})
    with pytest.raises(ValueError, match=r"\[node, service\]"):
        validate_output("hhcrsp", DATA / "hhc_tiny4.txt", {"routes": [[1]]})
