"""The kinds of job a worker knows, registered with ``@job("kind")`` by any domain.

A kind is a function ``run(ctx, **parameters) -> dict`` (the dict is stored as the result), a
label for pages, a marshmallow schema for its parameters (checked when a job is requested, so a
bad request is a 422 naming the field and never a failed job), whether it works on one station
(``station_scoped``: a coordinator may request it for a station of theirs), and optionally a
timed schedule (``cron``) on which the worker's APScheduler enqueues it once per period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

KINDS: dict[str, JobKind] = {}


@dataclass(frozen=True)
class Cron:
    """When a timed kind is enqueued (local time, CAREHUB_TIMEZONE), and its misfire policy.

    ``coalesce``: runs missed while the worker was busy or down collapse into one;
    ``misfire_grace_seconds``: a run later than this after its time is skipped (the next period's
    run does the work). The job table is the durable memory: a worker that starts within the
    grace time after a missed run enqueues it (the period key keeps it to one row).
    """

    hour: int
    minute: int = 0
    coalesce: bool = True
    misfire_grace_seconds: int = 6 * 3600


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable
    label: object
    schema: type | None = None
    station_scoped: bool = False
    cron: Cron | None = None
    timed_parameters: dict = field(default_factory=dict)
    max_attempts: int = 3


def job(name: str, *, label, schema=None, station_scoped=False, cron=None, timed_parameters=None,
        max_attempts=3) -> Callable:  # fmt: skip
    """Register ``run(ctx, **parameters)`` as the job kind ``name``."""

    def register(run: Callable) -> Callable:
        KINDS[name] = JobKind(name, run, label, schema, station_scoped, cron,
                              dict(timed_parameters or {}), max_attempts)  # fmt: skip
        return run

    return register


def kind(name: str) -> JobKind | None:
    load_kinds()
    return KINDS.get(name)


def load_kinds() -> dict[str, JobKind]:
    """Import the modules that register kinds (each domain adds its module here)."""
    from carehub.jobs import kinds  # noqa: F401
    from carehub.scheduling import kinds as scheduling_kinds  # noqa: F401
    from carehub.settlement import jobs  # noqa: F401
    from carehub.visits import jobs as _visit_jobs  # noqa: F401

    return KINDS
