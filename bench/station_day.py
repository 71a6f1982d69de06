"""Realistic station days around Nanjing Gulou, solved by CareHub, plain OR-Tools and VROOM.

    python bench/station_day.py [--sizes 50,150,300] [--time-limit 30] [--seed 11]
                                [--solvers carehub,ortools,vroom] [--out bench/results/station-day-30s.csv]

Each day is generated from a seed (the same seed gives the same day) with the demo district's
stations and service mix (carehub/registry/demo_data.py): caregivers on early or late shifts
with a lunch break, skills and certificates, some with e-bikes; volunteers with 2-3 hour
availabilities who do only volunteer services (companionship, errands, escort, meal delivery);
two-carer baths (together) and escort-then-nurse visits (ordered); cleaning, baths, rehab and
companionship that may happen in the morning or the afternoon (two windows); sex preferences and
regular caregivers (continuity). Each day and its variant without two-carer visits is written as
a JSON problem (``python -m scheduler solve FILE --format json``) next to the results.

Each day's MEAL visits are also planned as meal rounds (``scheduler.solver.solve_meals``: collected
at the nearest station kitchen, at most 4 meals on foot or 8 by e-bike, 45 minutes from kitchen
to door), written as ``station-N-meals-seedS.json`` and re-checked by
``scheduler.validate.validate_meals`` (``--no-meals`` leaves them out).

VROOM has no synchronised visits, so it runs only on the variant without two-carer visits;
CareHub and OR-Tools run on both. Every plan is re-checked by ``scheduler.validate.validate_plan``
and the figures in the CSV are the validator's.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.runner import ROOT, environment, fmt_num, run_child  # noqa: E402
from bench.scale import _near, h  # noqa: E402
from scheduler.formats.json_problem import (  # noqa: E402
    load_meal_rounds,
    load_problem,
    save_meal_rounds,
    save_problem,
)
from scheduler.model import (  # noqa: E402
    Break,
    Caregiver,
    Kitchen,
    Location,
    Meal,
    MealRounds,
    Problem,
    Shift,
    Sync,
    TimeWindow,
    TravelModel,
    Visit,
)
from scheduler.validate import validate_meals, validate_plan  # noqa: E402

# the demo district's station sites (carehub/registry/demo_data.py STATIONS), lat/lon
STATIONS = (
    (32.0632, 118.7618), (32.0535, 118.7720), (32.0668, 118.7652), (32.0722, 118.7730),
    (32.0690, 118.7765), (32.0745, 118.7835), (32.0478, 118.7780), (32.0508, 118.7655),
)  # fmt: skip
VOLUNTEER_SKILLS = frozenset({"companion", "errand", "escort", "meal"})
MORNING, AFTERNOON = ("08:30", "11:00"), ("14:00", "16:30")
MEALS_READY = "10:45"  # the station kitchen's lunch is ready
MEAL_CAPACITY = {"walk": 4, "ebike": 8}  # meals carried at once


@dataclass(frozen=True)
class Service:
    """A service of the demo catalogue as a station plans it."""

    name: str
    share: float
    duration: float
    windows: tuple[tuple[str, str], ...]
    skills: tuple[str, ...]
    two_windows: float = 0.0  # chance the resident accepts morning OR afternoon
    carers: int = 1
    sync: Sync | None = None
    second_skills: tuple[str, ...] | None = None
    second_duration: float | None = None
    priority: int = 1
    soft: bool = False
    female_only: float = 0.0  # chance the resident asks for a woman
    regular: float = 0.3  # chance the resident has a regular caregiver


SERVICES = (
    Service("MEAL", 0.22, 15, (("11:00", "12:30"),), ("meal",), priority=2, regular=0.0),
    Service("CLEAN", 0.16, 60, (MORNING,), ("cleaning", "health_cert"), two_windows=0.8),
    Service("PERSONAL", 0.12, 30, (("07:30", "10:00"),), ("personal_care",), female_only=0.3,
            regular=0.5),
    Service("BATH", 0.05, 45, (MORNING,), ("personal_care", "care_cert"), two_windows=0.7,
            carers=2, sync=Sync("together"), female_only=0.3),
    Service("ESCORT_MEDICAL", 0.03, 20, (("08:30", "15:00"),), ("escort",), carers=2,
            sync=Sync("ordered", 10, 30), second_skills=("nursing", "nurse_cert"),
            second_duration=30, priority=2),
    Service("MEDICAL", 0.07, 30, (("08:00", "16:00"),), ("nursing", "nurse_cert"), priority=3),
    Service("REHAB", 0.05, 45, (("09:00", "11:30"),), ("rehab",), two_windows=0.6),
    Service("COMPANION", 0.14, 60, (("09:00", "11:30"),), ("companion",), two_windows=0.7,
            soft=True),
    Service("ERRAND", 0.10, 30, (("09:00", "16:00"),), ("errand",), soft=True, regular=0.0),
    Service("ESCORT", 0.06, 40, (("08:30", "10:30"),), ("escort",), two_windows=0.5),
)  # fmt: skip


def day(size: int, seed: int = 11) -> Problem:
    """One station day of ``size`` visits (1,500: a whole street centre of eight stations)."""
    rng = random.Random(f"{seed}-{size}")
    sites = STATIONS if size > 400 else STATIONS[rng.randrange(len(STATIONS)) :][:1]
    radius = 0.9 if len(sites) == 1 else 0.7
    carers = _caregivers(rng, max(4, round(size / 6.5)), sites)
    carers += _volunteers(rng, max(2, round(size / 25)), sites, len(carers))
    weights = [s.share for s in SERVICES]
    visits: list[Visit] = []
    while len(visits) < size:
        site = rng.choice(sites)
        home = _near(rng, site, radius)
        for svc in rng.choices(SERVICES, weights, k=rng.choice((1, 1, 1, 2))):
            if len(visits) < size:
                visits.append(_visit(rng, svc, f"v{len(visits):04d}", home, carers))
    return Problem(tuple(carers), tuple(visits), TravelModel(kind="geo"), name=f"station-{size}")


def without_pairs(problem: Problem) -> Problem:
    """The variant VROOM can plan, with the objective VROOM has: travel time (+ lateness).

    No two-carer visits (VROOM has no synchronised visits); continuity is not priced (VROOM has
    no preferred vehicles); a minute late costs what a minute of travel does (window weight 0.5
    x lateness weight 2), so CareHub's objective is exactly travel + lateness + unassigned.
    """
    visits = tuple(v for v in problem.visits if v.carers == 1)
    weights = replace(problem.weights, continuity=0.0, lateness=2.0)
    return replace(problem, visits=visits, weights=weights, name=problem.name + "-nopairs")


def _station(site: tuple[float, float]) -> Location:
    return Location(lat=site[0], lon=site[1])


def _caregivers(rng: random.Random, count: int, sites) -> list[Caregiver]:
    out = []
    for i in range(count):
        skills = set(VOLUNTEER_SKILLS) | {"cleaning"}
        if rng.random() < 0.85:
            skills.add("health_cert")
        if rng.random() < 0.7:
            skills |= {"personal_care", "care_cert"}
        if rng.random() < 0.2:
            skills |= {"nursing", "nurse_cert", "personal_care"}
        if rng.random() < 0.12:
            skills.add("rehab")
        station = _station(sites[i % len(sites)])
        early = rng.random() < 0.55
        begin, end = ("07:30", "16:30") if early else ("09:00", "18:00")
        lunch = Break(h("11:30"), h("13:30"), 30) if early else Break(h("12:00"), h("14:00"), 30)
        shift = Shift(station, station, h(begin), h(end), (lunch,))
        out.append(
            Caregiver(
                id=f"cg{i:03d}", shifts=(shift,), skills=frozenset(skills),
                sex="F" if rng.random() < 0.85 else "M",
                travel_mode="ebike" if rng.random() < 0.7 else "walk", cost_per_hour=32.0,
            )
        )  # fmt: skip
    return out


def _volunteers(rng: random.Random, count: int, sites, first: int) -> list[Caregiver]:
    """Volunteers: 2-3 hours in the morning or early afternoon, volunteer services only, walking."""
    out = []
    for i in range(count):
        home = _near(rng, rng.choice(sites), 0.8)
        begin = h(rng.choice(("08:30", "09:00", "10:00", "10:30", "13:30", "14:00")))
        hours = rng.choice((2, 2.5, 3))
        skills = frozenset(rng.sample(sorted(VOLUNTEER_SKILLS), rng.choice((2, 3, 4))))
        out.append(
            Caregiver(
                id=f"vol{first + i:03d}", shifts=(Shift(home, home, begin, begin + 60 * hours),),
                skills=skills, sex="F" if rng.random() < 0.7 else "M", travel_mode="walk",
            )
        )  # fmt: skip
    return out


def _windows(rng: random.Random, svc: Service) -> tuple[TimeWindow, ...]:
    def win(a: str, b: str) -> TimeWindow:
        return TimeWindow(h(a), h(b), soft=svc.soft, lateness_weight=0.5)

    first = svc.windows[0]
    if not svc.two_windows:
        return (win(*first),)
    if rng.random() < svc.two_windows:
        return (replace(win(*first), soft=False), win(*AFTERNOON))
    return (win(*(first if rng.random() < 0.5 else AFTERNOON)),)


def meal_rounds(problem: Problem) -> MealRounds:
    """The day's MEAL visits as meal rounds: each meal collected at the nearest station kitchen
    (ready at 10:45) and handed over in the visit's window within 45 minutes, by the caregivers
    and volunteers who deliver meals, 4 meals at a time on foot, 8 by e-bike. A deliverer's
    first shift is their lunch shift; its break is not modelled in the rounds."""
    sites = {c.shifts[0].start for c in problem.caregivers}
    kitchens = [Kitchen(f"k{i}", loc, h(MEALS_READY)) for i, loc in enumerate(sorted(
        sites, key=lambda s: (s.lat, s.lon)))]  # fmt: skip
    able = [c for c in problem.caregivers if "meal" in c.skills]
    deliverers = [replace(c, shifts=c.shifts[:1], capacity=MEAL_CAPACITY[c.travel_mode])
                  for c in able]  # fmt: skip
    meals = []
    for v in problem.visits:
        if "meal" not in v.required_skills or v.carers != 1:
            continue
        near = min(kitchens, key=lambda k: _km(k.location, v.location))
        meals.append(Meal(v.id, near.id, v.location, v.windows[0], v.duration, priority=v.priority))
    return MealRounds(tuple(deliverers), tuple(kitchens), tuple(meals), problem.travel)


def _km(a: Location, b: Location) -> float:
    return (a.lat - b.lat) ** 2 + (a.lon - b.lon) ** 2  # ordering only


def _visit(rng: random.Random, svc: Service, vid: str, home: Location, carers) -> Visit:
    need = frozenset(svc.skills)
    sex = "F" if rng.random() < svc.female_only else None
    able = [c for c in carers if need <= c.skills and (sex is None or c.sex == sex)]
    able = [c for c in able if not c.id.startswith("vol")] or able
    preferred = (rng.choice(able).id,) if able and rng.random() < svc.regular else ()
    return Visit(
        id=vid, location=home, windows=_windows(rng, svc), duration=svc.duration,
        required_skills=need, carers=svc.carers, sync=svc.sync,
        second_required_skills=frozenset(svc.second_skills) if svc.second_skills else None,
        second_duration=svc.second_duration, preferred_caregivers=preferred,
        sex_preference=sex, priority=svc.priority,
    )  # fmt: skip


# --- measurements (each in its own child process) ------------------------------------------


def worker(job: dict) -> dict:
    """Solve one written day with one solver; return its timed plan and phases."""
    import time

    from bench.references import ortools_problem, timed_plan, vroom_problem

    t0 = time.perf_counter()
    if job["solver"] != "carehub-meals":
        problem = load_problem(job["path"])
    if job["solver"] == "carehub":
        from scheduler.solver import SolveParams, solve

        if job.get("cpu"):  # the limit counts this process's CPU seconds (a loaded machine)
            time.monotonic = time.process_time

        solution = solve(problem, SolveParams(time_limit=job["limit"], seed=job["seed"]))
        out = timed_plan(solution) | {"phases": list(solution.stats.phases)}
    elif job["solver"] == "carehub-meals":
        from scheduler.solver import SolveParams, solve_meals

        plan = solve_meals(
            load_meal_rounds(job["path"]), SolveParams(time_limit=job["limit"], seed=job["seed"])
        )
        out = plan.to_json() | {"status": plan.stats.status}
    elif job["solver"] == "ortools":
        out = ortools_problem(problem, job["limit"], job["seed"])
    else:
        out = vroom_problem(problem, job["limit"], job["seed"])
    return out | {"solve_s": time.perf_counter() - t0}


COLUMNS = [
    "size", "variant", "solver", "visits", "served", "unassigned", "travel_min", "lateness_min",
    "travel_plus_lateness", "distance_km", "routes", "wall_s", "solve_s", "peak_mb", "feasible",
    "note",
]  # fmt: skip


def _row(
    size: int, variant: str, solver: str, path: Path, limit: float, seed: int, cpu: bool = False
) -> dict:
    job = {"path": str(path), "solver": solver, "limit": limit, "seed": seed, "cpu": cpu}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    child = run_child(cmd, timeout=limit * 3 + 300)
    problem = load_problem(path)
    row = {"size": size, "variant": variant, "solver": solver, "visits": len(problem.visits)}
    row |= {"wall_s": fmt_num(child.wall_s), "peak_mb": fmt_num(child.peak_mb, 0)}
    if child.returncode != 0:
        return row | {"feasible": "", "note": f"failed: {child.error()}"}
    out = json.loads(child.stdout)
    rep = validate_plan(problem, out)
    row |= {
        "served": rep.served, "unassigned": rep.unassigned, "travel_min": fmt_num(rep.travel, 1),
        "lateness_min": fmt_num(rep.lateness, 1),
        "travel_plus_lateness": fmt_num(rep.travel + rep.lateness, 1),
        "distance_km": fmt_num(rep.distance, 2), "routes": rep.routes,
        "solve_s": fmt_num(out.get("solve_s")), "feasible": rep.feasible,
    }  # fmt: skip
    notes = [out.get("status", ""), " ".join(out.get("phases", []))]
    if not rep.feasible:
        notes.append(f"{rep.violations[0]} ({len(rep.violations)} issues)")
    return row | {"note": "; ".join(n for n in notes if n)}


def _meal_row(size: int, path: Path, limit: float, seed: int) -> dict:
    job = {"path": str(path), "solver": "carehub-meals", "limit": limit, "seed": seed}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    child = run_child(cmd, timeout=limit * 3 + 300)
    rounds = load_meal_rounds(path)
    row = {"size": size, "variant": "meal rounds", "solver": "carehub", "visits": len(rounds.meals)}
    row |= {"wall_s": fmt_num(child.wall_s), "peak_mb": fmt_num(child.peak_mb, 0)}
    if child.returncode != 0:
        return row | {"feasible": "", "note": f"failed: {child.error()}"}
    out = json.loads(child.stdout)
    rep = validate_meals(rounds, out)
    trips = sum(_trips(r["events"]) for r in out["routes"])
    row |= {
        "served": rep.served, "unassigned": rep.unassigned, "travel_min": fmt_num(rep.travel, 1),
        "travel_plus_lateness": fmt_num(rep.travel, 1), "solve_s": fmt_num(out.get("solve_s")),
        "routes": sum(1 for r in out["routes"] if r["events"]), "feasible": rep.feasible,
    }  # fmt: skip
    notes = [out.get("status", ""), f"{trips} trips from the kitchens"]
    if not rep.feasible:
        notes.append(f"{rep.violations[0]} ({len(rep.violations)} issues)")
    return row | {"note": "; ".join(n for n in notes if n)}


def _trips(events: list) -> int:
    load = trips = 0
    for _, kind, _t in events:
        trips += kind == "pickup" and load == 0
        load += 1 if kind == "pickup" else -1
    return trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,150,300")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=11, help="the days' seed")
    parser.add_argument("--solvers", default="carehub,ortools,vroom")
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--meals",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also plan each day's MEAL visits as meal rounds (CareHub only)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="CareHub's time limit counts its own CPU seconds, not wall time (on a shared, "
        "loaded machine; VROOM's and OR-Tools' timeouts stay wall time)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        json.dump(worker(json.loads(args.worker)), sys.stdout)
        return
    limit = args.time_limit
    out = Path(args.out or ROOT / f"bench/results/station-day-{limit:g}s.csv")
    days = out.parent / "station-days"
    days.mkdir(parents=True, exist_ok=True)
    solvers = [s for s in args.solvers.split(",") if s]
    rows = []
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for size in (int(x) for x in args.sizes.split(",") if x):
            full = day(size, args.seed)
            for variant, problem in (("pairs", full), ("no pairs", without_pairs(full))):
                path = days / f"{problem.name}-seed{args.seed}.json"
                save_problem(problem, path)
                for solver in solvers:
                    if solver == "vroom" and variant == "pairs":
                        continue
                    rows.append(_row(size, variant, solver, path, limit, 0, args.cpu_time))
                    writer.writerow(rows[-1])
                    fh.flush()
                    print(rows[-1], file=sys.stderr, flush=True)
            if "carehub" in solvers and args.meals:
                rounds = meal_rounds(full)
                path = days / f"{full.name}-meals-seed{args.seed}.json"
                save_meal_rounds(rounds, path)
                rows.append(_meal_row(size, path, limit, 0))
                writer.writerow(rows[-1])
                fh.flush()
                print(rows[-1], file=sys.stderr, flush=True)
    out.with_suffix(".md").write_text(summarise(rows, args))


def summarise(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Station days around Nanjing Gulou: CareHub, plain OR-Tools, VROOM",
        "",
        f"Days generated by `bench/station_day.py` (seed {args.seed}; the JSON problems are in "
        "`station-days/`, `python -m scheduler solve FILE --format json` re-runs one). "
        f"Measured {environment(args.time_limit)}; other sessions loaded the machine, so wall "
        "times are noisy. Every plan re-checked by `scheduler.validate.validate_plan`; the "
        "figures are the validator's (travel and lateness in minutes).",
        "",
        "`pairs`: the day as generated, with two-carer baths (together) and escort-then-nurse "
        "visits (ordered). `no pairs`: the same day without its two-carer visits, with "
        "continuity not priced and a minute late costing a minute of travel, the variant VROOM "
        "can plan (it has no synchronised visits and no preferred vehicles; soft windows are "
        "hard for it). VROOM: pyvroom, exploration 5 (its default), one thread, the time limit as timeout. "
        "OR-Tools: the scheduler's routing model searched by OR-Tools alone "
        "(PATH_CHEAPEST_ARC + GLS, no construction, no sync-aware search). `meal rounds`: the "
        "day's MEAL visits as pickup-and-delivery from the nearest station kitchen (ready 10:45, "
        "4 meals on foot, 8 by e-bike, at most 45 min from kitchen to door), CareHub only, "
        "re-checked by `scheduler.validate.validate_meals`; its travel is the rounds' alone.",
        "",
        *(
            [
                "`--cpu-time`: CareHub's limit counted its own CPU seconds (the machine was "
                "shared); VROOM's and OR-Tools' timeouts are wall time, so they got less CPU.",
                "",
            ]
            if args.cpu_time
            else []
        ),
        "| visits | variant | solver | served | unassigned | travel | lateness | travel + late "
        "| routes | wall s | peak MB | feasible |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    keys = ("visits", "variant", "solver", "served", "unassigned", "travel_min", "lateness_min")
    keys += ("travel_plus_lateness", "routes", "wall_s", "peak_mb", "feasible")
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    lines += ["", "Notes (status, CareHub's phases, first violation):", ""]
    lines += [f"- {r['size']} {r['variant']} {r['solver']}: {r['note']}" for r in rows if r["note"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
