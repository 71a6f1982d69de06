"""Mankowska home health care benchmark (HHCRSP): CareHub's scheduler and plain OR-Tools.

    python bench/hhcrsp.py [DATA_DIR] --time-limit 30 --solvers carehub,ortools \
        --instances A2,B3 --out bench/results/hhcrsp-30s.csv

Objective = (distance + total tardiness + max tardiness) / 3 with earliest start
times, re-scored by scheduler.validate; the gap is to `reference_objective`.
PyVRP is not run here: it has no skills and no synchronised double services.
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.references import NOT_APPLICABLE  # noqa: E402
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
    "instance", "solver", "feasible", "objective", "distance", "tardiness", "max_tardiness",
    "reference_objective", "gap_pct", "vehicles", "wall_s", "peak_mb", "unassigned", "note",
]  # fmt: skip
GROUPS = {"A-D": "ABCD", "E-G": "EFG"}


def read_bks(data_dir: Path) -> dict[str, dict]:
    with (data_dir / "bks.csv").open() as fh:
        return {r["instance"]: r for r in csv.DictReader(fh)}


def make_row(data_dir: Path, bks: dict, time_limit: float, seed: int):
    def solve_row(instance: str, solver: str) -> dict:
        path = data_dir / bks[instance]["file"]
        reference = float(bks[instance]["reference_objective"])
        row = {"instance": instance, "solver": solver, "reference_objective": reference}
        if ("hhcrsp", solver) in NOT_APPLICABLE:
            return row | {"feasible": "", "note": "not run: " + NOT_APPLICABLE[("hhcrsp", solver)]}
        run = run_isolated("hhcrsp", solver, path, time_limit, seed)
        report, note = check("hhcrsp", path, run)
        feasible = bool(report and report.feasible)
        gap = 100 * (report.objective - reference) / reference if feasible else None
        return row | {
            "feasible": feasible,
            "objective": fmt_num(report.objective if report else None, 4),
            "distance": fmt_num(report.distance if report else None, 4),
            "tardiness": fmt_num(report.tardiness if report else None, 4),
            "max_tardiness": fmt_num(report.max_tardiness if report else None, 4),
            "gap_pct": fmt_num(gap, 3),
            "vehicles": report.vehicles if report else "",
            "wall_s": fmt_num(run.wall_s),
            "peak_mb": fmt_num(run.peak_mb, 1),
            "unassigned": unassigned_count("hhcrsp", path, run.output),
            "note": note,
        }

    return solve_row


def summarise(rows: list[dict], solvers: list[str], header: str) -> str:
    lines = [f"# Mankowska HHCRSP, {header}", "",
             "| solver | feasible | mean gap % A-D (n) | mean gap % E-G (n) | mean wall s | "
             "max peak MB |", "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for solver in solvers:
        mine = [r for r in rows if r["solver"] == solver]
        if mine and all(r["feasible"] == "" for r in mine):
            lines.append(f"| {solver} | {mine[0]['note']} | | | | |")
            continue
        feasible = [r for r in mine if r["feasible"]]
        cells = []
        for families in GROUPS.values():
            gaps = [float(r["gap_pct"]) for r in feasible if r["instance"][0] in families]
            mean = fmt_num(statistics.mean(gaps), 2) if gaps else "-"
            cells.append(f"{mean} ({len(gaps)})")
        walls = [float(r["wall_s"]) for r in mine]
        peaks = [float(r["peak_mb"]) for r in mine]
        lines.append(
            f"| {solver} | {len(feasible)}/{len(mine)} | {cells[0]} | {cells[1]} | "
            f"{fmt_num(statistics.mean(walls) if walls else None, 1)} | "
            f"{fmt_num(max(peaks, default=None), 0)} |"
        )
    lines += ["", "Gaps are averaged over the feasible instances only (n = how many)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0], "../shared/benchmarks/hhc_mankowska", "carehub,ortools"
    )
    data_dir = Path(args.data_dir).resolve()
    bks = read_bks(data_dir)
    names = args.instances.split(",") if args.instances else list(bks)
    solvers = [s for s in args.solvers.split(",") if s]
    out = Path(args.out) if args.out else ROOT / f"bench/results/hhcrsp-{args.time_limit:g}s.csv"
    jobs = [(name, solver) for name in names for solver in solvers]
    rows = run_all(jobs, make_row(data_dir, bks, args.time_limit, args.seed), out, COLUMNS)
    summary = summarise(rows, solvers, environment(args.time_limit))
    out.with_suffix(".md").write_text(summary)
    print(summary)


if __name__ == "__main__":
    main()
