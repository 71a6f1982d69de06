"""Transactions: a service either commits whole or leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from carehub.common.errors import Conflict
from carehub.extensions import db


@contextmanager
def atomic(
    conflict_field: str | None = None, conflict_message: str = "already exists"
) -> Iterator[None]:
    """Run the block and commit; roll everything back on any error.

    A uniqueness race lost to another process (at flush or at commit) becomes a 409 naming the field,
    the same answer the service gives when it sees the duplicate itself.
    """
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        errors = {conflict_field: [conflict_message]} if conflict_field else None
        raise Conflict(f"{conflict_field or 'record'}: {conflict_message}", errors) from None
    except BaseException:
        db.session.rollback()
        raise
