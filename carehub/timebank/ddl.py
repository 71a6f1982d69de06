"""Database triggers that make the ledger append-only whoever connects (the ORM refuses too).

Used by migrations 0013 (the ledger) and 0016 (the guarantee fund), and by tests that tamper with the ledger on purpose to prove that
``ledger verify`` notices: ``unlocked(connection)`` drops the triggers for a block and puts them
back, in the same transaction (DDL is transactional on SQLite and PostgreSQL).
"""

from __future__ import annotations

from contextlib import contextmanager

LEDGER = ("timebank_transactions", "timebank_entries")  # migration 0013
FUND = ("timebank_fund_movements",)  # migration 0016
TABLES = LEDGER + FUND
MESSAGE = "the time-bank ledger is append-only: post a reversal instead"


def create_sql(dialect: str, tables=LEDGER, function: bool = True) -> list[str]:
    if dialect == "postgresql":
        sql = [
            "CREATE FUNCTION timebank_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        ] if function else []  # fmt: skip
        return sql + [
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION timebank_append_only()"
            for t in tables
        ]
    return [
        f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for t in tables
        for op in ("UPDATE", "DELETE")
    ]


def drop_sql(dialect: str, tables=LEDGER, function: bool = True) -> list[str]:
    if dialect == "postgresql":
        sql = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in tables]
        return sql + (["DROP FUNCTION IF EXISTS timebank_append_only()"] if function else [])
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in tables for op in ("update", "delete")]


@contextmanager
def unlocked(connection):
    """Let the block update or delete ledger rows (tests, and the test-database cleanup)."""
    dialect = connection.dialect.name
    for statement in drop_sql(dialect, TABLES):
        connection.exec_driver_sql(statement)
    try:
        yield connection
    finally:
        for statement in create_sql(dialect, TABLES):
            connection.exec_driver_sql(statement)
