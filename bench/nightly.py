"""The nightly run: generate visits, then plan tomorrow for every station in the job worker.

    python bench/nightly.py [--scenarios demo,district] [--runs sqlite:1,postgresql:2]
        [--time-limit 10] [--district-time-limit 10] [--stations 40] [--residents 9000]
        [--caregivers 15] [--volunteers 8] [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--out bench/results/nightly.csv]

``demo`` is the demo district (``carehub seed-demo``: 8 stations, 10 caregivers and a few
volunteers each). ``district`` is synthetic at DESIGN §7 scale: bench/generation.py's 40 stations
and 9,000 served residents (about 6,000 visits a day), placed within 1.2 km of their station, with
``--caregivers`` caregivers a station (office hours or a day shift, skills drawn as in the demo)
and ``--volunteers`` volunteers (a morning, lunch or afternoon; meals, company, errands, escort). Each run has a fresh database; generation runs as the 01:00 job calls it (two
days), then the 02:00 ``plan-tomorrow`` job is queued and ``carehub worker --once`` processes
(one on SQLite, ``N`` on PostgreSQL) drain the queue: the nightly job and the ``plan-day`` job of
every station it fans out. Figures: visits served, wall time of the whole planning and of each
station's job (from the job table), and the time limit given to each solve. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generation import _app, setup_district  # noqa: E402
from bench.imports import pg_database  # noqa: E402

SEED = 20261204
SKILLS = ("meal", "cleaning", "companion", "escort", "bathing", "nursing", "rehab", "medical")


def setup_demo(_args) -> None:
    from carehub.registry.demo import load_demo

    load_demo()


def setup_big(args) -> None:
    """bench/generation.py's district, its residents placed around their stations, and staff."""
    from sqlalchemy import bindparam, insert, select, update

    from carehub.extensions import db
    from carehub.registry.models import (
        Caregiver,
        CaregiverSkill,
        Certificate,
        Provider,
        Resident,
        Station,
        WorkingHours,
    )

    setup_district(args)
    rng = random.Random(SEED)
    stations = {s.id: s for s in db.session.scalars(select(Station))}
    rows = db.session.execute(select(Resident.id, Resident.station_id)).all()
    table = Resident.__table__
    placed = update(table).where(table.c.id == bindparam("rid")).values(
        latitude=bindparam("lat"), longitude=bindparam("lon"))  # fmt: skip
    db.session.execute(placed, [{"rid": rid, "lat": p["latitude"], "lon": p["longitude"]}
                                for rid, sid in rows for p in [_near(rng, stations[sid])]])  # fmt: skip
    provider = Provider(name="颐养服务中心", credit_code="91320106MA1XXXXX0X")
    db.session.add(provider)
    db.session.flush()
    staff = []
    for station in stations.values():
        for n in range(args.caregivers):
            home = _near(rng, station)
            staff.append({"provider_id": provider.id, "station_id": station.id,
                          "name": f"护理员{station.id}-{n}", "sex": rng.choice("FFFM"),
                          "home_latitude": home["latitude"], "home_longitude": home["longitude"],
                          "travel_mode": rng.choice(("ebike", "ebike", "walk")),
                          "max_minutes_per_day": 480, "status": "active"})  # fmt: skip
    ids = list(db.session.scalars(
        insert(Caregiver).returning(Caregiver.id, sort_by_parameter_order=True), staff))  # fmt: skip
    skills, hours, certificates = [], [], []
    for cid in ids:
        chosen = {"meal", "cleaning", "companion", "escort"}
        chosen |= {k for k, p in (("bathing", 0.5), ("nursing", 0.5), ("rehab", 0.3),
                                  ("medical", 0.2)) if rng.random() < p}  # fmt: skip
        skills += [{"caregiver_id": cid, "skill": k} for k in sorted(chosen)]
        if "medical" in chosen:
            certificates.append({"caregiver_id": cid, "kind": "护士执业证书", "number": "",
                                 "issued_on": _day(-400), "expires_on": _day(1400)})  # fmt: skip
        hours += _hours(rng, cid)
    _volunteers(rng, stations.values(), args.volunteers)
    db.session.execute(insert(CaregiverSkill), skills)
    db.session.execute(insert(WorkingHours), hours)
    if certificates:
        db.session.execute(insert(Certificate), certificates)
    db.session.commit()


def _volunteers(rng: random.Random, stations, per_station: int) -> None:
    """Volunteers who offer meals, company, errands and escort in a morning or an afternoon."""
    from datetime import date
    from datetime import time as clock

    from sqlalchemy import insert

    from carehub.careplans.models import VolunteerAvailability, VolunteerService
    from carehub.extensions import db
    from carehub.registry.models import Volunteer

    rows = [{"station_id": s.id, "name": f"志愿者{s.id}-{n}", "sex": rng.choice("FM"),
             "birth_date": date(1958, 5, 1), "id_number_hash": f"vol{s.id}-{n}",
             "id_number_enc": "-", "id_number_masked": "-", "joined_on": date(2024, 3, 1),
             "status": "active"} for s in stations for n in range(per_station)]  # fmt: skip
    if not rows:
        return
    ids = list(db.session.scalars(
        insert(Volunteer).returning(Volunteer.id, sort_by_parameter_order=True), rows))  # fmt: skip
    slots, offers = [], []
    for vid in ids:
        a, b = rng.choice(((clock(8, 30), clock(11, 30)), (clock(10, 30), clock(13, 0)),
                           (clock(13, 30), clock(16, 30))))  # fmt: skip
        slots += [{"volunteer_id": vid, "weekday": d, "start": a, "end": b} for d in range(7)]
        offers += [{"volunteer_id": vid, "service_code": c}
                   for c in ("COMPANION", "ERRAND", "ESCORT", "MEAL")]  # fmt: skip
    db.session.execute(insert(VolunteerAvailability), slots)
    db.session.execute(insert(VolunteerService), offers)


def _day(offset: int):
    from datetime import timedelta

    from carehub.careplans.clock import local_today

    return local_today() + timedelta(days=offset)


def _near(rng: random.Random, station) -> dict:
    """A point within 1.2 km of the station (uniform over the disc)."""
    r, a = 1.2 * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    lat = station.latitude + r * math.sin(a) / 111.32
    lon = station.longitude + r * math.cos(a) / (111.32 * math.cos(math.radians(station.latitude)))
    return {"latitude": round(lat, 6), "longitude": round(lon, 6)}


def _hours(rng: random.Random, cid: int) -> list[dict]:
    from datetime import time as clock

    if rng.random() < 0.6:
        return [{"caregiver_id": cid, "weekday": d, "start": clock(a), "end": clock(b, m)}
                for d in range(7) for a, b, m in ((8, 12, 0), (13, 17, 30))]  # fmt: skip
    a, b = rng.choice(((7, 15), (11, 19)))
    return [{"caregiver_id": cid, "weekday": d, "start": clock(a), "end": clock(b)}
            for d in range(7)]  # fmt: skip


SETUPS = {"demo": setup_demo, "district": setup_big}


def _workers(url: str, count: int) -> float:
    """``count`` worker processes drain the queue; the wall time until the last one is done."""
    env = {**os.environ, "CAREHUB_DATABASE_URL": url}
    command = [str(ROOT / ".venv" / "bin" / "carehub"), "worker", "--once", "--no-schedule"]
    started = time.perf_counter()
    procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(count)]  # fmt: skip
    for proc in procs:
        proc.wait(timeout=7200)
    return time.perf_counter() - started


def run_one(url: str, scenario: str, workers: int, time_limit: float, args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from carehub.careplans.generation import generate
    from carehub.extensions import db
    from carehub.jobs import queue
    from carehub.jobs.models import Job
    from carehub.jobs.runner import Worker

    app = _app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        SETUPS[scenario](args)
        setup_s = time.perf_counter() - started
        db.session.remove()
        started = time.perf_counter()
        generated = generate(None, 2)
        db.session.commit()
        generate_s = time.perf_counter() - started
        queue.enqueue("plan-tomorrow", {"time_limit": time_limit}, period_key="plan-tomorrow:bench",
                      requested_by="bench")  # fmt: skip
        db.session.commit()
        db.session.remove()
        started = time.perf_counter()
        Worker(app, name="bench-night").run_next()  # the fan-out, so every worker finds stations
        fan_out_s = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    plan_s = fan_out_s + _workers(url, workers)
    with app.app_context():
        jobs = list(db.session.scalars(select(Job).where(Job.kind == "plan-day")))
        per = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.finished_at]
        ok = [j for j in jobs if j.state == "succeeded"]
        visits = sum(j.result.get("visits", 0) for j in ok)
        served = sum(j.result.get("served", 0) for j in ok)
        failed = len(jobs) - len(ok)
        db.engine.dispose()
    return {"stations": len(jobs), "failed": failed, "setup_s": setup_s, "generated": generated.created,
            "generate_s": generate_s, "visits": visits, "served": served,
            "share": served / visits if visits else 0.0, "plan_s": plan_s,
            "station_median_s": statistics.median(per) if per else 0.0,
            "station_max_s": max(per, default=0.0), "time_limit": time_limit}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="demo,district")
    parser.add_argument("--runs", default="sqlite:1,postgresql:2")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--district-time-limit", type=float, default=10.0)
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--residents", type=int, default=9000)
    parser.add_argument("--caregivers", type=int, default=15)
    parser.add_argument("--volunteers", type=int, default=8)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "nightly.csv"))
    args = parser.parse_args(argv)
    results = []
    for scenario in args.scenarios.split(","):
        limit = args.time_limit if scenario == "demo" else args.district_time_limit
        for run in args.runs.split(","):
            database, _, count = run.partition(":")
            workers = int(count or 1)
            load = os.getloadavg()[0]
            if database == "sqlite":
                folder = tempfile.mkdtemp(prefix="carehub-nightly-")
                figures = run_one(f"sqlite:///{folder}/bench.db", scenario, workers, limit, args)
            else:
                url = pg_database(args.pg_admin_url, "create")
                try:
                    figures = run_one(url, scenario, workers, limit, args)
                finally:
                    pg_database(args.pg_admin_url, "drop", url)
            row = {"scenario": scenario, "database": database, "workers": workers,
                   "load_avg": load, "load_after": os.getloadavg()[0], **figures}  # fmt: skip
            results.append(row)
            print(
                {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True
            )
            write(results, Path(args.out))
    return 0


FIELDS = ["scenario", "database", "workers", "stations", "failed", "generated", "generate_s",
          "visits", "served", "share", "time_limit", "plan_s", "station_median_s", "station_max_s",
          "setup_s", "load_avg", "load_after"]  # fmt: skip


def write(results: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow({k: f"{v:.3f}" if isinstance(v, float) else v for k, v in r.items()})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# The nightly run: generation, then every station's tomorrow planned in the worker",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared with other work (load average before and after each run). "
        "Generation of two days as the 01:00 job does it; then `plan-tomorrow` fans out one "
        "`plan-day` job per station and `carehub worker --once` processes drain the queue. Each "
        "solve is given the time limit shown (the lunch rounds take 30 % of it, 1 to 5 s); the wall "
        "time of a station is its job's, from the job table.",
        "",
        "| scenario | database | workers | stations | visits tomorrow | served | share | "
        "limit s | planning wall s | a station: median s / max s | generation s | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['database']} | {r['workers']} | {r['stations']} | "
            f"{r['visits']} | {r['served']} | {100 * r['share']:.1f} % | {r['time_limit']:.0f} | "
            f"{r['plan_s']:.1f} | {r['station_median_s']:.1f} / {r['station_max_s']:.1f} | "
            f"{r['generate_s']:.1f} | {r['load_avg']:.1f} → {r['load_after']:.1f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
