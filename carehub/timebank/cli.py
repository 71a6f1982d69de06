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
