"""``carehub worker``: the job worker process (timed jobs on APScheduler, queued jobs claimed)."""

from __future__ import annotations

import signal

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
@with_appcontext
def worker(once: bool, lease: int, poll: float, no_schedule: bool) -> None:
    """Run jobs: claim queued ones (leased, one runner each) and enqueue the timed ones.

    SIGTERM or SIGINT: finish the current job, then stop; a second one gives it back to the queue.
    """
    from carehub.jobs import schedule
    from carehub.jobs.runner import Worker

    app = current_app._get_current_object()
    runner = Worker(app, lease_seconds=lease, poll_seconds=poll)
    if not no_schedule:
        for job_id in schedule.catch_up(app):
            click.echo(f"enqueued missed timed run: job {job_id}")
    if once:
        click.echo(f"worker {runner.name}: ran {runner.drain()} job(s)")
        return
    scheduler = None if no_schedule else schedule.build(app)
    _on_signals(runner)
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


def _on_signals(runner) -> None:
    """First signal: stop after the current job. Second: interrupt it (it goes back to the queue)."""

    def stop(signum, _frame):
        if runner.stopping.is_set():
            raise KeyboardInterrupt
        runner.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
