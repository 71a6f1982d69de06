"""Single requests of the coordinator's main pages and API lists, timed in-process.

    python bench/requests.py [--database-url URL] [--runs 30] [--out bench/results/requests.csv]

Loads the demo district into a fresh database (a temporary SQLite file, or the PostgreSQL URL
given, which must be empty), logs in as the demo coordinator through Flask's test client (a page
session and an API token), and requests each URL ``--runs`` times after one warm-up. For each it
reports the median and the best wall and CPU time of one request, its SQL statements and its
Python function calls (cProfile, one more request; the work done, steady under any load): on a
shared machine a single request's CPU time is steadier than requests per second under load
(``bench/load.py``). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "carehub-demo"


def make_app(url: str):
    from flask_migrate import upgrade

    from carehub import create_app
    from carehub.registry.demo import load_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    with app.app_context():
        upgrade()
        load_demo()
    return app


def urls(api) -> list[tuple[str, str]]:
    first = api.get("/api/v1/residents?per_page=1").get_json()["items"][0]["id"]
    pages = ["/residents", "/residents?status=active&page=2", f"/residents/{first}",
             "/caregivers", "/volunteers", "/providers"]  # fmt: skip
    apis = ["/api/v1/residents?per_page=25", f"/api/v1/residents/{first}",
            "/api/v1/caregivers?per_page=25", "/api/v1/volunteers?per_page=25",
            "/api/v1/providers?per_page=25"]  # fmt: skip
    return [("page", p) for p in pages] + [("api", p) for p in apis]


class Clients:
    """A logged-in page client and an API client (bearer token) for one user."""

    def __init__(self, app, username: str):
        self.page = app.test_client()
        answer = self.page.post("/login", data={"username": username, "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"login as {username} answered {answer.status_code}")
        token = app.test_client().post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        self.api = _WithHeaders(app.test_client(), headers)


class _WithHeaders:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def get(self, url):
        return self.client.get(url, headers=self.headers)


def count_queries(engine):
    from sqlalchemy import event

    counter = {"n": 0}

    def before(*_args, **_kw):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    return counter


def python_calls(client, url: str) -> int:
    """Python function calls of one request: the work done, the same however busy the machine."""
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    return pstats.Stats(profile).total_calls


def measure(app, runs: int, username: str) -> list[dict]:
    from carehub.extensions import db

    clients = Clients(app, username)
    with app.app_context():
        counter = count_queries(db.engine)
    rows = []
    for kind, url in urls(clients.api):
        client = clients.page if kind == "page" else clients.api
        status = client.get(url).status_code  # warm-up
        walls, cpus, queries = [], [], []
        for _ in range(runs):
            before = counter["n"]
            wall, cpu = time.perf_counter(), time.process_time()
            answer = client.get(url)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
            queries.append(counter["n"] - before)
            status = answer.status_code if answer.status_code != 200 else status
        rows.append({
            "calls": python_calls(client, url),
            "url": url, "kind": kind, "status": status, "runs": runs,
            "queries": max(queries), "median_ms": 1000 * statistics.median(walls),
            "best_ms": 1000 * min(walls), "median_cpu_ms": 1000 * statistics.median(cpus),
            "best_cpu_ms": 1000 * min(cpus),
        })  # fmt: skip
        print(
            url,
            f"{rows[-1]['median_cpu_ms']:.1f} ms CPU",
            rows[-1]["queries"],
            "queries",
            rows[-1]["calls"],
            "calls",
        )
    return rows


def write(rows: list[dict], out: Path, database: str, load: float) -> None:
    fields = ["url", "kind", "status", "runs", "queries", "calls", "median_ms", "best_ms",
              "median_cpu_ms", "best_cpu_ms"]  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: f"{v:.1f}" if isinstance(v, float) else v for k, v in r.items()})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Single requests: the coordinator's main pages and API lists",
        "",
        f"- commit {commit}, {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}"
        f", {database}, demo district, as user `coordinator`, Flask's test client in-process",
        f"- {rows[0]['runs'] if rows else 0} requests per URL after one warm-up; CPU time is this "
        "process's (the database server's is not in it); load average before: "
        f"{load:.1f} on {os.cpu_count()} CPUs (shared)",
        "",
        "| URL | kind | status | queries | Python calls | median ms | median CPU ms | best CPU ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(f"| `{r['url']}` | {r['kind']} | {r['status']} | {r['queries']} | {r['calls']} | "
                     f"{r['median_ms']:.1f} | {r['median_cpu_ms']:.1f} | {r['best_cpu_ms']:.1f} |")  # fmt: skip
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--user", default="coordinator")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "requests.csv"))
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='carehub-req-')}/bench.db"
    app = make_app(url)
    load = os.getloadavg()[0]
    rows = measure(app, args.runs, args.user)
    write(rows, Path(args.out), url.split(":", 1)[0].split("+")[0], load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
