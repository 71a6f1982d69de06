"""Writing the audit log; every service that changes a record calls ``record``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import insert, select

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


def _values(actor, action: str, entity: str, entity_id, station_id=None, changes=None) -> dict:
    """The columns of one event, the same whether it is added alone or in a batch."""
    return {
        "user_id": getattr(actor, "id", None),
        "username": getattr(actor, "username", "system"),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "station_id": station_id,
        "changes": _plain(changes or {}),
    }


def record(actor, action: str, entity: str, entity_id, station_id=None, changes=None) -> None:
    """Add an audit event to the current transaction (it commits with the change it describes)."""
    db.session.add(AuditEvent(**_values(actor, action, entity, entity_id, station_id, changes)))


CHUNK = 500  # rows per INSERT statement: large enough to be few, small enough for any driver


def record_many(actor, events: Iterable[tuple]) -> None:
    """Many events at once, each exactly as ``record`` writes it, in bulk INSERTs of ``CHUNK``.

    ``events`` are ``(action, entity, entity_id, station_id, changes)`` tuples. The rows are
    written now (a batch of thousands as ORM objects costs more than the change it describes),
    in the current transaction, after whatever the session still had to flush.
    """
    rows = [_values(actor, *event) for event in events]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(AuditEvent), rows[start : start + CHUNK])


def history(entity: str, entity_id: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return list(db.session.scalars(query))
