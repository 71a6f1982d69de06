"""Create or drop a throw-away PostgreSQL database for one test run.

Usage: pgdb.py ping ADMIN_URL | create ADMIN_URL | drop ADMIN_URL DB_URL
"""

from __future__ import annotations

import os
import sys
import time

import psycopg
from psycopg import sql


def _connect(admin_url: str):
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=5)


def main(argv: list[str]) -> int:
    command, admin_url = argv[0], argv[1]
    if command == "ping":
        try:
            _connect(admin_url).close()
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
            return 1
        return 0
    with _connect(admin_url) as conn:
        if command == "create":
            name = f"carehub_test_{os.getpid()}_{int(time.time())}"
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            print(f"{base}/{name}")
        elif command == "drop":
            name = argv[2].rsplit("/", 1)[1]
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
