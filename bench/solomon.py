"""Solomon VRPTW benchmark: CareHub's scheduler and the references, one run at a time.

    python bench/solomon.py [DATA_DIR] --time-limit 30 --solvers carehub,ortools,pyvrp \
        --instances C101,R101 --out bench/results/solomon-30s.csv

Objective is hierarchical (vehicles first, then distance), re-scored by
scheduler.validate in double precision; the gap is only taken where the vehicle
count is at most the best known one.
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runner import (  # noqa: E402
    ROOT,
    check,
    environment,
    fmt_num,
    parse_args,
    run_all,
    run_isolated,
    unassigned_count,
)

COLUMNS = [
    "instance", "solver", "feasible", "vehicles", "distance", "bks_vehicles", "bks_distance",
    "gap_pct", "wall_s", "peak_mb", "unassigned", "note",
]  # fmt: skip


def read_bks(data_dir: Path) -> dict[str, tuple[int, float]]:
    with (data_dir / "bks.csv").open() as fh:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(fh)
        }


def make_row(data_dir: Path, bks: dict, time_limit: float, seed: int):
    def solve_row(instance: str, solver: str) -> dict:
        path = data_dir / f"{instance}.txt"
        run = run_isolated("solomon", solver, path, time_limit, seed)
        report, note = check("solomon", path, run)
        bks_vehicles, bks_distance = bks.get(instance, (None, None))
        feasible = bool(report and report.feasible)
        gap = None
        if feasible and bks_distance and report.vehicles <= bks_vehicles:
            gap = 100 * (report.distance - bks_distance) / bks_distance
        return {
            "instance": instance,
            "solver": solver,
            "feasible": feasible,
            "vehicles": report.vehicles if report else "",
            "distance": fmt_num(report.distance if report else None, 4),
            "bks_vehicles": bks_vehicles,
            "bks_distance": bks_distance,
            "gap_pct": fmt_num(gap, 3),
            "wall_s": fmt_num(run.wall_s),
            "peak_mb": fmt_num(run.peak_mb, 1),
            "unassigned": unassigned_count("solomon", path, run.output),
            "note": note,
        }

    return solve_row


def summarise(rows: list[dict], solvers: list[str], header: str) -> str:
    lines = [f"# Solomon VRPTW, {header}", "", "| solver | feasible | best-known vehicles | "
             "mean gap % where vehicles match | mean wall s | max peak MB |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for solver in solvers:
        mine = [r for r in rows if r["solver"] == solver]
        feasible = [r for r in mine if r["feasible"]]
        matched = [r for r in feasible if r["vehicles"] <= r["bks_vehicles"]]
        gaps = [float(r["gap_pct"]) for r in matched if r["gap_pct"] != ""]
        walls = [float(r["wall_s"]) for r in mine]
        peaks = [float(r["peak_mb"]) for r in mine]
        lines.append(
            f"| {solver} | {len(feasible)}/{len(mine)} | {len(matched)}/{len(mine)} | "
            f"{fmt_num(statistics.mean(gaps) if gaps else None, 2) or '-'} | "
            f"{fmt_num(statistics.mean(walls) if walls else None, 1)} | "
            f"{fmt_num(max(peaks, default=None), 0)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0], "../shared/benchmarks/solomon", "carehub,ortools,pyvrp"
    )
    data_dir = Path(args.data_dir).resolve()
    bks = read_bks(data_dir)
    names = args.instances.split(",") if args.instances else sorted(
        p.stem for p in data_dir.glob("*.txt")
    )  # fmt: skip
    solvers = [s for s in args.solvers.split(",") if s]
    out = Path(args.out) if args.out else ROOT / f"bench/results/solomon-{args.time_limit:g}s.csv"
    jobs = [(name, solver) for name in names for solver in solvers]
    rows = run_all(jobs, make_row(data_dir, bks, args.time_limit, args.seed), out, COLUMNS)
    summary = summarise(rows, solvers, environment(args.time_limit))
    out.with_suffix(".md").write_text(summary)
    print(summary)


if __name__ == "__main__":
    main()
