"""``carehub visits generate``: the next days' visits from the care plans (idempotent)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def visits() -> None:
    """Visits: generation from the care plans."""


@visits.command("generate")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 62))
@click.option("--station", "station_code", default=None, help="Station code (default: all).")
@with_appcontext
def generate_command(days: int, station_code: str | None) -> None:
    """Generate (or bring in line) the visits of the next DAYS days; prints counts and warnings."""
    from carehub.careplans.generation import generate
    from carehub.common.tx import atomic
    from carehub.registry.services.common import station_by_code

    station_ids = None
    if station_code:
        station = station_by_code(station_code)
        if station is None:
            raise click.ClickException(f"no station {station_code}")
        station_ids = {station.id}
    with atomic():
        result = generate(None, days, station_ids)
    click.echo(
        f"{result.start}..{result.end}: created {result.created}, updated {result.updated}, "
        f"cancelled {result.cancelled}, unchanged {result.unchanged}"
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
