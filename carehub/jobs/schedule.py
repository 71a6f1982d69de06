"""Timed jobs: the worker's APScheduler enqueues a job row once per period.

The scheduler never runs a job itself: at the kind's time it inserts the period's row
(``kind:YYYY-MM-DD``, local date), which some worker then claims. So every worker may run a
scheduler (the period key keeps it to one row), and a timed run is as durable and visible as one
started from a page. Misfire policy (``Cron``): coalesce missed runs into one, skip a run later
than the grace time; on start the worker enqueues today's run if its time passed within the
grace time and no row exists (a worker that was down at 01:00 catches up when it comes back).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from carehub.common import clock
from carehub.extensions import db
from carehub.jobs import queue
from carehub.jobs.registry import JobKind, load_kinds

log = logging.getLogger(__name__)


def timed_kinds() -> list[JobKind]:
    return [k for k in load_kinds().values() if k.cron is not None]


def trigger(kind: JobKind) -> CronTrigger:
    return CronTrigger(hour=kind.cron.hour, minute=kind.cron.minute, timezone=clock.timezone())


def period_key(kind: JobKind, at: datetime) -> str:
    return f"{kind.name}:{at.astimezone(clock.timezone()).date().isoformat()}"


def enqueue_timed(app: Flask, name: str, at: datetime | None = None) -> tuple[int, bool]:
    """Enqueue the period's run of a timed kind (nothing new if the period has its row)."""
    with app.app_context():
        kind = load_kinds()[name]
        at = at or clock.utc_now()
        job, created = queue.enqueue(name, dict(kind.timed_parameters),
                                     period_key=period_key(kind, at),
                                     max_attempts=kind.max_attempts)  # fmt: skip
        db.session.commit()
        log.info("timed %s: job %s %s", name, job.id, "enqueued" if created else "exists")
        return job.id, created


def catch_up(app: Flask) -> list[int]:
    """Enqueue today's runs whose time passed within their grace time (idempotent)."""
    now = clock.utc_now()
    enqueued = []
    for kind in timed_kinds():
        with app.app_context():
            due = _last_fire(kind, now)
        if due is not None and now - due <= timedelta(seconds=kind.cron.misfire_grace_seconds):
            job_id, created = enqueue_timed(app, kind.name, due)
            if created:
                enqueued.append(job_id)
    return enqueued


def _last_fire(kind: JobKind, now: datetime) -> datetime | None:
    local = now.astimezone(clock.timezone())
    due = local.replace(hour=kind.cron.hour, minute=kind.cron.minute, second=0, microsecond=0)
    return due if due <= local else None


def build(app: Flask) -> BackgroundScheduler:
    """A scheduler with one APScheduler job per timed kind (not started)."""
    with app.app_context():
        scheduler = BackgroundScheduler(timezone=clock.timezone())
        for kind in timed_kinds():
            scheduler.add_job(enqueue_timed, trigger(kind), args=[app, kind.name], id=kind.name,
                              coalesce=kind.cron.coalesce, max_instances=1,
                              misfire_grace_time=kind.cron.misfire_grace_seconds)  # fmt: skip
    return scheduler


def next_runs() -> list[dict]:
    """Each timed kind with its next run (for the jobs page; computed from the same triggers)."""
    now = clock.utc_now().astimezone(clock.timezone())
    return [{"kind": kind.name, "label": kind.label, "next_run": trigger(kind).get_next_fire_time(None, now),
             "hour": kind.cron.hour, "minute": kind.cron.minute, "coalesce": kind.cron.coalesce,
             "misfire_grace_seconds": kind.cron.misfire_grace_seconds} for kind in timed_kinds()]  # fmt: skip
