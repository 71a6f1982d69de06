"""The worker runs jobs in their own unit of work: results, errors, lost leases, the CLI."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from carehub.extensions import db
from carehub.jobs import queue, schedule
from carehub.jobs.models import Job
from carehub.jobs.runner import Heartbeat
from tests.jobs.conftest import job, queue_selftests, runs_committed


def test_a_job_runs_once_with_its_result_progress_and_timings(app, worker):
    (only,) = queue_selftests(app, 1, steps=4)
    assert worker().run_next() == only
    done = job(app, only)
    assert done.state == "succeeded" and done.result == {"steps": 4}
    assert (done.progress_done, done.progress_total) == (3, 4)
    assert done.queued_at <= done.started_at <= done.finished_at
    assert done.worker_id is None and done.lease_expires_at is None and done.error is None
    assert worker().run_next() is None
    assert runs_committed(app) == {only: 1}


def test_a_failing_job_is_failed_with_its_error_and_its_work_rolled_back(app, worker):
    failing, fine = queue_selftests(app, 1, fail=True) + queue_selftests(app, 1)
    assert worker().drain() == 2
    failed = job(app, failing)
    assert failed.state == "failed" and failed.finished_at is not None
    assert failed.error.startswith("RuntimeError: self-test asked to fail")
    assert "Traceback" in failed.error
    assert job(app, fine).state == "succeeded"
    assert runs_committed(app) == {fine: 1}


def test_an_unknown_kind_fails_rather_than_stopping_the_worker(app, worker):
    with app.app_context():
        unknown = queue.enqueue("no-such-kind", {})[0].id
        db.session.commit()
    assert worker().drain() == 1
    assert "no-such-kind" in job(app, unknown).error


def test_progress_is_visible_while_the_job_runs(app, database_url):
    """Written by the heartbeat's own connection (PostgreSQL; SQLite holds it until the end)."""
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        queue.claim("w1", 60)
        beat = Heartbeat(db.engine, only, "w1", 60)
        beat.start()
        beat.report(142, 150, "first plan")
        for _ in range(100):
            seen = db.session.scalar(select(Job.progress_done).where(Job.id == only))
            db.session.rollback()
            if seen == 142:
                break
            threading.Event().wait(0.05)
        beat.stop()
    assert (job(app, only).progress_done, job(app, only).progress_total) == (142, 150)
    assert job(app, only).progress_message == "first plan"


def test_a_job_taken_over_meanwhile_commits_nothing(app, worker, monkeypatch):
    (only,) = queue_selftests(app, 1)

    def stolen(job_id, worker_id, *args, **kwargs):  # another worker took it just before
        return False

    monkeypatch.setattr(queue, "finish", stolen)
    assert worker().run_next() == only
    assert runs_committed(app) == {}


def test_worker_once_runs_the_queue_and_exits(app, runner):
    ids = queue_selftests(app, 3)
    result = runner.invoke(args=["worker", "--once", "--no-schedule"])
    assert result.exit_code == 0, result.output
    assert "ran 3 job(s)" in result.output
    assert {job(app, i).state for i in ids} == {"succeeded"}


def test_timed_runs_are_one_per_period_and_a_missed_one_is_caught_up(app, frozen, worker):
    frozen.now = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 01:30 in Nanjing: 01:00 was missed
    first = schedule.catch_up(app)
    assert len(first) == 1 and schedule.catch_up(app) == []
    assert schedule.enqueue_timed(app, "generate-visits")[1] is False  # the scheduler fires late
    queued = job(app, first[0])
    assert queued.period_key == "generate-visits:2026-12-02" and queued.parameters == {"days": 14}
    frozen.now = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 in Nanjing: not due yet
    with app.app_context():
        db.session.execute(db.delete(Job))
        db.session.commit()
    assert schedule.catch_up(app) == []


def test_the_schedule_shows_the_next_nightly_run(app, frozen):
    with app.app_context():
        runs = {run["kind"]: run for run in schedule.next_runs()}
    assert runs["generate-visits"]["next_run"].isoformat() == "2026-12-03T01:00:00+08:00"
    assert runs["plan-tomorrow"]["next_run"].isoformat() == "2026-12-03T02:00:00+08:00"  # after it
    with app.app_context():
        scheduler = schedule.build(app)
        entries = scheduler.get_jobs()
    assert len(entries) == len(runs) == 2
    assert all(e.coalesce and e.misfire_grace_time == 6 * 3600 for e in entries)


def test_generate_visits_job_reports_each_station(app, world, worker):
    with app.app_context():
        queued = queue.enqueue("generate-visits", {"days": 3}, requested_by="test")[0].id
        db.session.commit()
    assert worker().run_next() == queued
    done = job(app, queued)
    assert done.state == "succeeded", done.error
    assert done.result["stations"] == 2 and done.result["created"] == 0
    assert (done.progress_done, done.progress_total) == (2, 2)


def test_two_worker_threads_run_each_job_once(app, worker):
    ids = queue_selftests(app, 12)
    workers = [worker(f"t{n}") for n in range(2)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert runs_committed(app) == dict.fromkeys(ids, 1)
    assert {job(app, i).state for i in ids} == {"succeeded"}
    assert {job(app, i).attempts for i in ids} == {1}


def test_an_interrupted_job_goes_back_to_the_queue_at_once(app, worker, monkeypatch):
    """A second SIGTERM/SIGINT interrupts the running job: its work rolls back and another worker
    may take it straight away, without waiting for the lease to expire."""
    from carehub.jobs.registry import KINDS, JobKind, load_kinds

    load_kinds()

    def interrupted(ctx, **_):
        raise KeyboardInterrupt

    monkeypatch.setitem(KINDS, "selftest", JobKind("selftest", interrupted, "self-test"))
    (only,) = queue_selftests(app, 1)
    with pytest.raises(KeyboardInterrupt):  # the worker stops
        worker("w1").run_next()
    released = job(app, only)
    assert released.state == "queued" and released.worker_id is None and released.attempts == 0
    monkeypatch.undo()
    assert worker("w2").run_next() == only
    assert job(app, only).state == "succeeded" and job(app, only).attempts == 1
