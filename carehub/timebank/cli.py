"""``carehub ledger verify``: exits non-zero naming the first broken transaction (DESIGN §5)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group()
def ledger() -> None:
    """The time-bank ledger."""


@ledger.command("verify")
@click.option("--batch", default=5000, show_default=True, type=click.IntRange(100, 100_000))
@with_appcontext
def verify_command(batch: int) -> None:
    """Re-check every transaction, entry, cached balance and hold."""
    from carehub.timebank.verify import verify

    started = time.perf_counter()
    report = verify(batch)
    took = time.perf_counter() - started
    if not report.ok:
        where = f"transaction {report.transaction_id} (seq {report.seq}): " if report.seq else ""
        raise click.ClickException(f"ledger broken at {where}{report.problem}")
    click.echo(f"ledger ok: {report.transactions} transactions, {report.entries} entries "
               f"in {took:.2f} s")  # fmt: skip


@ledger.command("expire")
@click.option("--on", "day", default=None, help="ISO date (default: today)")
@with_appcontext
def expire_command(day: str | None) -> None:
    """Expire hours older than the rules' expiry (does nothing while expiry is off)."""
    from datetime import date

    from carehub.careplans.clock import local_today
    from carehub.timebank.flows import expire, unit

    try:
        on = date.fromisoformat(day) if day else local_today()
    except ValueError:
        raise click.BadParameter("an ISO date, e.g. 2026-01-31", param_hint="--on") from None
    with unit():
        posted = expire(None, on)
        expired = sum(e.minutes for t in posted for e in t.entries if e.minutes > 0)
    click.echo(f"{len(posted)} accounts, {expired} minutes expired")
