"""Check-in/out under the morning peak: gunicorn on a throw-away PostgreSQL database.

DESIGN §7's district has 600 caregivers, most of whom start their day within an hour: 600
check-ins and 600 check-outs, about one request every three seconds on average, with bursts. This
script creates a throw-away database (``carehub db upgrade``), adds one station with ``--carers``
caregivers, each with an account, an API token and one published visit today at a resident's
home, starts gunicorn, and lets ``--clients`` concurrent clients (threads, keep-alive) check every
carer in and then out through ``POST /api/v1/visits/<id>/check-in`` and ``check-out`` with a
position. Each check-out completes its visit (and runs the follow-up rules). Writes requests per
second and p50/p95/p99 latency per kind to ``bench/results/checkin.csv`` and ``.md``.

    .venv/bin/python bench/checkin.py                        # 600 carers, 16 clients, 4 workers
    .venv/bin/python bench/checkin.py --carers 200 --clients 8 --workers 2 --out /tmp/c.csv

It never asserts a timing: the machine is shared, so read the load average it records.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load  # noqa: E402  (database, gunicorn and percentile helpers of the load test)

ROOT = load.ROOT
BIN = load.BIN
HOME = (32.06, 118.78)


def seed(db_url: str, carers: int) -> list[tuple[int, str]]:
    """One station, ``carers`` caregivers with tokens, one scheduled visit each; (visit, token)."""
    from carehub import create_app
    from carehub.auth.models import ApiToken, User
    from carehub.auth.services import _digest
    from carehub.common import clock
    from carehub.extensions import db
    from carehub.registry.models import Caregiver, District, Provider, Resident, Station, Street
    from carehub.visits.models import Visit, VisitCarer

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench-checkin"})
    pairs = []
    with app.app_context():
        district = District(code="320106", name="鼓楼区", city="南京市")
        street = Street(district=district, code="320106001", name="华侨路街道")
        station = Station(code="S-BENCH", name="压测站", street=street, latitude=32.05,
                          longitude=118.77)  # fmt: skip
        provider = Provider(name="压测服务中心", credit_code="91320106MA1BENCH0")
        db.session.add_all([district, station, provider])
        db.session.flush()
        today = clock.local_today()
        start = datetime.combine(today, clock_time(8), tzinfo=clock.timezone()).astimezone(UTC)
        for n in range(carers):
            resident = Resident(station_id=station.id, name=f"老人{n}", sex="F",
                                birth_date=datetime(1940, 1, 1).date(),
                                id_number_hash=f"bench-{n}", id_number_enc="x",
                                id_number_masked="3201********0000", address=f"中山路{n}号",
                                latitude=HOME[0], longitude=HOME[1])  # fmt: skip
            carer = Caregiver(provider_id=provider.id, station_id=station.id, name=f"护理员{n}",
                              sex="F")  # fmt: skip
            db.session.add_all([resident, carer])
            db.session.flush()
            user = User(username=f"bench{n}", password_hash="!", role="caregiver",
                        caregiver_id=carer.id, stations=[station])  # fmt: skip
            visit = Visit(resident_id=resident.id, station_id=station.id, service_code="MEAL",
                          visit_date=today, window1_start=clock_time(8),
                          window1_end=clock_time(10), duration_minutes=30, carers=1,
                          funding="government", source="request", state="scheduled")  # fmt: skip
            db.session.add_all([user, visit])
            db.session.flush()
            db.session.add(VisitCarer(visit_id=visit.id, seat=1, caregiver_id=carer.id,
                                      planned_start=start,
                                      planned_end=start + timedelta(minutes=30)))  # fmt: skip
            token = f"bench-token-{n}-{os.getpid()}"
            db.session.add(ApiToken(token_hash=_digest(token), user=user,
                                    expires_at=clock.utc_now() + timedelta(hours=12)))  # fmt: skip
            pairs.append((visit.id, token))
        db.session.commit()
    return pairs


def drive(port: int, pairs: list, clients: int) -> dict[str, load.Outcome]:
    """Each client takes its share of the carers: check-in, then check-out, for each."""
    outcomes = {kind: load.Outcome(f"/api/v1/visits/<id>/check-{kind}", "api", clients, 0)
                for kind in ("in", "out")}  # fmt: skip
    lock = threading.Lock()
    body = json.dumps({"latitude": HOME[0], "longitude": HOME[1], "accuracy_m": 15}).encode()

    def client(share: list) -> None:
        conn = None
        mine = {"in": [], "out": []}
        errors = {"in": 0, "out": 0}
        for visit_id, token in share:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for kind in ("in", "out"):
                began = time.perf_counter()
                try:
                    conn = conn or http.client.HTTPConnection(load.HOST, port, timeout=30)
                    conn.request("POST", f"/api/v1/visits/{visit_id}/check-{kind}", body=body,
                                 headers=headers)  # fmt: skip
                    response = conn.getresponse()
                    response.read()
                    if response.will_close:
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    errors[kind] += 1
                    continue
                if response.status == 201:
                    mine[kind].append(time.perf_counter() - began)
                else:
                    errors[kind] += 1
        with lock:
            for kind in ("in", "out"):
                outcomes[kind].latencies.extend(mine[kind])
                outcomes[kind].errors += errors[kind]

    shares = [pairs[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    for outcome in outcomes.values():
        outcome.seconds = wall
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default=os.environ.get(
        "CAREHUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--carers", type=int, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "checkin.csv")
    args = parser.parse_args(argv)

    db_url = load.create_database(args.admin_url)
    env = {**os.environ, "CAREHUB_DATABASE_URL": db_url, "CAREHUB_SECRET_KEY": "bench-checkin",
           "CAREHUB_LOG_JSON": "0"}  # fmt: skip
    log = Path("/tmp") / f"carehub-checkin-{os.getpid()}.log"
    server = None
    try:
        subprocess.run([str(BIN / "carehub"), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        pairs = seed(db_url, args.carers)
        port = load.free_port()
        server = load.start_server(env, port, args.workers, log)
        load_before = os.getloadavg()
        outcomes = drive(port, pairs, args.clients)
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        load.drop_database(args.admin_url, db_url)
    rows = [outcome.row() for outcome in outcomes.values()]
    both = load.Outcome("check-in and check-out together", "api", args.clients,
                        outcomes["in"].seconds,
                        outcomes["in"].latencies + outcomes["out"].latencies,
                        outcomes["in"].errors + outcomes["out"].errors)  # fmt: skip
    rows.append(both.row())
    for row in rows:
        print(row)
    notes = [
        f"commit {load._git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"{args.carers} carers, one published visit each; gunicorn {args.workers} sync workers, "
        f"{args.clients} concurrent clients (threads, keep-alive), every carer checked in then "
        "out with a position; each check-out completes the visit (follow-up rules included)",
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before and "
        f"{load_after[0]:.2f} after (the machine is shared: other processes lower every figure)",
        "the morning peak of DESIGN §7 is 1,200 such requests within an hour (0.33 per second "
        "on average); requests/s here is the capacity of one small server, not the demand",
    ]
    load.write(rows, args.out, notes)
    text = (
        args.out.with_suffix(".md")
        .read_text()
        .replace(
            "# Load test: gunicorn + PostgreSQL, demo district, coordinator's pages and API",
            "# Check-in/out: gunicorn + PostgreSQL, the morning peak",
        )
    )
    args.out.with_suffix(".md").write_text(text)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
