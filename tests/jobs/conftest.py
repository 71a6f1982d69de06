"""Helpers for the job tests: a clock to freeze and move, queued self-tests, a worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from carehub.audit.models import AuditEvent
from carehub.extensions import db
from carehub.jobs import queue
from carehub.jobs.models import Job
from carehub.jobs.runner import Worker


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def frozen(monkeypatch):
    """The platform's clock stopped at 2026-12-02 00:30 UTC (08:30 in Nanjing); ``.advance(s)``."""
    clock = Clock(datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    monkeypatch.setattr("carehub.common.clock.utc_now", clock)
    return clock


def queue_selftests(app, count: int, **parameters) -> list[int]:
    with app.app_context():
        ids = [queue.enqueue("selftest", {"steps": 1, **parameters}, requested_by="test")[0].id
               for _ in range(count)]  # fmt: skip
        db.session.commit()
        return ids


def job(app, job_id: int) -> Job:
    with app.app_context():
        found = db.session.get(Job, job_id)
        db.session.expunge(found)
        return found


def runs_committed(app) -> dict[int, int]:
    """{job id: how many times a self-test's work was committed} (one audit event per run)."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.entity_id, func.count())
            .where(AuditEvent.action == "selftest")
            .group_by(AuditEvent.entity_id)
        )
        return {int(entity_id): count for entity_id, count in rows}


@pytest.fixture
def worker(app):
    return lambda name="w1", lease=60: Worker(app, name=name, lease_seconds=lease, poll_seconds=0.1)
