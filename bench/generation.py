"""Visit generation: 14 days for the demo district and for a district at DESIGN §7 scale.

    python bench/generation.py [--scenarios demo,district] [--databases sqlite,postgresql]
        [--stations 40] [--residents 9000] [--days 14]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--out bench/results/generation.csv]

``demo`` is the demo district as ``carehub seed-demo`` loads it (800 residents, 8 stations, plans
through the care plan service). ``district`` is synthetic: 40 stations and 9,000 served residents
whose plans are drawn by the demo's own rules (``carehub.careplans.demo.plan_items``) but written
with bulk INSERTs, so that setting up the bench does not take longer than what it measures (about
6,000 visits a day, DESIGN §7). Each run has a fresh database (a temporary SQLite file or a
throw-away PostgreSQL database created and dropped here); ``generate`` runs as the nightly job
will call it (no request, one commit), first on an empty horizon, then again with nothing changed.
Figures are wall times of ``generate`` and its commit; nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.imports import pg_database  # noqa: E402

SEED = 20261202


def _app(url: str):
    from carehub import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024})  # fmt: skip


def setup_demo(_args) -> None:
    from carehub.registry.demo import load_demo

    load_demo()


def setup_district(args) -> None:
    """Stations, residents (with their history rows) and plans in bulk; see the module's note."""
    from sqlalchemy import insert, select

    from carehub.careplans.clock import local_today
    from carehub.careplans.models import CarePlan, CarePlanItem, CarePlanVersion, ResidentHistory
    from carehub.extensions import db
    from carehub.registry.models import Community, District, Resident, Station, Street

    rng, today = random.Random(SEED), local_today()
    street = Street(district=District(code="320106", name="鼓楼区", city="南京市"),
                    code="320106001", name="华侨路街道")  # fmt: skip
    stations = [
        Station(
            code=f"S-{n:02d}",
            name=f"第{n}站",
            street=street,
            community=Community(street=street, code=f"320106001{n:03d}", name=f"社区{n}"),
            latitude=32.05 + n / 1000,
            longitude=118.77,
        )  # fmt: skip
        for n in range(1, args.stations + 1)
    ]
    db.session.add_all(stations)
    db.session.flush()
    people = [_person(rng, n, stations[n % len(stations)].id, today) for n in range(args.residents)]
    ids = list(db.session.scalars(
        insert(Resident).returning(Resident.id, sort_by_parameter_order=True),
        [p["row"] for p in people]))  # fmt: skip
    db.session.execute(insert(ResidentHistory), [
        {"resident_id": i, "valid_from": date(2020, 1, 1), "status": "active",
         "household": p["row"]["household"], "categories": []}
        for i, p in zip(ids, people, strict=True)])  # fmt: skip
    plan_ids = list(db.session.scalars(
        insert(CarePlan).returning(CarePlan.id, sort_by_parameter_order=True),
        [{"resident_id": i} for i in ids]))  # fmt: skip
    version_ids = list(db.session.scalars(
        insert(CarePlanVersion).returning(CarePlanVersion.id, sort_by_parameter_order=True),
        [{"plan_id": p, "number": 1, "effective_from": today, "reason": "bench"}
         for p in plan_ids]))  # fmt: skip
    catalogue = _catalogue(select)
    items = [
        _item_row(version_id, line, item, catalogue, today)
        for version_id, person in zip(version_ids, people, strict=True)
        for line, item in enumerate(person["items"], start=1)
    ]
    for start in range(0, len(items), 5000):
        db.session.execute(insert(CarePlanItem), items[start : start + 5000])
    db.session.commit()


def _person(rng: random.Random, n: int, station_id: int, today: date) -> dict:
    from carehub.careplans.demo import plan_items

    age = min(100, int(rng.triangular(60, 101, 76)))
    household = rng.choices(("alone", "empty_nest", "with_family", "with_carer"), (20, 30, 45, 5))
    level = rng.choices(range(5), (45, 30, 12, 8, 5))[0]
    row = {"station_id": station_id, "name": f"老人{n}", "sex": rng.choice("MF"),
           "birth_date": today - timedelta(days=365 * age + 100), "id_number_hash": f"bench{n}",
           "id_number_enc": "-", "id_number_masked": "-", "address": f"鼓楼区{n}号",
           "household": household[0], "status": "active"}  # fmt: skip
    return {"row": row, "items": plan_items(rng, household[0], level, age, "government")}


def _catalogue(select) -> dict:
    from carehub.extensions import db
    from carehub.registry.models import ServiceType

    return {s.code: (s.default_minutes, s.carers) for s in db.session.scalars(select(ServiceType))}


def _item_row(version_id: int, line: int, item: dict, catalogue: dict, today: date) -> dict:
    from carehub.careplans import recurrence as rr

    if item.get("rrule"):
        rule, workdays_only = rr.check(item["rrule"]), False
    else:
        rule, workdays_only = rr.from_words(item["recurrence_words"]).rrule()
    windows = [(_t(w["start"]), _t(w["end"])) for w in item["windows"]]
    minutes, carers = catalogue[item["service_code"]]
    return {
        "version_id": version_id, "line": line, "service_code": item["service_code"],
        "rrule": rule, "workdays_only": workdays_only,
        "window1_start": windows[0][0], "window1_end": windows[0][1],
        "window2_start": windows[1][0] if len(windows) > 1 else None,
        "window2_end": windows[1][1] if len(windows) > 1 else None,
        "duration_minutes": minutes, "carers": 2 if item["service_code"] == "BATH" else carers,
        "volunteer_suitable": item["volunteer_suitable"], "start_date": today,
        "funding": item["funding"], "notes": item["notes"],
    }  # fmt: skip


def _t(text: str):
    from datetime import time as clock

    hours, minutes = text.split(":")
    return clock(int(hours), int(minutes))


SETUPS = {"demo": setup_demo, "district": setup_district}


def run_one(url: str, scenario: str, args) -> dict:
    """Fresh schema, the scenario's plans, then ``generate`` twice (each committed once)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from carehub.careplans.generation import generate
    from carehub.careplans.models import CarePlan, CarePlanItem
    from carehub.extensions import db
    from carehub.registry.models import Station

    app = _app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        SETUPS[scenario](args)
        setup_s = time.perf_counter() - started
        counts = {
            "stations": db.session.scalar(select(func.count()).select_from(Station)),
            "plans": db.session.scalar(select(func.count()).select_from(CarePlan)),
            "items": db.session.scalar(select(func.count()).select_from(CarePlanItem)),
        }
        db.session.remove()
        runs = []
        for _ in ("first", "again"):
            started, cpu = time.perf_counter(), time.process_time()
            result = generate(None, args.days)
            db.session.commit()
            runs.append((time.perf_counter() - started, time.process_time() - cpu, result))
            db.session.remove()
        db.engine.dispose()
    (first_s, first_cpu, first), (again_s, again_cpu, again) = runs
    return {**counts, "setup_s": setup_s, "days": args.days, "created": first.created,
            "per_day": first.created / args.days, "first_s": first_s, "first_cpu_s": first_cpu,
            "again_s": again_s, "again_cpu_s": again_cpu, "again_created": again.created,
            "again_changed": again.updated + again.cancelled,
            "again_unchanged": again.unchanged}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="demo,district")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--residents", type=int, default=9000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "generation.csv"))
    args = parser.parse_args(argv)
    results = []
    for scenario in args.scenarios.split(","):
        for database in args.databases.split(","):
            load = os.getloadavg()[0]
            if database == "sqlite":
                folder = tempfile.mkdtemp(prefix="carehub-bench-")
                figures = run_one(f"sqlite:///{folder}/bench.db", scenario, args)
            else:
                url = pg_database(args.pg_admin_url, "create")
                try:
                    figures = run_one(url, scenario, args)
                finally:
                    pg_database(args.pg_admin_url, "drop", url)
            row = {"scenario": scenario, "database": database, "load_avg": load, **figures}
            results.append(row)
            print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()})
    write(results, Path(args.out))
    return 0


FIELDS = ["scenario", "database", "stations", "plans", "items", "days", "created", "per_day",
          "setup_s", "first_s", "first_cpu_s", "again_s", "again_cpu_s", "again_created",
          "again_changed", "again_unchanged", "load_avg"]  # fmt: skip


def write(results: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow({k: f"{v:.2f}" if isinstance(v, float) else v for k, v in r.items()})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Visit generation: the next 14 days, district-wide",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared with other work; the load average before each run says "
        "how busy). `generate(None, days)` as the nightly job calls it, committed once: first on "
        "an empty horizon, then again with nothing changed. Wall time, this process's CPU time in "
        "brackets (the database server's is not in it). Aim: first run under 60 s, re-run under "
        "10 s.",
        "",
        "| scenario | database | stations | plans | items | visits created | a day | first run s "
        "(CPU) | re-run s (CPU) | re-run created / changed | load avg |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['database']} | {r['stations']} | {r['plans']} | "
            f"{r['items']} | {r['created']} | {r['per_day']:.0f} | {r['first_s']:.1f} "
            f"({r['first_cpu_s']:.1f}) | {r['again_s']:.1f} ({r['again_cpu_s']:.1f}) | "
            f"{r['again_created']} / {r['again_changed']} | {r['load_avg']:.1f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
