"""The ``carehub`` command: the Flask CLI of the app plus CareHub's own commands."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from carehub.common.errors import CareHubError


def _create_app(*_args):
    from carehub import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """CareHub: the community home-care platform."""


def register_commands(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)
    app.cli.add_command(serve)
    from carehub.visits.cli import visits

    app.cli.add_command(visits)
    from carehub.jobs.cli import worker
    from carehub.scheduling.cli import schedule
    from carehub.timebank.cli import ledger

    app.cli.add_command(ledger)
    app.cli.add_command(schedule)
    app.cli.add_command(worker)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even if the database already holds a district.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Load the demo district (deterministic; skipped when a district exists)."""
    from carehub.registry.demo import load_demo

    try:
        summary = load_demo(force=force)
    except CareHubError as exc:
        raise click.ClickException(f"nothing loaded: {exc.message}") from None
    click.echo(summary)


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin, auditor, coordinator, provider_manager, ...")
@click.option("--station", "stations", multiple=True, help="Station code (repeat for several).")
@click.option("--name", "display_name", default="", help="Name shown on pages.")
@with_appcontext
def create_user_command(username: str, role: str, stations: tuple[str, ...], display_name: str):
    """Create an account; the password is read from standard input."""
    from carehub.auth.services import create_user

    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        user = create_user(username, password, role, list(stations), display_name)
    except CareHubError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.username} ({user.role})")


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=4, show_default=True, help="Stateless web processes.")
def serve(bind: str, workers: int) -> None:
    """Run the production web server (gunicorn, several stateless processes)."""
    db_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if db_url.startswith("sqlite") and workers > 1:
        click.echo("warning: SQLite with several processes; use PostgreSQL in production", err=True)
    args = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
            "--timeout", "120", "--access-logfile", "-", "carehub.wsgi:app"]  # fmt: skip
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
