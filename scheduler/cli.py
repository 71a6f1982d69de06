"""Command line: ``python -m scheduler solve|validate`` (DESIGN.md §5).

solve prints one JSON object: routes, unassigned, objective, distance, vehicles, wall_s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from scheduler.result import Solution
from scheduler.solver import SolveParams, solve

FORMATS = ("solomon", "hhcrsp", "json")


def solve_file(
    path: str | PathLike[str], fmt: str, time_limit: float, seed: int = 0
) -> dict[str, object]:
    """Read, solve and report one instance in the DESIGN.md §5 shape."""
    t0 = time.monotonic()
    if fmt == "solomon":
        out = _solve_solomon(Path(path), time_limit, seed)
    elif fmt == "hhcrsp":
        out = _solve_hhcrsp(Path(path), time_limit, seed)
    elif fmt == "json":
        out = _solve_json(Path(path), time_limit, seed)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out["wall_s"] = round(time.monotonic() - t0, 3)
    return out


def benchmark_params(time_limit: float, seed: int) -> SolveParams:
    """Integer scale 1000: benchmark distances are compared to two decimals."""
    return SolveParams(time_limit=time_limit, seed=seed, scale=1000)


def _solve_solomon(path: Path, time_limit: float, seed: int) -> dict[str, object]:
    from scheduler.formats.adapters import solomon_problem, solomon_routes
    from scheduler.formats.solomon import read_solomon

    solution = solve(solomon_problem(read_solomon(path)), benchmark_params(time_limit, seed))
    routes = solomon_routes(solution)
    return _report(routes, [int(v) for v in solution.unassigned], solution.distance, solution)


def _solve_hhcrsp(path: Path, time_limit: float, seed: int) -> dict[str, object]:
    from scheduler.formats.adapters import hhc_objective, hhc_problem, hhc_routes
    from scheduler.formats.hhcrsp import read_hhcrsp

    inst = read_hhcrsp(path)
    solution = solve(hhc_problem(inst), benchmark_params(time_limit, seed))
    out = _report(hhc_routes(inst, solution), [int(v) for v in solution.unassigned], 0.0, solution)
    out["objective"] = hhc_objective(solution)
    return out


def _solve_json(path: Path, time_limit: float, seed: int) -> dict[str, object]:
    from scheduler.formats.json_problem import load_problem, loads_meals

    text = path.read_text(encoding="utf-8")
    if "meals" in json.loads(text):  # meal rounds (scheduler.model.MealRounds)
        from scheduler.solver import solve_meals

        plan = solve_meals(loads_meals(text), SolveParams(time_limit=time_limit, seed=seed))
        return plan.to_json() | {"travel": plan.travel, "wall_s": plan.stats.wall_s}
    problem = load_problem(path)
    solution = solve(problem, SolveParams(time_limit=time_limit, seed=seed))
    return _report(
        json_routes(problem, solution), list(solution.unassigned), solution.objective, solution
    )


def json_routes(problem, solution: Solution) -> list[list[str]]:
    """routes[k]: the k-th caregiver's visit ids (shifts in order), empty when idle (DESIGN §5)."""
    by_caregiver: dict[str, list[str]] = {c.id: [] for c in problem.caregivers}
    for r in sorted(solution.routes, key=lambda r: r.shift):
        by_caregiver[r.caregiver_id] += r.visit_ids
    return [by_caregiver[c.id] for c in problem.caregivers]


def _report(routes: list, unassigned: list, objective: float, s: Solution) -> dict[str, object]:
    return {
        "routes": routes,
        "unassigned": unassigned,
        "objective": objective,
        "distance": s.distance,
        "vehicles": s.used_routes,
        "wall_s": s.stats.wall_s,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "solve":
        print(json.dumps(solve_file(args.file, args.format, args.time_limit, args.seed)))
        return 0
    from scheduler.validate import validate_output

    raw = sys.stdin.read() if args.solution == "-" else Path(args.solution).read_text("utf-8")
    output = json.loads(raw)
    report = validate_output(args.format, args.file, output)
    print(json.dumps(_report_dict(report)))
    return 0 if report.feasible else 1


def _report_dict(report: object) -> dict[str, object]:
    fields = ("feasible", "violations", "vehicles", "distance", "tardiness", "max_tardiness")
    out = {f: getattr(report, f) for f in fields + ("objective",)}
    out["violations"] = list(out["violations"])  # type: ignore[call-overload]
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduler")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve one instance and print the plan as JSON")
    s.add_argument("file")
    s.add_argument("--format", choices=FORMATS, required=True)
    s.add_argument("--time-limit", type=float, default=10.0)
    s.add_argument("--seed", type=int, default=0)
    v = sub.add_parser("validate", help="re-check a solution JSON against its instance")
    v.add_argument("file")
    v.add_argument("solution", help="the JSON printed by solve ('-' reads standard input)")
    v.add_argument("--format", choices=("solomon", "hhcrsp"), required=True)
    return parser


if __name__ == "__main__":
    sys.exit(main())
