"""The audit log: who changed or saw what, when. Append-only; the bureau reads it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40), default="system")
    action: Mapped[str] = mapped_column(String(30))  # create / update / status / assess / import
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column()
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
