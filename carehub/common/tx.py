"""Transactions: a service either commits whole or leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from carehub.common.errors import Conflict, Stale
from carehub.extensions import db


@contextmanager
def atomic(
    conflict_field: str | None = None,
    conflict_message="already exists",
    conflict_code: str | None = None,
) -> Iterator[None]:
    """Run the block and commit; roll everything back on any error.

    A uniqueness race lost to another process (at flush or at commit) becomes a 409 naming the field,
    the same answer the service gives when it sees the duplicate itself (``conflict_code`` and a
    lazily translated message when the service's answer has them). A versioned row that someone
    else changed meanwhile (its UPDATE matched no row) is a 409 ``stale`` naming no field.
    """
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale() from None
    except IntegrityError:
        db.session.rollback()
        errors = {conflict_field: [conflict_message]} if conflict_field else None
        if conflict_code:
            raise Conflict(conflict_message, errors, code=conflict_code) from None
        raise Conflict(f"{conflict_field or 'record'}: {conflict_message}", errors) from None
    except BaseException:
        db.session.rollback()
        raise
