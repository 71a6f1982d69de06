"""A notice to one caregiver, volunteer or user account (a coordinator, the bureau's auditor): a
code and parameters, rendered in the reader's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

ONE_RECIPIENT = (
    "(CASE WHEN caregiver_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN volunteer_id IS NULL THEN 0"
    " ELSE 1 END) + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (CheckConstraint(ONE_RECIPIENT, name="one_recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # e.g. "route_changed"; see services.MESSAGES
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by an SMS adapter, if any
