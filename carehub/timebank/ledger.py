"""Posting to the ledger: lock, check, append one hash-chained transaction. Nothing else writes it.

Order of locks, the same for every posting: the chain head (so the chain never forks and sequence
numbers are gapless), then the accounts by id. On PostgreSQL these are ``SELECT … FOR UPDATE``;
SQLite serialises writers itself. The caller owns the unit of work (this module only flushes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from carehub.common.errors import Conflict, Invalid
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.timebank.models import GENESIS, Account, ChainHead, Entry, Transaction


@dataclass
class Posting:
    """What a flow wants written; ``legs`` are (account, signed minutes) summing to zero."""

    kind: str
    legs: list[tuple[Account, int]]
    visit_id: int | None = None
    activity_id: int | None = None
    reverses_id: int | None = None
    settles_id: int | None = None
    service_date: date | None = None
    capped_minutes: int = 0
    memo: str = ""
    extra: dict = field(default_factory=dict)


def digest(tx: dict, entries: list[tuple[int, int]]) -> str:
    """SHA-256 over the transaction's canonical content, its entries and the previous hash."""
    body = {**tx, "entries": sorted(entries)}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def content(tx) -> dict:
    """The hashed fields of a transaction (an ORM row or a result row with the same names)."""
    created = tx.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return {
        "seq": tx.seq, "kind": tx.kind, "prev": tx.prev_hash,
        "at": created.astimezone(UTC).isoformat(), "by": tx.created_by_id,
        "visit": tx.visit_id, "activity": tx.activity_id, "reverses": tx.reverses_id,
        "settles": tx.settles_id, "day": tx.service_date and tx.service_date.isoformat(),
        "capped": tx.capped_minutes, "memo": tx.memo, "key": tx.idempotency_key,
    }  # fmt: skip


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lock_head() -> ChainHead:
    """The chain head, locked until the unit of work ends (created on first use)."""
    head = _locked(select(ChainHead).where(ChainHead.id == 1))
    if head is None:
        create_once(ChainHead(id=1, seq=0, hash=GENESIS))
        head = _locked(select(ChainHead).where(ChainHead.id == 1))
    return head


def replayed(actor, key: str | None, payload_hash: str | None) -> Transaction | None:
    """The transaction this actor already posted with ``key`` (call after ``lock_head``)."""
    if not key:
        return None
    query = select(Transaction).where(
        Transaction.created_by_id == getattr(actor, "id", None),
        Transaction.idempotency_key == key,
    )
    found = db.session.scalars(query.order_by(Transaction.seq)).first()
    if found is not None and payload_hash and found.request_hash != payload_hash:
        message = _l("This Idempotency-Key was used for a different request.")
        raise Invalid(message, {"Idempotency-Key": [message]}, code="idempotency_key_reused")
    return found


def lock_accounts(accounts: list[Account]) -> list[Account]:
    """Lock the accounts in id order and refresh their cached balances."""
    ids = sorted({a.id for a in accounts})
    query = select(Account).where(Account.id.in_(ids)).order_by(Account.id)
    locked = {a.id: a for a in db.session.scalars(_for_update(query))}
    return [locked[a.id] for a in accounts]


def append(actor, head: ChainHead, posting: Posting, key=None, payload_hash=None) -> Transaction:
    """Write ``posting`` as the next transaction; refuse it if any balance would go below zero."""
    legs = [(account, minutes) for account, minutes in posting.legs if minutes]
    if len(legs) < 2 or sum(m for _, m in legs) != 0:
        raise ValueError(f"unbalanced posting {posting.kind}: {legs}")
    for account, minutes in legs:
        if account.kind != "issuer" and account.balance_minutes + minutes < 0:
            raise _short(account.balance_minutes)
    tx = Transaction(
        seq=head.seq + 1, kind=posting.kind, visit_id=posting.visit_id,
        activity_id=posting.activity_id, reverses_id=posting.reverses_id,
        settles_id=posting.settles_id, service_date=posting.service_date,
        capped_minutes=posting.capped_minutes, memo=posting.memo[:200],
        idempotency_key=key, request_hash=payload_hash,
        created_by_id=getattr(actor, "id", None), created_at=utcnow(), prev_hash=head.hash,
    )  # fmt: skip
    tx.hash = digest(content(tx), [(a.id, m) for a, m in legs])
    db.session.add(tx)
    db.session.flush()
    db.session.add_all(Entry(transaction_id=tx.id, account_id=a.id, minutes=m) for a, m in legs)
    for account, minutes in legs:
        account.balance_minutes += minutes
    head.seq, head.hash = tx.seq, tx.hash
    db.session.flush()
    return tx


def _short(balance: int) -> Conflict:
    message = _l("Not enough hours: %(minutes)s minutes available.", minutes=balance)
    return Conflict(message, {"minutes": [message]}, code="insufficient_minutes")


def system_account(kind: str, station_id: int | None = None) -> Account:
    """The issuer, the holds account, or a station's pool (created on first use)."""
    key = f"pool:{station_id}" if kind == "pool" else kind
    found = db.session.scalar(select(Account).where(Account.system_key == key))
    if found is None:
        create_once(Account(kind=kind, system_key=key, station_id=station_id, balance_minutes=0))
        found = db.session.scalar(select(Account).where(Account.system_key == key))
    return found


def create_once(row) -> None:
    """Insert a row another process may be inserting too; whoever loses reads the winner's."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        pass


def _locked(query):
    return db.session.scalars(_for_update(query)).first()


def _for_update(query):
    return query.with_for_update().execution_options(populate_existing=True)
