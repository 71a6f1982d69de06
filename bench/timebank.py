"""Time-bank ledger: postings per second with concurrent clients, and ``ledger verify`` time.

Both on a throw-away PostgreSQL database (``scripts/pgdb.py``). Postings: T threads, each with
its own volunteer account, call the service layer (a credit as a verified visit posts it, then a
donation with an Idempotency-Key), all appending to the one hash chain. Verify: a valid chain of
``--entries`` entries (two per transaction) is bulk-generated, then ``verify()`` streams it.
Never asserts; writes bench/results/timebank.csv and .md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.imports import pg_database  # noqa: E402

DAY = date(2026, 1, 5)


def make_app(url: str):
    from flask_migrate import upgrade

    from carehub import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024,
                      "CAREHUB_TODAY": DAY.isoformat(),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 5}})  # fmt: skip
    with app.app_context():
        upgrade()
    return app


def district(volunteers: int) -> tuple[int, list[int]]:
    """One station, a coordinator and ``volunteers`` volunteers; their ids."""
    from carehub.auth.services import create_user
    from carehub.extensions import db
    from carehub.registry.models import Community, District, Station, Street, Volunteer

    street = Street(district=District(code="320106", name="鼓楼区", city="南京市"),
                    code="320106001", name="华侨路街道")  # fmt: skip
    station = Station(code="GL-01", name="五台山站", street=street,
                      community=Community(street=street, code="320106001001", name="五台山社区"),
                      latitude=32.05, longitude=118.77)  # fmt: skip
    db.session.add(station)
    db.session.flush()
    people = [Volunteer(station_id=station.id, name=f"志愿者{i}", sex="F",
                        birth_date=date(1950 + i % 20, 1 + i % 12, 1), id_number_hash=f"b{i}",
                        id_number_enc="x", id_number_masked="3201********0000",
                        joined_on=date(2020, 1, 1)) for i in range(volunteers)]  # fmt: skip
    db.session.add_all(people)
    db.session.commit()
    user = create_user("bench", "bench-password", "coordinator", ["GL-01"])
    return user.id, [v.id for v in people]


def postings(app, user_id: int, volunteer_ids: list[int], threads: int, each: int) -> dict:
    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.models import Volunteer
    from carehub.timebank import flows, services
    from carehub.timebank.accounts import volunteer_account

    barrier, errors = threading.Barrier(threads), []

    def client(t: int) -> None:
        with app.app_context():
            actor = db.session.get(User, user_id)
            volunteer = db.session.get(Volunteer, volunteer_ids[t])
            with flows.unit():
                flows.credit(actor, volunteer, each, "COMPANION", DAY, volunteer.station_id)
            account_id = volunteer_account(volunteer).id
            db.session.commit()
            barrier.wait()
            for n in range(each):
                try:
                    if n % 2:
                        services.donate(actor, {"account_id": account_id, "minutes": 1},
                                        f"t{threads}-{t}-{n}")  # fmt: skip
                    else:
                        with flows.unit():
                            flows.credit(
                                actor, volunteer, 1, "COMPANION", DAY, volunteer.station_id
                            )
                except Exception as error:  # noqa: BLE001 - counted, reported
                    errors.append(repr(error))
                    db.session.rollback()

    workers = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    done = threads * each - len(errors)
    return {"test": "postings", "threads": threads, "postings": done, "errors": len(errors),
            "wall_s": wall, "per_s": done / wall, "load_avg": load}  # fmt: skip


def generate_chain(entries: int, accounts: int = 300, chunk: int = 5000) -> None:
    """Bulk-write a valid chain: issuer → volunteer credits, two entries each."""
    from sqlalchemy import insert, select, text

    from carehub.extensions import db
    from carehub.registry.models import Volunteer
    from carehub.timebank import ledger
    from carehub.timebank.accounts import volunteer_account
    from carehub.timebank.models import Account, ChainHead, Entry, Transaction

    issuer = ledger.system_account("issuer")
    holders = [volunteer_account(v).id for v in db.session.scalars(select(Volunteer))][:accounts]
    db.session.commit()
    seq0 = db.session.scalar(select(ChainHead.seq)) or 0
    prev = db.session.scalar(select(ChainHead.hash)) or ledger.GENESIS
    tx_id0 = (db.session.scalar(text("SELECT max(id) FROM timebank_transactions")) or 0) + 1
    entry_id0 = (db.session.scalar(text("SELECT max(id) FROM timebank_entries")) or 0) + 1
    base = datetime(2025, 1, 1, tzinfo=UTC)
    balance = dict.fromkeys(holders, 0)
    txs, legs = [], []
    for n in range(entries // 2):
        seq, holder = seq0 + n + 1, holders[n % len(holders)]
        row = SimpleNamespace(seq=seq, kind="credit", prev_hash=prev, created_by_id=None,
                              created_at=base + timedelta(seconds=n), visit_id=None,
                              activity_id=None, reverses_id=None, settles_id=None,
                              service_date=None, capped_minutes=0, memo="bench",
                              idempotency_key=None)  # fmt: skip
        pair = [(issuer.id, -30), (holder, 30)]
        row.hash = prev = ledger.digest(ledger.content(row), pair)
        txs.append({**vars(row), "id": tx_id0 + n, "request_hash": None})
        legs += [{"id": entry_id0 + 2 * n + k, "transaction_id": tx_id0 + n, "account_id": a,
                  "minutes": m} for k, (a, m) in enumerate(pair)]  # fmt: skip
        balance[holder] += 30
        if len(txs) >= chunk:
            _flush(db, insert, Transaction, Entry, txs, legs)
    _flush(db, insert, Transaction, Entry, txs, legs)
    for account_id, minutes in balance.items():
        db.session.execute(text("UPDATE timebank_accounts SET balance_minutes = balance_minutes"
                                " + :m WHERE id = :i"), {"m": minutes, "i": account_id})  # fmt: skip
    db.session.execute(text("UPDATE timebank_accounts SET balance_minutes = balance_minutes - :m "
                            "WHERE id = :i"), {"m": sum(balance.values()), "i": issuer.id})  # fmt: skip
    db.session.execute(text("UPDATE timebank_chain_head SET seq = :s, hash = :h"),
                       {"s": seq0 + entries // 2, "h": prev})  # fmt: skip
    db.session.commit()
    del Account


TX_COLUMNS = ("id", "seq", "kind", "visit_id", "activity_id", "reverses_id", "settles_id",
              "service_date", "capped_minutes", "memo", "idempotency_key", "request_hash",
              "created_by_id", "created_at", "prev_hash", "hash")  # fmt: skip
ENTRY_COLUMNS = ("id", "transaction_id", "account_id", "minutes")


def _flush(db, insert, Transaction, Entry, txs, legs) -> None:  # noqa: N803
    """COPY on PostgreSQL (bulk INSERTs elsewhere): the generation is not what is measured."""
    if txs and db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur:
            for table, columns, rows in (("timebank_transactions", TX_COLUMNS, txs),
                                         ("timebank_entries", ENTRY_COLUMNS, legs)):  # fmt: skip
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
        db.session.commit()
    elif txs:
        db.session.execute(insert(Transaction.__table__), txs)
        db.session.execute(insert(Entry.__table__), legs)
        db.session.commit()
    txs.clear()
    legs.clear()


def verify_run(entries: int) -> dict:
    from carehub.timebank.verify import verify

    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    generate_chain(entries)
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    report = verify()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"test": "verify", "threads": 1, "postings": report.transactions,
            "entries": report.entries, "ok": report.ok, "wall_s": wall, "cpu_s": cpu,
            "generate_s": generated, "per_s": report.entries / wall, "load_avg": load}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,4,16")
    parser.add_argument("--each", type=int, default=100, help="postings per thread")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "timebank.csv"))
    args = parser.parse_args(argv)
    url = pg_database(args.pg_admin_url, "create")
    results = []
    try:
        app = make_app(url)
        threads = [int(t) for t in args.threads.split(",")]
        with app.app_context():
            user_id, volunteer_ids = district(max(threads) * len(threads) + 300)
        offset = 0
        for count in threads:
            ids = volunteer_ids[offset : offset + count]
            offset += count
            results.append(postings(app, user_id, ids, count, args.each))
            print(results[-1])
        with app.app_context():
            results.append(verify_run(args.entries))
            print(results[-1])
            from carehub.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        pg_database(args.pg_admin_url, "drop", url)
    write(results, Path(args.out))
    return 0


def write(results: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["test", "threads", "postings", "entries", "errors", "ok", "wall_s", "cpu_s",
              "generate_s", "per_s", "load_avg"]  # fmt: skip
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow({k: f"{v:.2f}" if isinstance(v, float) else v for k, v in r.items()})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Time-bank ledger on PostgreSQL",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared with three other engineers' work (load average beside "
        "each figure). Every posting appends under the one chain head's lock, so the appends are "
        "serialised by design; what a service does before it takes the lock (loading, checks) "
        "overlaps, hence more clients still add some throughput.",
        "",
        "| test | clients | postings / transactions | entries | errors | wall s | per s | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(f"| {r['test']} | {r['threads']} | {r['postings']} | {r.get('entries', '')} "
                     f"| {r.get('errors', '')} | {r['wall_s']:.2f} | {r['per_s']:.0f} | "
                     f"{r['load_avg']:.1f} |")  # fmt: skip
    verify = next((r for r in results if r["test"] == "verify"), None)
    if verify:
        lines += ["", f"Verify: {verify['entries']} entries in {verify['wall_s']:.1f} s "
                  f"({verify['cpu_s']:.1f} s CPU in this process), ok={verify['ok']}; the chain "
                  f"was bulk-generated in {verify['generate_s']:.1f} s."]  # fmt: skip
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
