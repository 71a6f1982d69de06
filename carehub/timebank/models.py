"""The time-bank ledger: accounts, hash-chained transactions and their entries (integer minutes).

Transactions and entries are append-only, in the database too (triggers, see ``ddl``); an
account's ``balance_minutes`` is a cache of its entries that ``ledger verify`` re-checks and that
serves as the row locked while a posting spends it. Holds are transfers to the ``holds`` account,
settled by one ``post`` or ``release`` transaction that points at them (``settles_id``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

ACCOUNT_KINDS = ("volunteer", "resident", "pool", "issuer", "holds")
SYSTEM_KINDS = ("pool", "issuer", "holds")
TX_KINDS = (
    "credit", "redeem", "hold", "release", "post", "gift", "donate", "reversal", "expiry",
)  # fmt: skip
ACTIVITY_STATES = ("pending", "verified", "rejected")
CONFIRMED_BY = ("coordinator", "resident")
# Direct relatives (直系亲属) and the spouse: whom a volunteer may give hours to.
RELATIONS = ("spouse", "parent", "parent_in_law", "grandparent", "child", "grandchild")
GENESIS = "0" * 64


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Account(db.Model):
    """One holder's minutes: a volunteer, a resident given hours, a station's pool, the district
    (issuer: its balance is minus the minutes in circulation) or the open holds."""

    __tablename__ = "timebank_accounts"
    __table_args__ = (
        CheckConstraint(_in("kind", ACCOUNT_KINDS), name="kind"),
        CheckConstraint("kind = 'issuer' OR balance_minutes >= 0", name="non_negative"),
        CheckConstraint("(kind = 'volunteer') = (volunteer_id IS NOT NULL)", name="volunteer"),
        CheckConstraint("(kind = 'resident') = (resident_id IS NOT NULL)", name="resident"),
        CheckConstraint(
            f"({_in('kind', SYSTEM_KINDS)}) = (system_key IS NOT NULL)", name="system_key"
        ),
        CheckConstraint("kind <> 'pool' OR station_id IS NOT NULL", name="pool_station"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), unique=True)
    # "issuer", "holds", "pool:<station id>": one row each
    system_key: Mapped[str | None] = mapped_column(String(24), unique=True)
    # the home station (for scoping); the account itself is district-wide (通存通兑)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    balance_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChainHead(db.Model):
    """The last transaction of the chain; locked FOR UPDATE by every posting, so none forks it."""

    __tablename__ = "timebank_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class Transaction(db.Model):
    """A posting: entries summing to zero, chained to the previous transaction by its hash."""

    __tablename__ = "timebank_transactions"
    __table_args__ = (
        CheckConstraint(_in("kind", TX_KINDS), name="kind"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reverses"),
        CheckConstraint("(kind IN ('post', 'release')) = (settles_id IS NOT NULL)", name="settles"),
        CheckConstraint("capped_minutes >= 0", name="capped_minutes"),
        CheckConstraint("seq >= 1", name="seq"),
        UniqueConstraint("created_by_id", "idempotency_key", name="uq_timebank_tx_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("timebank_activities.id"), unique=True
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("timebank_transactions.id"), unique=True
    )
    settles_id: Mapped[int | None] = mapped_column(
        ForeignKey("timebank_transactions.id"), unique=True
    )
    service_date: Mapped[date | None] = mapped_column(Date)  # the day served (credits)
    capped_minutes: Mapped[int] = mapped_column(Integer, default=0)  # refused by the monthly cap
    memo: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    entries: Mapped[list[Entry]] = relationship(order_by="Entry.id", viewonly=True)


class Entry(db.Model):
    """Minutes into (+) or out of (−) one account within one transaction."""

    __tablename__ = "timebank_entries"
    __table_args__ = (CheckConstraint("minutes <> 0", name="minutes"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("timebank_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("timebank_accounts.id"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)

    account: Mapped[Account] = relationship(viewonly=True)


class Activity(db.Model):
    """Community service logged by hand; credited once a coordinator or the resident confirms."""

    __tablename__ = "timebank_activities"
    __table_args__ = (
        CheckConstraint(_in("state", ACTIVITY_STATES), name="state"),
        CheckConstraint("minutes BETWEEN 5 AND 720", name="minutes"),
        CheckConstraint(
            "confirmed_by IS NULL OR " + _in("confirmed_by", CONFIRMED_BY), name="confirmed_by"
        ),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    activity_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("service_types.code"))
    description: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(12))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Kin(db.Model):
    """A family tie a coordinator checked (户口本, marriage certificate): whom hours may go to."""

    __tablename__ = "timebank_kin"
    __table_args__ = (
        CheckConstraint(_in("relation", RELATIONS), name="relation"),
        UniqueConstraint("volunteer_id", "resident_id", name="uq_timebank_kin_pair"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    relation: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundMovement(db.Model):
    """Money paid into (+) or out of (−) a district's guarantee fund from a day on; append-only
    (a mistake is corrected by a movement the other way, with its reason)."""

    __tablename__ = "timebank_fund_movements"
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="amount_fen"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(FundMovement, "before_update")
@event.listens_for(FundMovement, "before_delete")
@event.listens_for(Transaction, "before_update")
@event.listens_for(Transaction, "before_delete")
@event.listens_for(Entry, "before_update")
@event.listens_for(Entry, "before_delete")
def _append_only(_mapper, _connection, target) -> None:
    raise ValueError(f"{type(target).__name__} {target.id} is append-only: post a reversal")
