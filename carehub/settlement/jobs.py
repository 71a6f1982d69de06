"""The monthly draft job: every provider's claim for last month, drafted (or topped up).

Timed daily at 03:00 so that a late verification still reaches a draft; idempotent for its
month (each split is claimed once) and a provider whose month is already submitted is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import validates
from sqlalchemy import select

from carehub.audit.services import record
from carehub.careplans.clock import local_today
from carehub.common import fields
from carehub.common.schema import Schema
from carehub.extensions import db
from carehub.jobs.registry import Cron, job
from carehub.policy.models import VisitFunding
from carehub.settlement.models import Claim
from carehub.settlement.schemas import MONTH, Month
from carehub.settlement.services import add_lines, month_end


class DraftParams(Schema):
    month = fields.String(metadata={"example": "2026-03", "pattern": MONTH.pattern})

    @validates("month")
    def _month(self, value: str, **_kw) -> None:
        Month().deserialize(value)  # refuses anything but YYYY-MM; kept as text (JSON)


@job("monthly-claims", label=_l("Draft last month's claims"), schema=DraftParams,
     cron=Cron(hour=3))  # fmt: skip
def monthly_claims(ctx, month: str | None = None) -> dict:
    """Draft each provider's claim for ``month`` (default: last month)."""
    first = _month(month)
    providers = db.session.scalars(
        select(VisitFunding.provider_id).where(VisitFunding.provider_id.is_not(None),
                                               VisitFunding.visit_date <= month_end(first))
        .distinct().order_by(VisitFunding.provider_id)
    ).all()  # fmt: skip
    drafted, skipped, lines = 0, 0, 0
    for done, provider_id in enumerate(providers):
        ctx.progress(done, len(providers), str(provider_id))
        claim = db.session.scalar(
            select(Claim).where(Claim.provider_id == provider_id, Claim.month == first)
        )
        if claim is not None and claim.state != "draft":
            skipped += 1
            continue
        if claim is None:
            claim = Claim(provider_id=provider_id, month=first, state="draft")
            db.session.add(claim)
            db.session.flush()
        lines += add_lines(claim)
        drafted += 1
    summary = {"month": f"{first:%Y-%m}", "drafted": drafted, "skipped": skipped, "lines": lines}
    record(None, "draft", "claims", 0, None, {**summary, "job_id": ctx.job_id})
    return summary


def _month(month: str | None):
    """The month asked ("YYYY-MM"), else last month."""
    if month:
        return Month().deserialize(month)
    return (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
