"""The ledger itself: credits from verified visits, zero sums, append-only rows, the chain."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from carehub.extensions import db
from carehub.timebank.ddl import unlocked
from carehub.timebank.models import Entry, Transaction
from carehub.timebank.verify import verify
from tests.timebank.helpers import (
    account_of,
    add_resident,
    add_volunteer,
    seat,
    verify_visit,
    visit_for,
)


@pytest.fixture
def served(ctx, world):
    """A verified one-hour volunteer visit with two volunteers on it."""
    coord = world.user("coord_a")
    resident_id = add_resident(coord, world.station_a)
    first, _ = add_volunteer(world.station_a)
    second, _ = add_volunteer(world.station_b)
    visit = visit_for(coord, resident_id, minutes=60)
    seat(visit, first, 1)
    seat(visit, second, 2)
    verify_visit(coord, visit)
    return first, second


def test_a_verified_visit_credits_every_volunteer_on_it(served):
    first, second = served
    assert account_of(first).balance_minutes == 60
    assert account_of(second).balance_minutes == 60  # portable: another station's volunteer
    assert verify().ok


def test_no_credit_before_verification(ctx, world):
    coord = world.user("coord_a")
    volunteer, _ = add_volunteer(world.station_a)
    visit = visit_for(coord, add_resident(coord, world.station_a))
    seat(visit, volunteer)
    verify_visit(coord, visit, ("scheduled", "in_progress", "completed"))
    assert account_of(volunteer).balance_minutes == 0


def test_every_transaction_sums_to_zero_and_is_chained(served):
    sums = db.session.execute(
        select(Entry.transaction_id, func.sum(Entry.minutes)).group_by(Entry.transaction_id)
    ).all()
    assert sums and all(total == 0 for _, total in sums)
    txs = db.session.scalars(select(Transaction).order_by(Transaction.seq)).all()
    assert [t.seq for t in txs] == list(range(1, len(txs) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(txs, txs[1:], strict=False))


@pytest.mark.parametrize("statement", [
    "UPDATE timebank_entries SET minutes = minutes + 1",
    "DELETE FROM timebank_entries",
    "UPDATE timebank_transactions SET memo = 'x'",
    "DELETE FROM timebank_transactions",
])  # fmt: skip
def test_the_database_refuses_to_rewrite_the_ledger(served, statement):
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))


def _tamper(*statements):
    """Rewrite ledger rows with the triggers lifted (the session lets go of its locks first)."""
    db.session.commit()
    with db.engine.begin() as conn, unlocked(conn):
        for statement in statements:
            conn.execute(text(statement))
    db.session.expire_all()


def test_verify_names_a_tampered_amount(served):
    first_tx = db.session.scalar(select(Transaction).order_by(Transaction.seq))
    _tamper(
        f"UPDATE timebank_entries SET minutes = minutes * 2 WHERE transaction_id = {first_tx.id}"
    )
    report = verify()
    assert not report.ok and report.transaction_id == first_tx.id


def test_verify_names_a_deleted_entry(served):
    last = db.session.scalar(select(Transaction).order_by(Transaction.seq.desc()))
    entry = db.session.scalar(
        select(Entry).where(Entry.transaction_id == last.id, Entry.minutes > 0)
    )
    _tamper(f"DELETE FROM timebank_entries WHERE id = {entry.id}")
    report = verify()
    assert not report.ok and report.seq == last.seq


def test_verify_names_a_broken_chain(served):
    last = db.session.scalar(select(Transaction).order_by(Transaction.seq.desc()))
    _tamper(f"UPDATE timebank_transactions SET prev_hash = '{'f' * 64}' WHERE id = {last.id}")
    report = verify()
    assert not report.ok and report.seq == last.seq and "previous hash" in report.problem


def test_verify_catches_a_cached_balance_that_drifted(served):
    account = account_of(served[0])
    _tamper(f"UPDATE timebank_accounts SET balance_minutes = 999 WHERE id = {account.id}")
    report = verify()
    assert not report.ok and f"account {account.id}" in report.problem


def test_the_cli_exits_non_zero_naming_the_transaction(served, runner):
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    first_tx = db.session.scalar(select(Transaction).order_by(Transaction.seq))
    _tamper(f"UPDATE timebank_entries SET minutes = 1 WHERE transaction_id = {first_tx.id}")
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code != 0
    assert f"transaction {first_tx.id}" in result.output
