"""A notice to one caregiver or volunteer: a code and parameters, rendered in the reader's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("(caregiver_id IS NULL) <> (volunteer_id IS NULL)", name="one_recipient"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # e.g. "route_changed"; see services.MESSAGES
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by an SMS adapter, if any
