"""The CLI prints exactly the DESIGN.md §5 object, and validate re-checks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sched_builders import carer, problem, visit

from scheduler.cli import main, solve_file
from scheduler.formats.json_problem import save_problem
from scheduler.validate import validate_output

DATA = Path(__file__).parent / "data"
KEYS = {"routes", "unassigned", "objective", "distance", "vehicles", "wall_s"}


def test_solomon_output_shape_and_validity():
    out = solve_file(DATA / "solomon_tiny5.txt", "solomon", time_limit=1)
    assert set(out) == KEYS
    assert sorted(c for r in out["routes"] for c in r) == [1, 2, 3, 4, 5]
    assert out["unassigned"] == [] and out["vehicles"] == len(out["routes"])
    assert out["objective"] == pytest.approx(out["distance"])
    assert validate_output("solomon", DATA / "solomon_tiny5.txt", out).feasible


def test_hhcrsp_routes_are_per_caregiver_pairs_in_file_order():
    path = DATA / "hhc_two_doubles.txt"
    out = solve_file(path, "hhcrsp", time_limit=1)
    assert set(out) == KEYS and len(out["routes"]) == 3
    assert all(isinstance(e, list) and len(e) == 2 for r in out["routes"] for e in r)
    report = validate_output("hhcrsp", path, out)
    assert report.feasible, report.violations
    assert out["objective"] == pytest.approx(report.objective, abs=1e-6)


def test_json_problem_through_main(tmp_path, capsys):
    p = problem([carer("a"), carer("b")], [visit("v1", 5), visit("v2", 7, carers=2)])
    path = tmp_path / "day.json"
    save_problem(p, path)
    assert main(["solve", str(path), "--format", "json", "--time-limit", "1", "--seed", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == KEYS and out["unassigned"] == []
    assert sorted(v for r in out["routes"] for v in r) == ["v1", "v2", "v2"]


def test_validate_subcommand_reports_and_exits_nonzero_on_a_broken_plan(tmp_path, capsys):
    path = DATA / "solomon_tiny5.txt"
    good = solve_file(path, "solomon", time_limit=1)
    (tmp_path / "good.json").write_text(json.dumps(good))
    assert main(["validate", str(path), str(tmp_path / "good.json"), "--format", "solomon"]) == 0
    assert json.loads(capsys.readouterr().out)["feasible"] is True
    broken = dict(good, routes=[r for r in good["routes"]][1:])
    (tmp_path / "bad.json").write_text(json.dumps(broken))
    assert main(["validate", str(path), str(tmp_path / "bad.json"), "--format", "solomon"]) == 1
    assert json.loads(capsys.readouterr().out)["violations"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        solve_file(DATA / "solomon_tiny5.txt", "csv", time_limit=1)
