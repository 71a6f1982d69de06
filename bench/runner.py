"""Shared benchmark machinery: one solver run per subprocess, independent re-check, CSV.

Each (instance, solver) runs in its own child process so that its peak memory
(from wait4's rusage) and wall time belong to it alone and a crash or hang of
one solver cannot spoil the rest of the run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))

from scheduler.validate import Report, validate_output  # noqa: E402


@dataclass(frozen=True)
class Run:
    output: dict | None
    error: str
    wall_s: float
    peak_mb: float


def solve(fmt: str, solver: str, path: Path, time_limit: float, seed: int) -> dict:
    """Dispatch to CareHub's scheduler (imported lazily) or to a reference solver."""
    if solver == "carehub":
        from scheduler.cli import solve_file

        return solve_file(path, fmt, time_limit, seed)
    from bench.references import NOT_APPLICABLE, SOLVERS
    from scheduler.formats import read_hhcrsp, read_solomon

    if (fmt, solver) in NOT_APPLICABLE:
        raise ValueError(NOT_APPLICABLE[(fmt, solver)])
    if (fmt, solver) not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r} for {fmt}")
    inst = read_solomon(path) if fmt == "solomon" else read_hhcrsp(path)
    return SOLVERS[(fmt, solver)](inst, time_limit, seed)


@dataclass(frozen=True)
class Child:
    stdout: str
    stderr: str
    returncode: int
    wall_s: float
    peak_mb: float

    def error(self) -> str:
        tail = self.stderr.strip().splitlines()[-1:] or [f"exit status {self.returncode}"]
        return tail[0][:200]


def run_child(cmd: list[str], timeout: float) -> Child:
    """Run a command; its own wall time and peak RSS (wait4 rusage), killed after timeout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return Child(stdout, stderr, proc.returncode, wall, usage.ru_maxrss / 1024)  # KiB -> MiB


def run_isolated(fmt: str, solver: str, path: Path, time_limit: float, seed: int) -> Run:
    """Run one solve in a child process; measure its wall time and peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "worker", fmt, solver, str(path)]
    child = run_child(cmd + [str(time_limit), str(seed)], time_limit * 2 + 120)
    if child.returncode != 0:
        return Run(None, child.error(), child.wall_s, child.peak_mb)
    try:
        return Run(json.loads(child.stdout), "", child.wall_s, child.peak_mb)
    except json.JSONDecodeError:
        return Run(None, f"unreadable output: {child.stdout[:100]!r}", child.wall_s, child.peak_mb)


def check(fmt: str, path: Path, run: Run) -> tuple[Report | None, str]:
    """Independent re-check; the note names the first problem found."""
    if run.output is None:
        return None, run.error
    try:
        report = validate_output(fmt, path, run.output)
    except (ValueError, TypeError, KeyError) as exc:
        return None, f"malformed output: {exc}"
    status = str(run.output.get("status", ""))
    first = "" if report.feasible else f"{report.violations[0]} ({len(report.violations)} issues)"
    if not any(run.output.get("routes") or []):
        report = None  # nothing was planned: leave figures blank rather than zero
    return report, "; ".join(x for x in (status, first) if x)


def unassigned_count(fmt: str, path: Path, output: dict | None) -> int | str:
    """Required visits absent from the routes, counted from the instance, not the solver."""
    from scheduler.formats import read_hhcrsp, read_solomon

    if fmt == "solomon":
        required = set(range(1, len(read_solomon(path).x)))
        served = {c for r in (output or {}).get("routes", []) for c in r}
    else:
        inst = read_hhcrsp(path)
        required = {(p, s) for p in inst.patients for s in inst.services_of(p)}
        served = {tuple(e) for r in (output or {}).get("routes", []) for e in r}
    return len(required - served)


def parse_args(description: str, default_data: str, default_solvers: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data_dir", nargs="?", default=str(ROOT / default_data))
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--solvers", default=default_solvers, help="comma-separated")
    parser.add_argument("--instances", default="", help="comma-separated (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="", help="CSV path (default bench/results/...)")
    return parser.parse_args()


def run_all(
    jobs: Iterable[tuple[str, str]],
    solve_row: Callable[[str, str], dict],
    out: Path,
    columns: list[str],
) -> list[dict]:
    """Run jobs one at a time, appending each CSV row as soon as it is known."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for instance, solver in jobs:
            row = solve_row(instance, solver)
            rows.append(row)
            writer.writerow(row)
            fh.flush()
            shown = ", ".join(f"{k}={row.get(k, '')}" for k in columns[2:8])
            print(f"{instance:>6} {solver:<8} {shown}", file=sys.stderr, flush=True)
    return rows


def fmt_num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text  # no "-0.000"


def environment(time_limit: float | None) -> str:
    """One line saying where and how the figures were measured."""
    import ortools

    try:
        from importlib.metadata import version

        pyvrp_version = version("pyvrp")
    except Exception:  # optional dependency
        pyvrp_version = "absent"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, "
        + (f"{time_limit:g} s per run, " if time_limit else "")
        + f"Python {platform.python_version()}, OR-Tools {ortools.__version__}, "
        f"PyVRP {pyvrp_version}, {os.cpu_count()} CPUs (shared), one run at a time"
    )


def worker_main(argv: list[str]) -> None:
    fmt, solver, path, time_limit, seed = argv
    output = solve(fmt, solver, Path(path), float(time_limit), int(seed))
    json.dump(output, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "worker":
        worker_main(sys.argv[2:])
    else:
        sys.exit("usage: runner.py worker FMT SOLVER PATH TIME_LIMIT SEED")
