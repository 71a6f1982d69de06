"""Transactions: one commit per unit of work, and nothing half-written.

A service changes and flushes inside ``atomic()``; whoever owns the unit of work commits once:
- a request (page or API): ``CareHubFlask.dispatch_request`` commits after the view succeeded
  (status below 400); an error anywhere rolls the whole request back;
- a batch (an import, the demo load, a CLI command, a job) opens ``unit_of_work()``: each service
  call runs in a SAVEPOINT, so a refused row rolls back only itself, and the owner calls
  ``commit()`` once at the end;
- nobody (a shell, a test calling a service directly): the block commits itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from carehub.common.errors import Conflict, Stale
from carehub.extensions import db

_OPEN = "carehub.units_of_work"
ALREADY_USED = _l("Already in use.")
SAVED_MEANWHILE = _l(
    "Someone else saved a conflicting change at the same moment; please try again."
)


@contextmanager
def atomic(
    conflict_field: str | None = None,
    conflict_message=ALREADY_USED,
    conflict_code: str | None = None,
) -> Iterator[None]:
    """Run the block for the unit of work that owns it; undo it whole on any error.

    In a batch the block runs in a SAVEPOINT and an error rolls back only the block; in a request
    it is flushed and an error rolls back the request; with no owner it commits. A uniqueness
    race lost to another process (at flush or at commit) becomes a 409 naming the field, the same
    answer the service gives when it sees the duplicate (``conflict_code`` and a lazily translated
    message when the service's answer has them). A versioned row that someone else changed
    meanwhile (its UPDATE matched no row) is a 409 ``stale`` naming no field.
    """
    if in_unit_of_work():
        with _savepoint(conflict_field, conflict_message, conflict_code):
            yield
        return
    try:
        yield
        if has_request_context():
            db.session.flush()
        else:
            db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale() from None
    except IntegrityError:
        db.session.rollback()
        raise _conflict(conflict_field, conflict_message, conflict_code) from None
    except BaseException:
        db.session.rollback()
        raise


def commit() -> None:
    """The owner's one commit; a race lost only now is a 409, and nothing is kept."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale() from None
    except IntegrityError:
        db.session.rollback()
        raise _conflict(None, SAVED_MEANWHILE, "conflict") from None


@contextmanager
def _savepoint(conflict_field, conflict_message, conflict_code) -> Iterator[None]:
    try:
        with db.session.begin_nested():
            yield
    except StaleDataError:
        raise Stale() from None
    except IntegrityError:
        raise _conflict(conflict_field, conflict_message, conflict_code) from None


def _conflict(conflict_field, conflict_message, conflict_code) -> Conflict:
    errors = {conflict_field: [conflict_message]} if conflict_field else None
    if conflict_code:
        return Conflict(conflict_message, errors, code=conflict_code)
    whole = _l("%(field)s: %(message)s", field=conflict_field or "record", message=conflict_message)
    return Conflict(whole, errors, code="duplicate")


def in_unit_of_work() -> bool:
    return bool(db.session.info.get(_OPEN))


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Let the caller own the transaction: services inside flush, only the caller commits.

    Whatever the caller has not committed when the block ends is rolled back. On SQLite the
    transaction is begun explicitly: pysqlite opens none before a SAVEPOINT, so a released
    savepoint would otherwise commit (SQLAlchemy's pysqlite notes, "serializable isolation").
    """
    session = db.session()
    session.info[_OPEN] = session.info.get(_OPEN, 0) + 1
    try:
        if session.info[_OPEN] == 1:
            _begin(session)
        yield session
    finally:
        session.info[_OPEN] -= 1
        if not session.info[_OPEN]:
            session.rollback()


def _begin(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")
