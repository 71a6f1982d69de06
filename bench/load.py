"""Load test of the web app as production runs it: gunicorn on PostgreSQL with the demo district.

Creates a throw-away PostgreSQL database, migrates it and loads the demo district
(``carehub db upgrade``, ``carehub seed-demo``), starts gunicorn with several workers on a free
loopback port, logs in as the demo coordinator (a page session and an API token), then drives
N concurrent clients (threads, one keep-alive connection each, standard library only) at each of
the coordinator's main pages and API lists in turn for a fixed time, and at all of them mixed.
Writes requests per second and p50/p95/p99 latencies per URL to ``bench/results/load.csv`` and
``.md``. Bounded: every phase stops after its seconds, then the server and the database go.

    .venv/bin/python bench/load.py                       # 8 clients, 8 s a URL, 4 workers
    .venv/bin/python bench/load.py --clients 16 --seconds 5 --workers 2 --out /tmp/load.csv

It never asserts a timing: the machine is shared, so read the load average it records.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "carehub-demo"
HOST = "127.0.0.1"


@dataclass
class Target:
    kind: str  # page or api
    path: str


@dataclass
class Outcome:
    target: str
    kind: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def row(self) -> dict:
        ordered = sorted(self.latencies)
        done = len(ordered)

        def pct(p: float) -> float:
            return round(ordered[min(done - 1, int(p * done))] * 1000, 1) if done else 0.0

        return {
            "url": self.target, "kind": self.kind, "clients": self.clients,
            "seconds": round(self.seconds, 1), "requests": done, "errors": self.errors,
            "rps": round(done / self.seconds, 1), "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
        }  # fmt: skip


# --- database and server ----------------------------------------------------------------------


def create_database(admin_url: str) -> str:
    name = f"carehub_load_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def drop_database(admin_url: str, db_url: str) -> None:
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [str(BIN / "python"), "-m", "gunicorn", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--timeout", "60", "carehub.wsgi:app"]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = request(port, "GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log}")
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log}")


# --- HTTP -------------------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def page_session(port: int, username: str) -> str:
    """Log in through the real form (CSRF token and all); returns the Cookie header."""
    status, headers, body = request(port, "GET", "/login")
    cookie = _cookies(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    form = {"username": username, "password": PASSWORD}
    if token:
        form["csrf_token"] = token.group(1).decode()
    status, headers, _ = request(port, "POST", "/login", urlencode(form).encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
    if status != 302:
        raise SystemExit(f"login as {username} answered {status}")
    return _cookies(headers) or cookie


def _cookies(headers) -> str:
    return "; ".join(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")


def api_token(port: int, username: str) -> str:
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    status, _, raw = request(port, "POST", "/api/v1/auth/token", body,
                             {"Content-Type": "application/json"})  # fmt: skip
    if status != 201:
        raise SystemExit(f"token for {username} answered {status}: {raw[:200]!r}")
    return json.loads(raw)["token"]


def drive(port: int, targets: list[Target], auth: dict, clients: int, seconds: float) -> Outcome:
    """``clients`` threads, each with its own connection, cycling through ``targets``."""
    name = targets[0].path if len(targets) == 1 else f"mix of {len(targets)} URLs"
    outcome = Outcome(name, targets[0].kind if len(targets) == 1 else "mix", clients, seconds)
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds

    def client(offset: int) -> None:
        conn, n, mine, errors = None, offset, [], 0
        while time.monotonic() < deadline:
            target = targets[n % len(targets)]
            n += 1
            began = time.perf_counter()
            try:
                conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("GET", target.path, headers=auth[target.kind])
                response = conn.getresponse()
                response.read()
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn, errors = None, errors + 1
                continue
            if response.status == 200:
                mine.append(time.perf_counter() - began)
            else:
                errors += 1
        if conn is not None:
            conn.close()
        with lock:
            outcome.latencies.extend(mine)
            outcome.errors += errors

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.monotonic() - start
    return outcome


# --- run --------------------------------------------------------------------------------------


def targets(port: int, token: str) -> list[Target]:
    status, _, raw = request(port, "GET", "/api/v1/residents?per_page=1",
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    resident = json.loads(raw)["items"][0]["id"]
    pages = ["/residents", "/residents?status=active&page=2", f"/residents/{resident}",
             "/caregivers", "/volunteers", "/providers"]  # fmt: skip
    apis = ["/api/v1/residents?per_page=25", f"/api/v1/residents/{resident}",
            "/api/v1/caregivers?per_page=25", "/api/v1/volunteers?per_page=25",
            "/api/v1/providers?per_page=25"]  # fmt: skip
    return [Target("page", p) for p in pages] + [Target("api", p) for p in apis]


def write(rows: list[dict], out: Path, notes: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["# Load test: gunicorn + PostgreSQL, demo district, coordinator's pages and API", ""]
    lines += [f"- {n}" for n in notes] + [""]
    lines.append("| URL | kind | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        lines.append(f"| `{r['url']}` | {r['kind']} | {r['clients']} | {r['requests']} | "
                     f"{r['errors']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['p99_ms']} |")  # fmt: skip
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def _git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default=os.environ.get(
        "CAREHUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0, help="per URL; the mix gets twice")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--user", default="coordinator")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.csv")
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a rerun")
    args = parser.parse_args(argv)

    db_url = create_database(args.admin_url)
    env = {**os.environ, "CAREHUB_DATABASE_URL": db_url, "CAREHUB_SECRET_KEY": "bench-load",
           "CAREHUB_LOG_JSON": "0"}  # fmt: skip
    log = Path("/tmp") / f"carehub-load-{os.getpid()}.log"
    server = None
    try:
        began = time.monotonic()
        for step in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([str(BIN / "carehub"), *step], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"database {db_url.rsplit('/', 1)[1]} seeded in {time.monotonic() - began:.0f} s")
        port = free_port()
        server = start_server(env, port, args.workers, log)
        token = api_token(port, args.user)
        auth = {"api": {"Authorization": f"Bearer {token}"},
                "page": {"Cookie": page_session(port, args.user)}}  # fmt: skip
        plan = targets(port, token)
        load_before = os.getloadavg()
        rows = []
        for target in plan:
            drive(port, [target], auth, args.clients, 1.0)  # warm up each worker's caches
            rows.append(drive(port, [target], auth, args.clients, args.seconds).row())
            print(rows[-1])
        rows.append(drive(port, plan, auth, args.clients, 2 * args.seconds).row())
        print(rows[-1])
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep_db:
            drop_database(args.admin_url, db_url)
    notes = [
        f"commit {_git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"gunicorn {args.workers} sync workers, {args.clients} concurrent clients (threads, "
        f"keep-alive where the server allows), {args.seconds:g} s per URL after 1 s of warm-up, "
        f"then {2 * args.seconds:g} s of all URLs mixed; as user `{args.user}`",
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before and "
        f"{load_after[0]:.2f} after the measured phases (the machine is shared: other "
        "processes' load lowers every figure)",
        "client threads run on the same machine and take part of its CPU",
        "errors: responses other than 200, and failed connections",
    ]
    write(rows, args.out, notes)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
