"""The worker: claims jobs from the table and runs each in its own unit of work.

A job runs in the worker's main thread inside ``tx.unit_of_work()``; its outcome is written in
that same transaction (``queue.finish``), so the work and "succeeded" commit together or not at
all. Beside it a heartbeat thread renews the lease and stores the progress the job reports, in a
connection of its own, so that pages see the progress while the job's transaction is open and
the job itself never waits on that write (on SQLite it may wait for the job's write lock).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from flask import Flask
from sqlalchemy.exc import OperationalError

from carehub.common import tx
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.jobs import queue
from carehub.jobs.models import Job
from carehub.jobs.registry import kind as kind_named

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker took the job over: stop, and write nothing."""


class JobContext:
    """What a running job sees: its id and a way to report progress (which also notices a lost
    lease, so a job that reports often stops soon after it is taken over)."""

    def __init__(self, job_id: int, heartbeat: Heartbeat):
        self.job_id = job_id
        self._heartbeat = heartbeat

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        self._heartbeat.report(done, total, message)
        if self._heartbeat.lost:
            raise LeaseLost(f"job {self.job_id}: lease lost")


class Heartbeat(threading.Thread):
    """Renews the lease every third of it, and writes reported progress at most twice a second."""

    MIN_GAP = 0.5

    def __init__(self, engine, job_id: int, worker_id: str, lease_seconds: int):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.engine, self.job_id, self.worker_id = engine, job_id, worker_id
        self.lease_seconds = lease_seconds
        self.pending: dict | None = None
        self.latest: dict = {}  # the last progress reported, written with the outcome too
        self.lost = False
        self._wake, self._done = threading.Event(), threading.Event()

    def report(self, done: int, total: int | None, message: str) -> None:
        self.pending = {"progress_done": max(0, int(done)),
                        "progress_total": None if total is None else max(0, int(total)),
                        "progress_message": str(message)[:200]}  # fmt: skip
        self.latest = self.pending
        self._wake.set()

    def stop(self) -> None:
        self._done.set()
        self._wake.set()
        if self.is_alive():
            self.join()

    def run(self) -> None:
        while not self._done.is_set():
            self._wake.wait(self.lease_seconds / 3)
            self._wake.clear()
            if self._done.is_set():
                return
            progress, self.pending = self.pending, None
            try:
                mine = queue.renew(self.engine, self.job_id, self.worker_id, self.lease_seconds,
                                   progress)  # fmt: skip
            except OperationalError:  # SQLite: the job's transaction holds the write lock
                self.pending = self.pending or progress
                continue
            if not mine:
                self.lost = True
                return
            self._done.wait(self.MIN_GAP)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:120]


class Worker:
    """Claims and runs jobs. ``stopping`` (set by SIGTERM/SIGINT) ends the loop after the
    current job; an interrupt during a job (a second signal) gives the job back to the queue."""

    def __init__(self, app: Flask, name: str | None = None,
                 lease_seconds: int = queue.LEASE_SECONDS, poll_seconds: float = 2.0):  # fmt: skip
        self.app, self.name = app, name or worker_name()
        self.lease_seconds, self.poll_seconds = lease_seconds, poll_seconds
        self.stopping = threading.Event()

    def run_next(self) -> int | None:
        """Claim one job and run it; its id, or None when the queue is empty."""
        with self.app.app_context():
            job_id = queue.claim(self.name, self.lease_seconds)
            if job_id is not None:
                self._run(job_id)
            db.session.remove()
        return job_id

    def drain(self) -> int:
        """Run what is queued (``--once``); how many jobs ran."""
        ran = 0
        while not self.stopping.is_set() and self.run_next() is not None:
            ran += 1
        return ran

    def serve(self) -> None:
        """Run jobs until asked to stop; a lost database (a restart, a failover) is waited out."""
        while not self.stopping.is_set():
            try:
                ran = self.run_next()
            except Exception:
                log.exception("worker %s: the queue is unreachable; trying again", self.name)
                ran = None
            if ran is None:
                self.stopping.wait(self.poll_seconds)

    def _run(self, job_id: int) -> None:
        job = db.session.get(Job, job_id)
        name, parameters = job.kind, dict(job.parameters or {})
        db.session.rollback()
        heartbeat = Heartbeat(db.engine, job_id, self.name, self.lease_seconds)
        heartbeat.start()
        log.info("job %s (%s): started by %s", job_id, name, self.name)
        try:
            self._attempt(job_id, name, parameters, heartbeat)
        except LeaseLost:
            log.warning("job %s: lease lost; its work is rolled back", job_id)
        except BaseException:  # interrupted (a second signal): back to the queue at once
            db.session.rollback()
            queue.release(job_id, self.name)
            raise
        finally:
            heartbeat.stop()

    def _attempt(self, job_id: int, name: str, parameters: dict, heartbeat: Heartbeat) -> None:
        ctx = JobContext(job_id, heartbeat)
        try:
            _write_lock_on_sqlite()
            with tx.unit_of_work():
                kind = kind_named(name)
                if kind is None:
                    raise LookupError(f"no job kind {name!r} in this worker")
                result = kind.run(ctx, **parameters) or {}
                if not queue.finish(
                    job_id, self.name, "succeeded", result=result, **heartbeat.latest
                ):
                    raise LeaseLost(job_id)
                tx.commit()
            log.info("job %s (%s): succeeded", job_id, name)
        except (LeaseLost, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # the job's failure, recorded; the worker goes on
            db.session.rollback()
            message = exc.message if isinstance(exc, CareHubError) else None
            text = queue.error_text(exc) if message is None else f"{exc.code}: {message}"
            if queue.finish(job_id, self.name, "failed", error=text, **heartbeat.latest):
                db.session.commit()
            log.exception("job %s (%s): failed", job_id, name)


def _write_lock_on_sqlite() -> None:
    """On SQLite, take the write lock as the job's transaction begins (BEGIN IMMEDIATE).

    Otherwise a heartbeat committed between the job's first read and its first write makes that
    write fail at once (SQLite refuses to upgrade a read transaction that another writer has
    overtaken). The price: on SQLite the heartbeat waits until the job commits, so progress shows
    on PostgreSQL only, and SQLite runs one worker (DESIGN.md §10).
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
