"""The queue on the job table: enqueue, claim with a lease, renew, finish, release.

Exactly one runner per job, with any number of workers on any number of hosts:
- claiming picks the oldest queued job, or a running one whose lease has expired (its worker
  died); on PostgreSQL the candidate row is read ``FOR UPDATE SKIP LOCKED``, so two workers never
  wait on or take the same row; on SQLite (one writer at a time) the claim is an UPDATE guarded by
  the state, the lease and the attempt count that were read, so a worker that lost the race
  changes nothing and looks again;
- a worker renews its lease while the job runs (``renew``, from the heartbeat thread, in its own
  connection); a job whose lease has expired is taken over (attempts + 1), and after
  ``max_attempts`` takeovers it is failed rather than tried again;
- the job's outcome is written by ``finish`` in the job's own transaction, guarded by the worker
  id: a worker whose job was taken over meanwhile writes nothing, and its work rolls back.

Times are the workers' clocks (``carehub.common.clock.utc_now``): hosts must keep NTP time, and
the lease (a minute by default) dwarfs any skew that NTP leaves.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from carehub.common import clock
from carehub.extensions import db
from carehub.jobs.models import Job

LEASE_SECONDS = 60
ERROR_CHARS = 4000
BUSY_TRIES = 3  # SQLite only: claims refused for a busy database before giving up for now
log = logging.getLogger(__name__)


def enqueue(kind: str, parameters: dict, *, period_key: str | None = None,
            station_id: int | None = None, requested_by: str = "schedule",
            max_attempts: int = 3) -> tuple[Job, bool]:  # fmt: skip
    """A queued job; with ``period_key`` the period's existing row if there is one.

    Returns (job, created). The insert is ON CONFLICT DO NOTHING on the period key, so two
    schedulers enqueueing the same period at the same moment store one row. The caller commits.
    """
    now = clock.utc_now()
    row = {"kind": kind, "parameters": parameters, "period_key": period_key,
           "station_id": station_id, "state": "queued", "queued_at": now, "updated_at": now,
           "requested_by": requested_by[:40], "max_attempts": max_attempts,
           "progress_done": 0, "progress_message": "", "attempts": 0}  # fmt: skip
    if period_key is None:
        job = Job(**row)
        db.session.add(job)
        db.session.flush()
        return job, True
    statement = _upsert().values(**row).on_conflict_do_nothing(index_elements=["period_key"])
    new_id = db.session.scalar(statement.returning(Job.id))
    job = db.session.scalar(select(Job).where(Job.period_key == period_key))
    return job, new_id is not None


def _upsert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Job)


def _claimable(now):
    return or_(Job.state == "queued", and_(Job.state == "running", Job.lease_expires_at < now))


def claim(worker_id: str, lease_seconds: int = LEASE_SECONDS) -> int | None:
    """Take the next job for ``worker_id`` and commit; its id, or None when nothing waits."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    busy = 0
    while True:
        now = clock.utc_now()
        query = (
            select(Job.id, Job.state, Job.attempts, Job.max_attempts, Job.worker_id)
            .where(_claimable(now))
            .order_by(Job.queued_at, Job.id)
            .limit(1)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        try:
            row = db.session.execute(query).first()
        except OperationalError:  # SQLite: another connection is committing; look again
            db.session.rollback()
            busy += 1
            if busy > BUSY_TRIES:
                return None
            continue
        if row is None:
            db.session.rollback()
            return None
        guard = [Job.id == row.id, Job.attempts == row.attempts, _claimable(now)]
        if row.state == "running" and row.attempts >= row.max_attempts:
            _write(guard, state="failed", finished_at=now, worker_id=None, lease_expires_at=None,
                   error=f"the lease of worker {row.worker_id} expired on attempt "
                         f"{row.attempts} of {row.max_attempts}; not tried again")  # fmt: skip
            db.session.commit()
            continue
        values = {"state": "running", "worker_id": worker_id, "started_at": now,
                  "lease_expires_at": now + timedelta(seconds=lease_seconds),
                  "attempts": row.attempts + 1}  # fmt: skip
        if row.state == "running":
            values["error"] = f"taken over from worker {row.worker_id}, whose lease had expired"
            log.warning("job %s: taken over from %s", row.id, row.worker_id)
        try:
            taken = _write(guard, **values)
            db.session.commit()
        except OperationalError:  # SQLite: a job holds the write lock past the busy timeout
            db.session.rollback()
            busy += 1
            if busy > BUSY_TRIES:
                return None
            continue
        if taken:
            return row.id


def _write(guard, **values) -> int:
    statement = update(Job).where(*guard).values(**values, updated_at=clock.utc_now())
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def renew(engine: Engine, job_id: int, worker_id: str, lease_seconds: int,
          progress: dict | None = None) -> bool:  # fmt: skip
    """Extend the lease (and store progress) in a connection of its own, committed at once, so
    that pages see the progress while the job's own transaction is still open. False when the
    job is no longer this worker's."""
    now = clock.utc_now()
    values = {"lease_expires_at": now + timedelta(seconds=lease_seconds), "updated_at": now}
    if progress:
        values.update(progress)
    statement = update(Job).where(
        Job.id == job_id, Job.worker_id == worker_id, Job.state == "running"
    )
    with engine.begin() as conn:
        return conn.execute(statement.values(**values)).rowcount == 1


def finish(job_id: int, worker_id: str, state: str, *, result: dict | None = None,
           error: str | None = None, **progress) -> bool:  # fmt: skip
    """Write the outcome (and the last progress) in the current transaction, if the job is still
    this worker's."""
    guard = [Job.id == job_id, Job.worker_id == worker_id, Job.state == "running"]
    return bool(_write(guard, state=state, result=result, error=error, worker_id=None,
                       lease_expires_at=None, finished_at=clock.utc_now(), **progress))  # fmt: skip


def release(job_id: int, worker_id: str) -> bool:
    """Give a job back to the queue at once (a worker asked to stop before it finished); the
    attempt it was on does not count."""
    guard = [Job.id == job_id, Job.worker_id == worker_id, Job.state == "running"]
    done = _write(guard, state="queued", worker_id=None, lease_expires_at=None,
                  attempts=Job.attempts - 1, error=f"released by worker {worker_id} (stopped)")  # fmt: skip
    db.session.commit()
    return bool(done)


def cancel(job_id: int) -> bool:
    """Cancel a job nobody has started; False when it is running or finished."""
    now = clock.utc_now()
    return bool(_write([Job.id == job_id, Job.state == "queued"], state="cancelled",
                       finished_at=now))  # fmt: skip


def error_text(exc: BaseException) -> str:
    """The error and the end of its traceback (where it was raised), within ERROR_CHARS."""
    whole = "".join(traceback.format_exception(exc))
    head = f"{type(exc).__name__}: {exc}"[:500]
    tail = whole[-(ERROR_CHARS - len(head) - 10) :]
    return f"{head}\n\n{tail}"
