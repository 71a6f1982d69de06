"""Worker processes against one PostgreSQL database: each job runs once, and a killed worker's job
is taken over when its lease expires (skipped on SQLite, where one worker runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.jobs.conftest import job, queue_selftests, runs_committed

CARHUB = [sys.executable, "-m", "carehub.cli"]


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("workers in several processes share a PostgreSQL database (CI's second pass)")


def _worker(database_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CAREHUB_DATABASE_URL": database_url, "CAREHUB_SECRET_KEY": "test-secret"}
    return subprocess.Popen([*CARHUB, "worker", "--no-schedule", *args], env=env,
                            cwd=Path(__file__).parents[2], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip


def test_two_worker_processes_run_each_job_once(app, database_url, on_postgres):
    ids = queue_selftests(app, 30, pause_ms=20)
    workers = [_worker(database_url, "--once") for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert runs_committed(app) == dict.fromkeys(ids, 1)
    assert {job(app, i).state for i in ids} == {"succeeded"}
    ran = [int(out.split("ran ")[1].split(" ")[0]) for out in outputs]
    assert sum(ran) == 30


def test_a_killed_workers_job_is_taken_over_after_its_lease(app, database_url, on_postgres):
    (only,) = queue_selftests(app, 1, steps=40, pause_ms=250)  # ten seconds of work
    doomed = _worker(database_url, "--lease", "5", "--poll", "0.2")
    for _ in range(200):
        if job(app, only).state == "running":
            break
        time.sleep(0.1)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    assert job(app, only).state == "running"
    expires = job(app, only).lease_expires_at
    heir = _worker(database_url, "--lease", "30", "--poll", "0.2")
    for _ in range(600):
        if job(app, only).state == "succeeded":
            break
        time.sleep(0.1)
    heir.send_signal(signal.SIGTERM)  # finish (nothing running now) and stop
    output = heir.communicate(timeout=60)[0]
    done = job(app, only)
    assert done.state == "succeeded" and done.attempts == 2, output
    assert done.started_at >= expires  # taken over only once the lease had expired
    assert "stopped" in output
    assert runs_committed(app) == {only: 1}


def test_one_worker_with_processes_spreads_jobs_over_them(app, database_url, on_postgres):
    ids = queue_selftests(app, 12, steps=2, pause_ms=100)
    one = _worker(database_url, "--once", "--processes", "3")
    output = one.communicate(timeout=120)[0]
    assert one.returncode == 0, output
    assert runs_committed(app) == dict.fromkeys(ids, 1)
    ran = [int(part.split(" ")[0]) for part in output.split("ran ")[1:]]
    assert len(ran) == 3 and sum(ran) == 12, output


def test_sqlite_refuses_several_worker_processes(runner, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the refusal is SQLite's")
    result = runner.invoke(args=["worker", "--once", "--processes", "2"])
    assert result.exit_code == 2 and "--processes" in result.output
