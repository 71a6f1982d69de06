"""Nightly jobs of visit execution: forget old locations, escalate overdue complaints."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from carehub.audit.services import record
from carehub.careplans.clock import local_today
from carehub.common import clock, fields, validate
from carehub.common.schema import Schema
from carehub.extensions import db
from carehub.jobs.registry import Cron, job
from carehub.visits.complaints import escalate_overdue
from carehub.visits.execution_models import CheckEvent


class RetentionParams(Schema):
    days = fields.Integer(strict=True, load_default=90, validate=validate.Range(1, 3650))


@job("forget-locations", label=_l("Forget old check-in locations"), schema=RetentionParams,
     cron=Cron(hour=2, minute=30))  # fmt: skip
def forget_locations(ctx, days: int = 90) -> dict:
    """After ``days`` only the distance of a check-in or -out is kept: the coordinates go.
    Idempotent: rows already cleared are not touched again."""
    cutoff = clock.utc_now() - timedelta(days=days)
    result = db.session.execute(
        update(CheckEvent)
        .where(CheckEvent.received_at < cutoff, CheckEvent.latitude.is_not(None))
        .values(latitude=None, longitude=None, location_cleared_at=clock.utc_now())
    )
    record(None, "forget_locations", "visit_check_events", 0, None,
           {"cleared": result.rowcount, "days": days})  # fmt: skip
    return {"cleared": result.rowcount}


@job("escalate-complaints", label=_l("Escalate overdue complaints"), cron=Cron(hour=7))
def escalate_complaints(ctx) -> dict:
    """Flag complaints past their deadline for the station head and the bureau, once each."""
    return {"escalated": len(escalate_overdue(local_today()))}
