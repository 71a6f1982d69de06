"""Writing the audit log; every service that changes a record calls ``record``."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from carehub.audit.models import AuditEvent
from carehub.extensions import db


def _plain(value):
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record(actor, action: str, entity: str, entity_id, station_id=None, changes=None) -> None:
    """Add an audit event to the current transaction (it commits with the change it describes)."""
    db.session.add(
        AuditEvent(
            user_id=getattr(actor, "id", None),
            username=getattr(actor, "username", "system"),
            action=action,
            entity=entity,
            entity_id=entity_id,
            station_id=station_id,
            changes=_plain(changes or {}),
        )
    )


def history(entity: str, entity_id: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return list(db.session.scalars(query))
