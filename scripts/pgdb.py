"""Create or drop a throw-away PostgreSQL database for one test run.

Usage: pgdb.py ping ADMIN_URL | create ADMIN_URL | drop ADMIN_URL DB_URL
"""

from __future__ import annotations

import os
import sys
import time

import psycopg
from psycopg import sql


def _plain(url: str) -> str:
    """A libpq URL (SQLAlchemy's ``postgresql+psycopg://`` without its driver)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _connect(admin_url: str):
    return psycopg.connect(_plain(admin_url), autocommit=True, connect_timeout=5)


def create(admin_url: str, name: str) -> str:
    """Create database ``name`` on ``admin_url``'s server; its SQLAlchemy URL."""
    with _connect(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = _plain(admin_url).rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def drop(admin_url: str, db_url: str) -> None:
    name = db_url.rsplit("/", 1)[1]
    with _connect(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def main(argv: list[str]) -> int:
    command, admin_url = argv[0], argv[1]
    if command == "ping":
        try:
            _connect(admin_url).close()
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
            return 1
        return 0
    if command == "create":
        print(create(admin_url, f"carehub_test_{os.getpid()}_{int(time.time())}"))
    elif command == "drop":
        drop(admin_url, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
