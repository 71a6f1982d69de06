"""Transaction helpers: a service either commits whole or leaves nothing behind."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from carehub.common.errors import Conflict
from carehub.extensions import db


def commit(conflict_field: str | None = None, conflict_message: str = "already exists") -> None:
    """Commit, turning a uniqueness race lost to another process into a 409 naming the field."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        errors = {conflict_field: [conflict_message]} if conflict_field else None
        raise Conflict(f"{conflict_field or 'record'}: {conflict_message}", errors) from None
    except Exception:
        db.session.rollback()
        raise
