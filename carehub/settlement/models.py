"""Claims and claim lines. A line is one frozen split (or its reversal), claimed once ever.

``funding_id`` is unique across all claims, so re-running a draft never duplicates a line and a
reversal after a month closed lands in the next open month's claim. A decided line is never
changed again (the ORM refuses it); a correction is a reversal split, claimed as its own line.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy import inspect as inspect_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.registry.models import Provider

CLAIM_STATES = ("draft", "submitted", "paid")
LINE_STATES = ("pending", "approved", "rejected")


class Claim(db.Model):
    """A provider's claim for one month: draft → submitted → paid; submitted means closed."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("provider_id", "month", name="uq_claims_provider_id_month"),
        CheckConstraint("state IN ('draft', 'submitted', 'paid')", name="state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    provider: Mapped[Provider] = relationship()
    lines: Mapped[list[ClaimLine]] = relationship(order_by="ClaimLine.id", back_populates="claim")


class ClaimLine(db.Model):
    __tablename__ = "claim_lines"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="state"),
        CheckConstraint("state <> 'rejected' OR length(reason) > 0", name="rejected_reason"),
        CheckConstraint("price_fen = government_fen + copay_fen + paid_fen", name="parts_add_up"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    funding_id: Mapped[int] = mapped_column(ForeignKey("visit_funding.id"), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    kind: Mapped[str] = mapped_column(String(10))
    visit_date: Mapped[date] = mapped_column(Date)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    service_code: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    price_fen: Mapped[int] = mapped_column(Integer)
    government_fen: Mapped[int] = mapped_column(Integer)
    copay_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer)
    time_credit_minutes: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[Claim] = relationship(back_populates="lines")


@event.listens_for(ClaimLine, "before_update")
def _decided_is_final(_mapper, _connection, target) -> None:
    before = inspect_(target).attrs.state.history.deleted
    if before and before[0] != "pending":
        raise ValueError(f"claim line {target.id} was decided and is immutable")


@event.listens_for(ClaimLine, "before_delete")
def _never_deleted(_mapper, _connection, target) -> None:
    raise ValueError(f"claim line {target.id} is never deleted")
