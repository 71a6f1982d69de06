"""The coded errors of settlement."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.auth.scoping import not_found
from carehub.careplans.errors import conflict
from carehub.common.errors import Forbidden, NotFound


def missing(what: str, record_id: int) -> NotFound:
    if what == "provider":
        return not_found("provider", record_id)
    if what == "line":
        return NotFound(_l("No claim line with id %(id)s.", id=record_id), code="not_found")
    return NotFound(_l("No claim with id %(id)s.", id=record_id), code="not_found")


def closed(month) -> object:
    return conflict("month", "month_closed",
                    _l("The claim for %(month)s is submitted: the month is closed.",
                       month=f"{month:%Y-%m}"))  # fmt: skip


def wrong_state(state: str):
    return conflict("state", "claim_state",
                    _l("Not possible while the claim is %(state)s.", state=state))  # fmt: skip


def decided():
    return conflict("line", "line_decided",
                    _l("This line is decided; a correction is a reversal line."))  # fmt: skip


def undecided():
    return conflict("lines", "lines_pending", _l("Every line must be approved or rejected first."))


def auditor_only() -> Forbidden:
    return Forbidden(_l("Only the bureau auditor approves or rejects claim lines."),
                     code="forbidden")  # fmt: skip


def not_allowed() -> Forbidden:
    return Forbidden(_l("Your role cannot change claims."), code="forbidden")
