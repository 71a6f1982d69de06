"""Why a visit changed, as a code and its parameters, rendered in the reader's language.

Generation stores the code and parameters (``reason_code``/``reason_params`` on the event,
``cancel_code``/``cancel_params`` on a cancelled visit) beside the English text it always wrote, so
a Chinese page shows Chinese and a reader of the API or the database still reads the old text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "generated": _l("generated from the care plan"),
    "plan_version": _l("plan version %(number)s from %(day)s"),
    "plan_changed": _l("plan changed"),
    "resident_status": _l("resident status %(status)s"),
    "resident_status_from": _l("resident status %(status)s from %(day)s"),
    "resident_active": _l("resident active again"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def english(self) -> str:
        """The text stored beside the code (cut to the column's 200 characters)."""
        with force_locale("en"):
            return render(self.code, self.params, "", labelled=False)[:200]

    def columns(self, prefix: str) -> dict:
        return {f"{prefix}_code": self.code, f"{prefix}_params": self.params or None}


def plan_version(number: int, day: date) -> Reason:
    return Reason("plan_version", {"number": number, "day": day.isoformat()})


def resident_status(status: str, day: date | None = None) -> Reason:
    if day is None:
        return Reason("resident_status", {"status": status})
    return Reason("resident_status_from", {"status": status, "day": day.isoformat()})


def render(code: str | None, params: dict | None, fallback: str | None, labelled=True) -> str:
    """The reason in the current language; the stored text when the code is unknown (older rows)."""
    from carehub.ui import label

    if not has_request_context():  # a job or the CLI: English, as the stored text
        with force_locale("en"):
            return _render(code, params, fallback, labelled, label)
    return _render(code, params, fallback, labelled, label)


def _render(code, params, fallback, labelled: bool, label) -> str:
    message = MESSAGES.get(code or "")
    if message is None:
        return fallback or ""
    values = dict(params or {})
    if "status" in values and labelled:
        values["status"] = label("status", values["status"])
    return str(message) % values if values else str(message)
