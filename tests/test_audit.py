"""The audit log's writers: a batch of events is written exactly as one event at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from carehub.audit.models import AuditEvent
from carehub.audit.services import CHUNK, record, record_many
from carehub.extensions import db

COLUMNS = ("user_id", "username", "action", "entity", "entity_id", "station_id", "changes")


def written() -> list[tuple]:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(e.at is not None for e in events)
    return [tuple(getattr(e, c) for c in COLUMNS) for e in events]


def test_record_many_writes_what_record_writes_in_order(world, ctx):
    actor = world.user("coord_a")
    changes = {"on": date(2026, 1, 2), "fee": Decimal("1.50"), "family": [{"phone": "139****1"}]}
    events = [
        ("create", "resident", n, None if n % 2 else world.station_a, changes)
        for n in range(CHUNK + 3)
    ]
    for event in events:
        record(actor, *event)
    db.session.flush()
    one_by_one = written()
    db.session.rollback()
    record_many(actor, events)
    record_many(None, [("import", "resident", None, None, None)])
    db.session.flush()
    batch = written()
    assert batch[:-1] == one_by_one and len(batch) == CHUNK + 4
    assert batch[-1] == (None, "system", "import", "resident", None, None, {})
    assert one_by_one[0][-1] == {
        "on": "2026-01-02",
        "fee": "1.50",
        "family": [{"phone": "139****1"}],
    }
