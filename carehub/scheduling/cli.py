"""``carehub schedule queue``: plan a day for every station in the job worker (``make run``
uses it so that the demo opens on a published day)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("schedule")
def schedule() -> None:
    """Scheduling: queue station-day plans for the job worker."""


@schedule.command("queue")
@click.option("--day", "day_text", default="today", show_default=True,
              help="YYYY-MM-DD, 'today' or 'tomorrow' (local time).")  # fmt: skip
@click.option("--publish", is_flag=True, help="Publish each plan as soon as it is solved.")
@click.option("--time-limit", default=10.0, show_default=True, type=click.FloatRange(0.5, 120))
@with_appcontext
def queue_command(day_text: str, publish: bool, time_limit: float) -> None:
    """Queue one plan-day job per station; a day already queued is not queued again."""
    from datetime import timedelta

    from carehub.careplans.clock import local_today
    from carehub.common.tx import atomic
    from carehub.scheduling.kinds import queue_station_days

    offsets = {"today": 0, "tomorrow": 1}
    try:
        day = (local_today() + timedelta(days=offsets[day_text]) if day_text in offsets
               else date.fromisoformat(day_text))  # fmt: skip
    except ValueError:
        raise click.BadParameter(
            "a date as YYYY-MM-DD, 'today' or 'tomorrow'", param_hint="--day"
        ) from None
    with atomic():
        stations, queued = queue_station_days(day, time_limit, publish, "cli")
    click.echo(f"{day}: {queued} of {stations} stations queued for the worker")
