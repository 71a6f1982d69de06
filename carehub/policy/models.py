"""Policy versions, the frozen funding split of each visit, and each resident's month of allowance.

A version's key figures are columns (so the database checks them); its tier, priority and
time-bank rules are validated JSON (``carehub.policy.rules``). ``VisitFunding`` rows are the
ledger: never changed or removed (a correction is a reversal row with negated amounts).
``AllowanceMonth`` is the running total a split locks, so two verifications never overspend.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.registry.models import District

VERSION_STATES = ("draft", "published")
FUNDING_KINDS = ("split", "reversal")
PARTS = ("price_fen", "government_fen", "copay_fen", "paid_fen", "time_credit_minutes")


class PolicyVersion(db.Model):
    """One district's subsidy rules for a date range; a published version is never edited."""

    __tablename__ = "policy_versions"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'published')", name="state"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
        CheckConstraint("allowance_fen BETWEEN 0 AND 100000000", name="allowance_fen"),
        CheckConstraint("low_cost_share_pct BETWEEN 0 AND 100", name="low_cost_share_pct"),
        CheckConstraint("low_cost_cap_fen BETWEEN 0 AND 100000000", name="low_cost_cap_fen"),
        CheckConstraint("elder_age BETWEEN 60 AND 120", name="elder_age"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    allowance_fen: Mapped[int] = mapped_column(Integer)
    low_cost_share_pct: Mapped[int] = mapped_column(Integer)
    low_cost_cap_fen: Mapped[int] = mapped_column(Integer)
    elder_age: Mapped[int] = mapped_column(Integer, default=80)
    rules: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    district: Mapped[District] = relationship()

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class VisitFunding(db.Model):
    """Who pays for one verified visit, frozen under the version and clause that decided it."""

    __tablename__ = "visit_funding"
    __table_args__ = (
        CheckConstraint("kind IN ('split', 'reversal')", name="kind"),
        CheckConstraint("price_fen = government_fen + copay_fen + paid_fen", name="parts_add_up"),
        CheckConstraint(
            "(kind = 'split' AND reverses_id IS NULL AND price_fen >= 0 AND government_fen >= 0"
            " AND copay_fen >= 0 AND paid_fen >= 0 AND time_credit_minutes >= 0"
            " AND allowance_fen >= 0 AND low_cost_fen >= 0)"
            " OR (kind = 'reversal' AND reverses_id IS NOT NULL AND price_fen <= 0"
            " AND government_fen <= 0 AND copay_fen <= 0 AND paid_fen <= 0"
            " AND time_credit_minutes <= 0 AND allowance_fen <= 0 AND low_cost_fen <= 0)",
            name="signs",
        ),
        CheckConstraint(
            "allowance_fen + low_cost_fen <= government_fen OR kind = 'reversal'",
            name="allowance_within_government",
        ),  # fmt: skip
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="split")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("visit_funding.id"), unique=True)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    clause: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    unit_minutes: Mapped[int] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(Integer)
    government_fen: Mapped[int] = mapped_column(Integer)
    copay_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer)
    time_credit_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # of government_fen: what came out of the monthly allowance, and out of the low-cost cap
    allowance_fen: Mapped[int] = mapped_column(Integer, default=0)
    low_cost_fen: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40), default="system")
    policy_version: Mapped[PolicyVersion | None] = relationship()


class AllowanceMonth(db.Model):
    """What a resident's month of allowance and low-cost cap holds, and how much is spent.

    Locked (``SELECT … FOR UPDATE`` on PostgreSQL) by every split that spends from it.
    """

    __tablename__ = "allowance_months"
    __table_args__ = (
        CheckConstraint("spent_fen BETWEEN 0 AND allowance_fen", name="spent_within_allowance"),
        CheckConstraint(
            "low_cost_spent_fen BETWEEN 0 AND low_cost_cap_fen", name="spent_within_cap"
        ),  # fmt: skip
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first of the month
    allowance_fen: Mapped[int] = mapped_column(Integer)
    spent_fen: Mapped[int] = mapped_column(Integer, default=0)
    low_cost_cap_fen: Mapped[int] = mapped_column(Integer)
    low_cost_spent_fen: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(VisitFunding, "before_update")
@event.listens_for(VisitFunding, "before_delete")
def _append_only(_mapper, _connection, target) -> None:
    raise ValueError(f"visit funding {target.id} is append-only")
