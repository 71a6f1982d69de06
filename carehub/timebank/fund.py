"""The guarantee fund as data: each district's contributions and withdrawals, effective-dated and
append-only; the balance on a day is what the liability's cover is computed from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from carehub.audit.services import record
from carehub.auth.scoping import not_found
from carehub.common.schema import load
from carehub.extensions import db
from carehub.registry.models import District
from carehub.timebank import errors, flows
from carehub.timebank import schemas as s
from carehub.timebank.models import FundMovement


def record_movement(actor, payload: dict) -> FundMovement:
    """Only an admin moves the fund; each movement carries its reason and an audit event."""
    if actor.role != "admin":
        raise errors.read_only()
    data = load(s.FundMovementIn(), payload)
    if db.session.get(District, data["district_id"]) is None:
        raise not_found("district", data["district_id"])
    with flows.unit():
        row = FundMovement(**data, recorded_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        record(actor, "create", "timebank_fund_movement", row.id, None,
               {"amount_fen": row.amount_fen, "reason": row.reason})  # fmt: skip
    return row


def balance_on(day: date) -> int | None:
    """The fund in fen on ``day`` (every district's movements effective by then), or None when
    none was ever recorded (the liability then falls back to the configured figure)."""
    if db.session.scalar(select(FundMovement.id).limit(1)) is None:
        return None
    query = select(func.coalesce(func.sum(FundMovement.amount_fen), 0))
    return int(db.session.scalar(query.where(FundMovement.effective_on <= day)))


def movements() -> list[FundMovement]:
    return list(db.session.scalars(select(FundMovement).order_by(FundMovement.effective_on,
                                                                 FundMovement.id)))  # fmt: skip


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.id)))
