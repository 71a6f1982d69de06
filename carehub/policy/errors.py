"""The coded errors of policy versions and funding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.careplans.errors import conflict, invalid
from carehub.common.errors import NotFound

__all__ = ["conflict", "invalid"]


def published(field: str = "state"):
    return conflict(field, "version_published",
                    _l("A published version is never edited: write a new version."))  # fmt: skip


def overlap(other_id: int):
    return conflict("valid_from", "policy_overlap",
                    _l("The dates overlap published version %(id)s.", id=other_id))  # fmt: skip


def gap(start, end):
    return conflict("valid_from", "policy_gap",
                    _l("Visits between %(start)s and %(end)s would have no policy.",
                       start=start, end=end))  # fmt: skip


def not_started():
    return invalid("valid_from", "successor_in_past",
                   _l("A version that follows one in force must start after today."))  # fmt: skip


def no_split(visit_id: int):
    return conflict("visit_id", "no_split",
                    _l("Visit %(id)s has no frozen split to reverse.", id=visit_id))  # fmt: skip


NO_DISTRICT = _l("No such district.")


def missing(version_id: int) -> NotFound:
    return NotFound(_l("No policy version with id %(id)s.", id=version_id), code="not_found")


END_BEFORE_START = _l("The end date must not be before the start date.")
