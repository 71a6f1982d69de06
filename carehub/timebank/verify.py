"""``carehub ledger verify``: re-check the whole ledger from its entries, streamed in batches.

Checks, in chain order: gapless sequence numbers, each transaction's previous hash and own hash
(recomputed over its content and entries), at least two entries summing to zero; then every
cached balance against the entries, the chain head, and the holds (each settled at most once, by
the minutes it held; none still open on a visit that is verified, cancelled or missed; the holds
account equal to the open holds).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from carehub.extensions import db
from carehub.timebank.ledger import GENESIS, content, digest
from carehub.timebank.models import Account, ChainHead, Entry, Transaction
from carehub.visits.models import Visit

BATCH = 5000
CLOSED = ("verified", "cancelled", "missed")


@dataclass
class Report:
    transactions: int = 0
    entries: int = 0
    problem: str | None = None
    seq: int | None = None
    transaction_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class Broken(Exception):
    def __init__(self, problem: str, tx=None):
        super().__init__(problem)
        self.problem, self.tx = problem, tx


def verify(batch: int = BATCH) -> Report:
    report = Report()
    balances: dict[int, int] = defaultdict(int)
    holds: dict[int, tuple[int, int | None]] = {}  # hold id -> (minutes, visit id), while open
    try:
        _chain(report, balances, holds, batch)
        _balances(balances)
        _holds(holds)
    except Broken as broken:
        report.problem = broken.problem
        if broken.tx is not None:
            report.seq, report.transaction_id = broken.tx.seq, broken.tx.id
    return report


def _chain(report: Report, balances, holds, batch: int) -> None:
    last_seq, last_hash = 0, GENESIS
    columns = [c for c in Transaction.__table__.c]
    while True:
        txs = db.session.execute(
            select(*columns)
            .where(Transaction.seq > last_seq)
            .order_by(Transaction.seq)
            .limit(batch)
        ).all()
        if not txs:
            break
        entries = defaultdict(list)
        rows = db.session.execute(
            select(Entry.transaction_id, Entry.account_id, Entry.minutes)
            .join(Transaction, Transaction.id == Entry.transaction_id)
            .where(Transaction.seq > last_seq, Transaction.seq <= txs[-1].seq)
        )
        for tx_id, account_id, minutes in rows:
            entries[tx_id].append((account_id, minutes))
        for tx in txs:
            legs = entries.get(tx.id, [])
            _one(tx, legs, last_seq, last_hash, balances, holds)
            report.transactions += 1
            report.entries += len(legs)
            last_seq, last_hash = tx.seq, tx.hash
    head = db.session.get(ChainHead, 1)
    if ((head.seq, head.hash) if head else (0, GENESIS)) != (last_seq, last_hash):
        raise Broken(f"the chain head does not point at the last transaction (seq {last_seq})")


def _one(tx, legs, last_seq, last_hash, balances, holds) -> None:
    if tx.seq != last_seq + 1:
        raise Broken(f"sequence gap before seq {tx.seq}", tx)
    if tx.prev_hash != last_hash:
        raise Broken("previous hash does not match the chain", tx)
    if digest(content(tx), legs) != tx.hash:
        raise Broken("hash does not match the transaction's content", tx)
    if len(legs) < 2 or sum(m for _, m in legs) != 0:
        raise Broken("entries do not sum to zero", tx)
    for account_id, minutes in legs:
        balances[account_id] += minutes
    if tx.kind == "hold":
        holds[tx.id] = (sum(m for _, m in legs if m > 0), tx.visit_id)
    elif tx.settles_id is not None:
        held = holds.pop(tx.settles_id, None)
        if held is None or held[0] != sum(m for _, m in legs if m > 0):
            raise Broken("settles a hold that is not open, or by other minutes", tx)


def _balances(balances) -> None:
    for account in db.session.execute(select(Account.id, Account.balance_minutes, Account.kind)):
        if balances.get(account.id, 0) != account.balance_minutes:
            raise Broken(f"account {account.id}: cached balance {account.balance_minutes} "
                         f"but entries sum to {balances.get(account.id, 0)}")  # fmt: skip
        if account.kind != "issuer" and account.balance_minutes < 0:
            raise Broken(f"account {account.id} is below zero")


def _holds(holds) -> None:
    holds_account = db.session.scalar(select(Account).where(Account.system_key == "holds"))
    open_minutes = sum(m for m, _ in holds.values())
    if (holds_account.balance_minutes if holds_account else 0) != open_minutes:
        raise Broken(f"the holds account does not equal the open holds ({open_minutes} minutes)")
    visit_ids = [v for _, v in holds.values() if v is not None]
    for start in range(0, len(visit_ids), BATCH):
        chunk = visit_ids[start : start + BATCH]
        closed = db.session.scalars(
            select(Visit.id).where(Visit.id.in_(chunk), Visit.state.in_(CLOSED))
        ).first()
        if closed is not None:
            hold_id = next(h for h, (_, v) in holds.items() if v == closed)
            tx = db.session.get(Transaction, hold_id)
            raise Broken(f"orphan hold: visit {closed} is closed but its hold is open", tx)
