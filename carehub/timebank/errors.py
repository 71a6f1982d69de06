"""The coded refusals of the time bank: a stable code, the field, a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.common.errors import Conflict, Forbidden, Invalid, NotFound


def invalid(field: str, code: str, message) -> Invalid:
    return Invalid(message, {field: [message]}, code=code)


def conflict(field: str, code: str, message) -> Conflict:
    return Conflict(message, {field: [message]}, code=code)


def read_only() -> Forbidden:
    return Forbidden(_l("Your role cannot change the time bank."), code="forbidden")


def no_reader() -> Forbidden:
    return Forbidden(_l("Your role cannot read the time bank."), code="forbidden")


def too_young(field: str, age: int, minimum: int) -> Invalid:
    message = _l("Hours are redeemed from age %(minimum)s; the holder is %(age)s.",
                 minimum=minimum, age=age)  # fmt: skip
    return invalid(field, "too_young", message)


def not_holder(field: str) -> Invalid:
    return invalid(field, "not_holder", _l("This account's hours cannot pay for that resident."))


def not_kin(field: str) -> Invalid:
    message = _l("Hours go only to a spouse or direct relative the station has recorded.")
    return invalid(field, "not_kin", message)


def over_storage(field: str, room: int) -> Conflict:
    message = _l("The account would exceed its storage cap: room for %(room)s minutes.", room=room)
    return conflict(field, "storage_cap", message)


def no_volunteer() -> Forbidden:
    return Forbidden(_l("This account is not linked to a volunteer."), code="no_volunteer")


def not_pending(field: str) -> Conflict:
    return conflict(field, "not_pending", _l("This activity was already decided."))


def wrong_pin(field: str) -> Invalid:
    return invalid(field, "wrong_pin", _l("Not the last four digits of the resident's ID number."))


def not_reversible(field: str) -> Conflict:
    message = _l("Only credits, gifts and donations are reversed, and each only once.")
    return conflict(field, "not_reversible", message)


def no_donation(field: str) -> Invalid:
    return invalid(field, "no_donation", _l("Donations to the pool are not allowed now."))


def missing(what: str, record_id) -> NotFound:
    """Like ``scoping.not_found`` for the time bank's own records."""
    names = {"transaction": _l("transaction"), "activity": _l("activity")}
    message = _l("No %(what)s with id %(id)s.", what=names[what], id=record_id)
    return NotFound(message, code="not_found")


def future():
    return _l("Not in the future.")


def nothing_to_pay(field: str) -> Invalid:
    return invalid(field, "nothing_to_pay",
                   _l("The resident owes nothing for this visit: there is no share to pay in hours."))  # fmt: skip
