"""A resident's monthly statement: what was done, what the government paid, what they owe."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from carehub.extensions import db
from carehub.policy.models import VisitFunding
from carehub.registry.services.residents import get_resident
from carehub.settlement.services import month_end
from carehub.visits.models import Visit

SHOWN = ("completed", "verified", "missed", "cancelled")


def statement(actor, resident_id: int, month: date) -> dict:
    """Visits of the month (not merely planned ones) with their net frozen amounts."""
    resident = get_resident(actor, resident_id)
    visits = list(db.session.scalars(
        select(Visit).where(Visit.resident_id == resident.id, Visit.state.in_(SHOWN),
                            Visit.visit_date.between(month, month_end(month)))
        .order_by(Visit.visit_date, Visit.window1_start)
    ))  # fmt: skip
    amounts = _net({v.id for v in visits})
    rows = [{"visit": v, **amounts.get(v.id, _zero())} for v in visits]
    total = _zero()
    for row in rows:
        for key in total:
            total[key] += row[key]
    return {"resident": resident, "month": month, "rows": rows, "total": total}


def _zero() -> dict:
    return {"price_fen": 0, "government_fen": 0, "owed_fen": 0, "time_credit_minutes": 0}


def _net(visit_ids: set[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    if not visit_ids:
        return found
    query = select(VisitFunding).where(VisitFunding.visit_id.in_(visit_ids))
    for row in db.session.scalars(query):
        net = found.setdefault(row.visit_id, _zero())
        net["price_fen"] += row.price_fen
        net["government_fen"] += row.government_fen
        net["owed_fen"] += row.copay_fen + row.paid_fen
        net["time_credit_minutes"] += row.time_credit_minutes
    return found
