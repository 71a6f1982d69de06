"""Synthetic street centre: 1,500 visits, 120 caregivers around Nanjing Gulou.

    python bench/scale.py [--time-limits 10,30,60] [--seed 7] [--out bench/results/scale.csv]

Measures, each in its own child process (one at a time): time to the first plan
(solution limit 1), plan quality at several time limits, peak memory, and, when
scheduler offers a re-planning function, re-planning after one caregiver falls ill.
The day is generated from a fixed seed, so every run plans the same day.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runner import ROOT, environment, fmt_num, run_child  # noqa: E402
from scheduler.model import (  # noqa: E402
    Break,
    Caregiver,
    Location,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
)

FIRST_CAP_S = 120.0
CENTRE = (32.0660, 118.7700)  # Gulou, Nanjing: the street centre's station
KM_PER_DEG_LAT = 111.2


def h(clock: str) -> float:
    """'07:30' -> minutes after midnight (the planning day's clock)."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Kind:
    """A type of home visit, with the windows and skills a coordinator would give it."""

    name: str
    share: float
    duration: float
    windows: tuple[tuple[str, str], ...]
    skills: tuple[str, ...] = ()
    carers: int = 1
    sync: Sync | None = None
    second_skills: tuple[str, ...] | None = None
    second_duration: float | None = None
    priority: int = 1
    soft: bool = False


KINDS = (
    Kind("breakfast_help", 0.06, 20, (("07:00", "08:30"),), ("meal",)),
    Kind("insulin", 0.03, 10, (("07:00", "08:30"),), ("nursing",), priority=3),
    Kind("morning_care", 0.10, 30, (("07:00", "10:00"),), ("personal_care",)),
    Kind("lunch_delivery", 0.18, 15, (("11:00", "12:30"),), ("meal",), priority=2),
    Kind("bath_two_carers", 0.04, 45, (("09:00", "11:30"), ("14:00", "16:30")),
         ("personal_care",), carers=2, sync=Sync("together")),
    Kind("wound_care_then_aide", 0.02, 20, (("09:00", "16:00"),), ("nursing",), carers=2,
         sync=Sync("ordered", 10, 30), second_skills=("personal_care",), second_duration=25,
         priority=2),
    Kind("wound_care", 0.06, 25, (("09:00", "16:00"),), ("nursing",), priority=2),
    Kind("housekeeping", 0.12, 40, (("08:30", "17:00"),), ("housekeeping",), soft=True),
    Kind("companionship", 0.17, 20, (("09:00", "17:00"),), soft=True),
    Kind("rehab_exercise", 0.05, 30, (("09:00", "11:30"), ("14:00", "16:30")), ("rehab",)),
    Kind("evening_care", 0.07, 25, (("16:00", "18:00"),), ("personal_care",)),
    Kind("medication_reminder", 0.10, 10, (("13:30", "15:00"),)),
)  # fmt: skip


def _near(rng: random.Random, centre: tuple[float, float], radius_km: float) -> Location:
    """A uniformly random point in a disc (good enough at city scale)."""
    r = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = centre[0] + r * math.sin(angle) / KM_PER_DEG_LAT
    lon = centre[1] + r * math.cos(angle) / (KM_PER_DEG_LAT * math.cos(math.radians(centre[0])))
    return Location(lat=round(lat, 6), lon=round(lon, 6))


def _shift(rng: random.Random, home: Location, station: Location) -> Shift:
    """Early (07:00-16:00), late (09:30-18:30) or part-time half days."""
    start = station if rng.random() < 0.75 else home
    roll = rng.random()
    if roll < 0.45:
        return Shift(start, start, h("07:00"), h("16:00"), (Break(h("12:30"), h("14:00"), 30),), 30)
    if roll < 0.80:
        return Shift(start, start, h("09:30"), h("18:30"), (Break(h("13:00"), h("14:30"), 30),), 30)
    if roll < 0.90:
        return Shift(start, start, h("07:00"), h("12:00"))
    return Shift(start, start, h("13:30"), h("18:30"))


def _caregivers(rng: random.Random, count: int, station: Location) -> list[Caregiver]:
    out = []
    for i in range(count):
        skills = {"meal", "housekeeping"}
        if rng.random() < 0.70:
            skills.add("personal_care")
        if rng.random() < 0.18:
            skills |= {"nursing", "personal_care"}
        if rng.random() < 0.10:
            skills.add("rehab")
        home = _near(rng, CENTRE, 3.0)
        out.append(
            Caregiver(
                id=f"cg{i:03d}",
                shifts=(_shift(rng, home, station),),
                skills=frozenset(skills),
                sex="F" if rng.random() < 0.85 else "M",
                travel_mode="ebike" if rng.random() < 0.9 else "walk",
                cost_per_hour=32.0,
            )
        )
    return out


def _visit(rng, kind: Kind, vid: str, place: Location, carers: list[Caregiver]) -> Visit:
    wins = tuple(
        TimeWindow(h(a), h(b), soft=kind.soft, lateness_weight=0.5) for a, b in kind.windows
    )
    need = frozenset(kind.skills)
    able = [c for c in carers if need <= c.skills]
    preferred = (rng.choice(able).id,) if able and rng.random() < 0.3 else ()
    sex = "F" if kind.name in ("bath_two_carers", "morning_care") and rng.random() < 0.3 else None
    if sex and preferred and preferred[0] not in {c.id for c in able if c.sex == "F"}:
        preferred = ()
    excluded = (
        frozenset({rng.choice(carers).id}) - set(preferred) if rng.random() < 0.02 else frozenset()
    )
    return Visit(
        id=vid, location=place, windows=wins, duration=kind.duration, required_skills=need,
        carers=kind.carers, sync=kind.sync,
        second_required_skills=frozenset(kind.second_skills) if kind.second_skills else None,
        second_duration=kind.second_duration, preferred_caregivers=preferred,
        excluded_caregivers=excluded, sex_preference=sex, priority=kind.priority,
    )  # fmt: skip


def street_centre(
    seed: int = 7, n_visits: int = 1500, n_caregivers: int = 120, drop_pairs: bool = False
) -> Problem:
    """One day of a street-level centre: residents clustered in ~45 compounds within 2.2 km.

    drop_pairs (a diagnostic) removes the two-carer visits, to tell their cost from the rest.
    """
    rng = random.Random(seed)
    station = Location(lat=CENTRE[0], lon=CENTRE[1])
    carers = _caregivers(rng, n_caregivers, station)
    compounds = [_near(rng, CENTRE, 2.2) for _ in range(45)]
    weights = [k.share for k in KINDS]
    visits = []
    while len(visits) < n_visits:
        compound = rng.choice(compounds)
        home = _near(rng, (compound.lat, compound.lon), 0.12)
        for kind in rng.choices(KINDS, weights, k=rng.choice((1, 1, 1, 2, 2, 3))):
            if len(visits) < n_visits:
                visits.append(_visit(rng, kind, f"v{len(visits):04d}", home, carers))
    if drop_pairs:
        visits = [v for v in visits if v.carers == 1]
    return Problem(tuple(carers), tuple(visits), TravelModel(kind="geo"), name=f"gulou-{seed}")


# --- measurements (run inside a child process) --------------------------------------------


def plan_issues(problem: Problem, solution) -> list[str]:
    """Independent look at the returned plan: carers, skills, hard windows, sync, shift end."""
    visits = {v.id: v for v in problem.visits}
    stops: dict[str, list] = {}
    issues = []
    for route in solution.routes:
        carer = problem.caregiver(route.caregiver_id)
        shift = carer.shifts[route.shift]
        if route.stops and route.end_time > shift.latest_end + 1e-6:
            issues.append(f"{carer.id} ends at {route.end_time:.1f} after {shift.latest_end}")
        for s in route.stops:
            v = visits[s.visit_id]
            stops.setdefault(v.id, []).append((s, carer))
            if not v.skills_of(s.carer) <= carer.skills:
                issues.append(f"{carer.id} lacks skills for {v.id}")
            hard_ok = any(w.start - 1e-6 <= s.start <= w.end + 1e-6 or w.soft for w in v.windows)
            if not hard_ok:
                issues.append(f"{v.id} starts at {s.start:.1f} outside its windows")
    for vid, pairs in stops.items():
        v = visits[vid]
        if len(pairs) != v.carers or len({c.id for _, c in pairs}) != v.carers:
            issues.append(f"{vid} has {len(pairs)} stops for {v.carers} carers")
        elif v.carers == 2:
            first, second = sorted((s for s, _ in pairs), key=lambda s: s.carer)
            gap = second.start - first.start
            if not v.sync.min_gap - 1e-6 <= gap <= v.sync.max_gap + 1e-6:
                issues.append(f"{vid} carers start {gap:.2f} apart")
    return issues


def describe(problem: Problem, solution, build_s: float, solve_s: float) -> dict:
    n = len(problem.visits)
    return {
        "build_s": build_s,
        "solve_s": solve_s,
        "solutions": solution.stats.solutions,
        "status": solution.stats.status,
        "objective": solution.objective,
        "unassigned": len(solution.unassigned),
        "served_pct": 100 * (n - len(solution.unassigned)) / n,
        "travel_min": solution.travel,
        "distance_km": solution.distance,
        "lateness_min": solution.lateness,
        "overtime_min": solution.overtime,
        "routes_used": solution.used_routes,
        "plan_issues": len(plan_issues(problem, solution)),
    }


def worker(job: dict) -> dict:
    from scheduler.solver import SolveParams, solve

    mode, limit = job["mode"], job["limit"]
    t0 = time.perf_counter()
    problem = street_centre(job["seed"], job["visits"], job["caregivers"], job["drop_pairs"])
    build_s = time.perf_counter() - t0
    if mode == "first":  # the first solution, capped so a solver that finds none still returns
        params = SolveParams(time_limit=FIRST_CAP_S, solution_limit=1)
    else:
        params = SolveParams(time_limit=limit)
    t1 = time.perf_counter()
    solution = solve(problem, params)
    out = describe(problem, solution, build_s, time.perf_counter() - t1)
    if mode == "replan":
        out |= replan_absent(problem, solution, job["replan_limit"])
    return out


def replan_absent(problem: Problem, published, limit: float) -> dict:
    """The busiest caregiver goes home ill at 10:00; re-plan the rest of the day."""
    try:
        from scheduler.replan import CaregiverAbsent, replan
    except ImportError:
        return {"replan": "scheduler has no replan function"}
    from scheduler.solver import SolveParams

    if not any(r.stops for r in published.routes):
        return {"replan": "skipped: the published plan serves no visit"}
    busiest = max(published.routes, key=lambda r: len(r.stops))
    after = sum(1 for s in busiest.stops if s.start >= h("10:00"))
    change = CaregiverAbsent(busiest.caregiver_id, from_time=h("10:00"))
    t0 = time.perf_counter()
    result = replan(problem, published, [change], SolveParams(time_limit=limit))
    wall = time.perf_counter() - t0
    counts = result.counts
    return {
        "replan_s": round(wall, 2),
        "replan_limit_s": limit,
        "replan_absent": f"{busiest.caregiver_id} from 10:00 ({after} of its visits after 10:00)",
        "replan_published": counts["published"],
        "replan_moved": counts["moved"],
        "replan_newly_unassigned": counts["newly_unassigned"],
        "replan_retimed": counts["retimed"],
        "replan_moved_pct": round(100 * result.moved_share, 2),
        "replan_unassigned_after": len(result.solution.unassigned),
        "replan_plan_issues": len(plan_issues(result.problem, result.solution)),
    }


# --- driver --------------------------------------------------------------------------------

COLUMNS = [
    "run", "time_limit_s", "wall_s", "solve_s", "peak_mb", "solutions", "objective",
    "unassigned", "served_pct", "travel_min", "distance_km", "lateness_min", "overtime_min",
    "routes_used", "plan_issues", "status",
]  # fmt: skip


def _child(job: dict) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    limit = FIRST_CAP_S if job["mode"] == "first" else job["limit"] + job["replan_limit"]
    child = run_child(cmd, timeout=limit * 2 + 300)
    row: dict = {"run": job["mode"], "time_limit_s": job["limit"] if job["mode"] != "first" else ""}
    row |= {"wall_s": fmt_num(child.wall_s), "peak_mb": fmt_num(child.peak_mb, 0)}
    if child.returncode != 0:
        return row | {"status": f"failed: {child.error()}"}
    data = json.loads(child.stdout)
    for key in COLUMNS[3:]:
        if key in data:
            value = data[key]
            row[key] = fmt_num(value, 2) if isinstance(value, float) else value
    return row | {k: v for k, v in data.items() if k.startswith("replan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limits", default="10,30,60")
    parser.add_argument("--base-limit", type=float, default=30.0, help="plan to re-plan from")
    parser.add_argument("--replan-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench/results/scale.csv"))
    parser.add_argument("--visits", type=int, default=1500)
    parser.add_argument("--caregivers", type=int, default=120)
    parser.add_argument("--drop-pairs", action="store_true", help="diagnostic: no 2-carer visits")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        json.dump(worker(json.loads(args.worker)), sys.stdout)
        return
    limits = [float(x) for x in args.time_limits.split(",") if x]
    jobs = [("first", 0.0)] + [("limit", x) for x in limits] + [("replan", args.base_limit)]
    common = {"seed": args.seed, "visits": args.visits, "caregivers": args.caregivers}
    common["drop_pairs"] = args.drop_pairs
    common["replan_limit"] = args.replan_limit
    rows = []
    for mode, limit in jobs:
        rows.append(_child({"mode": mode, "limit": limit} | common))
        print(rows[-1], file=sys.stderr, flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    extra = sorted({k for r in rows for k in r} - set(COLUMNS))
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS + extra)
        writer.writeheader()
        writer.writerows(rows)
    problem = street_centre(args.seed, args.visits, args.caregivers, args.drop_pairs)
    summary = summarise(rows, problem, args)
    out.with_suffix(".md").write_text(summary)
    print(summary)


def summarise(rows: list[dict], problem: Problem, args: argparse.Namespace) -> str:
    pairs = sum(1 for v in problem.visits if v.carers == 2)
    lines = [
        "# Synthetic street centre (Nanjing Gulou)",
        "",
        f"{len(problem.visits)} visits ({pairs} with two carers), {len(problem.caregivers)} "
        f"caregivers, seed {args.seed}{', two-carer visits dropped' if args.drop_pairs else ''}. "
        f"Measured {environment(None)}.",
        f"`first` = solution limit 1 (capped at {FIRST_CAP_S:g} s); `replan` = a "
        f"{args.base_limit:g} s plan, then the busiest caregiver absent from 10:00, "
        f"re-planned with a {args.replan_limit:g} s limit.",
        "",
        "| run | limit s | wall s | solve s | peak MB | solutions | objective | unassigned "
        "| travel min | lateness min | routes | plan issues |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = [r.get(k, "") for k in ("run", "time_limit_s", "wall_s", "solve_s", "peak_mb")]
        cells.append(r.get("solutions", ""))
        cells += [r.get(k, "") for k in ("objective", "unassigned", "travel_min")]
        cells += [r.get(k, "") for k in ("lateness_min", "routes_used", "plan_issues")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    notes = [f"- {k}: {v}" for r in rows for k, v in r.items() if k.startswith("replan")]
    failed = [f"- {r['run']} {r['time_limit_s']}: {r['status']}" for r in rows
              if str(r.get("status", "")).startswith("failed")]  # fmt: skip
    return "\n".join(lines + [""] + notes + failed) + "\n"


if __name__ == "__main__":
    main()
