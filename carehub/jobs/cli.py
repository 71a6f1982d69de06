"""``carehub worker``: the job worker process (timed jobs on APScheduler, queued jobs claimed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from carehub.jobs import queue


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="Run what is queued (and today's missed timed runs), then exit."
)
@click.option("--lease", default=queue.LEASE_SECONDS, show_default=True, type=click.IntRange(5, 3600),
              help="Seconds a job stays this worker's without a heartbeat.")  # fmt: skip
@click.option("--poll", default=2.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="Seconds between looks at an empty queue.")  # fmt: skip
@click.option("--no-schedule", is_flag=True, help="Run queued jobs only; no timed jobs.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes on this host sharing the queue (PostgreSQL only), so that "
              "station solves spread over its cores.")  # fmt: skip
@with_appcontext
def worker(once: bool, lease: int, poll: float, no_schedule: bool, processes: int) -> None:
    """Run jobs: claim queued ones (leased, one runner each) and enqueue the timed ones.

    SIGTERM or SIGINT: finish the current job, then stop; a second one gives it back to the queue.
    With ``--processes N`` this process also starts N-1 helpers (queued jobs only, the same
    options), passes its signals on to them and waits for them.
    """

    app = current_app._get_current_object()
    helpers = _start_helpers(app, processes - 1, once=once, lease=lease, poll=poll)
    try:
        _serve(app, once, lease, poll, no_schedule, helpers)
    except Exception:  # this process failed: its helpers stop too (signals were passed on already)
        for helper in helpers:
            if helper.poll() is None:
                helper.send_signal(signal.SIGTERM)
        raise
    finally:
        for helper in helpers:
            helper.wait()


def _start_helpers(app, count: int, *, once: bool, lease: int, poll: float) -> list:
    """``count`` more worker processes on this host; refused on SQLite, where one worker runs."""
    if count and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise click.BadParameter("SQLite runs one worker; use PostgreSQL for several",
                                 param_hint="--processes")  # fmt: skip
    argv = [sys.executable, "-m", "carehub.cli", "worker", "--no-schedule",
            "--lease", str(lease), "--poll", str(poll), *(["--once"] if once else [])]  # fmt: skip
    env = {**os.environ, "CAREHUB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    # their own session: a Ctrl-C at the terminal reaches this process only, which passes it on
    return [subprocess.Popen(argv, env=env, start_new_session=True) for _ in range(count)]


def _serve(app, once: bool, lease: int, poll: float, no_schedule: bool, helpers: list) -> None:
    from carehub.jobs import schedule
    from carehub.jobs.runner import Worker

    runner = Worker(app, lease_seconds=lease, poll_seconds=poll)
    if not no_schedule:
        for job_id in schedule.catch_up(app):
            click.echo(f"enqueued missed timed run: job {job_id}")
    if once:
        click.echo(f"worker {runner.name}: ran {runner.drain()} job(s)")
        return
    scheduler = None if no_schedule else schedule.build(app)
    _on_signals(runner, helpers)
    if scheduler is not None:
        scheduler.start()
        for entry in scheduler.get_jobs():
            click.echo(f"timed {entry.id}: next run {entry.next_run_time.isoformat()}")
    click.echo(f"worker {runner.name}: waiting for jobs")
    try:
        runner.serve()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    click.echo(f"worker {runner.name}: stopped")


def _on_signals(runner, helpers: list) -> None:
    """First signal: stop after the current job. Second: interrupt it (it goes back to the queue).
    Each signal is passed on to the helper processes at once."""

    def stop(signum, _frame):
        for helper in helpers:
            if helper.poll() is None:
                helper.send_signal(signum)
        if runner.stopping.is_set():
            raise KeyboardInterrupt
        runner.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
