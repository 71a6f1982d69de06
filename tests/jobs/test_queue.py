"""Claiming with a lease, takeover after it expires, idempotent periods (time frozen)."""

from __future__ import annotations

from carehub.extensions import db
from carehub.jobs import queue
from tests.jobs.conftest import job, queue_selftests, runs_committed


def test_a_worker_claims_the_oldest_queued_job_with_a_lease(app, frozen):
    first, second = queue_selftests(app, 2)
    with app.app_context():
        assert queue.claim("w1", lease_seconds=60) == first
    claimed = job(app, first)
    assert claimed.state == "running" and claimed.worker_id == "w1" and claimed.attempts == 1
    assert claimed.started_at == frozen.now
    assert (claimed.lease_expires_at - frozen.now).total_seconds() == 60
    assert job(app, second).state == "queued"


def test_a_running_job_is_not_claimed_again_while_its_lease_holds(app, frozen):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        assert queue.claim("w1", 60) == only
        frozen.advance(59)
        assert queue.claim("w2", 60) is None


def test_an_expired_lease_is_taken_over_and_the_old_worker_writes_nothing(app, frozen):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        assert queue.claim("w1", 60) == only
        frozen.advance(61)
        assert queue.claim("w2", 60) == only
        taken = job(app, only)
        assert (taken.worker_id, taken.attempts) == ("w2", 2)
        assert "w1" in taken.error
        assert not queue.renew(db.engine, only, "w1", 60)  # the old worker learns it lost it
        assert not queue.finish(only, "w1", "succeeded", result={})
        db.session.rollback()
        assert queue.finish(only, "w2", "succeeded", result={"ok": 1})
        db.session.commit()
    done = job(app, only)
    assert done.state == "succeeded" and done.result == {"ok": 1} and done.worker_id is None


def test_a_renewed_lease_keeps_the_job(app, frozen):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        queue.claim("w1", 60)
        frozen.advance(50)
        assert queue.renew(db.engine, only, "w1", 60, {"progress_done": 3, "progress_total": 9,
                                                       "progress_message": "s"})  # fmt: skip
        frozen.advance(50)
        assert queue.claim("w2", 60) is None
    assert (job(app, only).progress_done, job(app, only).progress_total) == (3, 9)


def test_after_max_attempts_an_abandoned_job_fails(app, frozen):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        for n in range(3):
            assert queue.claim(f"w{n}", 60) == only
            frozen.advance(61)
        assert queue.claim("w9", 60) is None
    failed = job(app, only)
    assert failed.state == "failed" and failed.attempts == 3 and failed.finished_at == frozen.now
    assert "w2" in failed.error and failed.worker_id is None


def test_a_dead_workers_job_is_run_by_the_next_worker(app, frozen, worker):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        queue.claim("died", 60)  # and never heard of again
    assert worker("w2").run_next() is None  # its lease still holds
    frozen.advance(61)
    assert worker("w2").run_next() == only
    assert job(app, only).state == "succeeded" and job(app, only).attempts == 2
    assert runs_committed(app) == {only: 1}


def test_released_job_goes_back_to_the_queue_without_using_an_attempt(app, frozen):
    (only,) = queue_selftests(app, 1)
    with app.app_context():
        queue.claim("w1", 60)
        assert queue.release(only, "w1")
        assert queue.claim("w2", 60) == only
    assert job(app, only).attempts == 1


def test_one_job_per_kind_and_period(app):
    with app.app_context():
        first, created = queue.enqueue("selftest", {}, period_key="selftest:2026-12-02")
        again, created_again = queue.enqueue("selftest", {}, period_key="selftest:2026-12-02")
        other, created_other = queue.enqueue("selftest", {}, period_key="selftest:2026-12-03")
        db.session.commit()
        assert (created, created_again, created_other) == (True, False, True)
        assert first.id == again.id != other.id


def test_cancel_only_a_queued_job(app):
    running, waiting = queue_selftests(app, 2)
    with app.app_context():
        assert queue.claim("w1", 60) == running
        assert not queue.cancel(running)
        assert queue.cancel(waiting)
        db.session.commit()
    assert job(app, waiting).state == "cancelled" and job(app, waiting).finished_at is not None
    assert job(app, running).state == "running"
