"""The coded errors of care plans and visits: a stable ``code``, the field, a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.careplans.models import VOLUNTEER_SERVICES
from carehub.common.errors import Conflict, Invalid

__all__ = ["VOLUNTEER_SERVICES"]


def invalid(field: str, code: str, message) -> Invalid:
    return Invalid(message, {field: [message]}, code=code)


def conflict(field: str, code: str, message) -> Conflict:
    return Conflict(message, {field: [message]}, code=code)


def bad_recurrence(field: str, reason: str) -> Invalid:
    return invalid(
        field, "bad_recurrence", _l("Not a usable recurrence: %(reason)s.", reason=reason)
    )


def no_recurrence(field: str) -> Invalid:
    return invalid(field, "recurrence_required", _l("Give an RRULE or one of the common patterns."))


def not_volunteer_service(field: str) -> Invalid:
    return invalid(
        field,
        "not_volunteer_suitable",
        _l("Only companionship, errands, escort and meal delivery are suitable for volunteers."),
    )


def volunteer_funding(field: str) -> Invalid:
    return invalid(
        field, "volunteer_funding", _l("A volunteer-funded item must be suitable for volunteers.")
    )


def no_caregiver(field: str, caregiver_id: int) -> Invalid:
    return invalid(
        field, "no_caregiver", _l("No caregiver with id %(id)s at this station.", id=caregiver_id)
    )


def caregiver_both(field: str) -> Invalid:
    return invalid(
        field, "caregiver_both", _l("A caregiver cannot be both preferred and excluded.")
    )


def bad_dates(field: str) -> Invalid:
    return invalid(field, "bad_dates", _l("The end date must not be before the start date."))


def past_date(field: str) -> Invalid:
    return invalid(field, "past_date", _l("Must be today or later."))


def effective_order(field: str) -> Invalid:
    return invalid(
        field,
        "effective_from_order",
        _l("A new version must start after the current version's first day."),
    )


def unknown_line(field: str, line: int) -> Invalid:
    return invalid(
        field, "unknown_line", _l("The plan has no item %(line)s to continue.", line=line)
    )


def duplicate_line(field: str) -> Invalid:
    return invalid(field, "duplicate_line", _l("Each item may appear only once."))


def plan_exists() -> Conflict:
    return conflict(
        "resident_id",
        "plan_exists",
        _l("This resident already has a care plan; add a new version to change it."),
    )


def windows_overlap():
    return _l("The two windows must not overlap.")
