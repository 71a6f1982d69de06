"""Why a visit is unassigned, in the reader's language: a headline per ``scheduler.explain``
code (lazy_gettext), then the scheduler's own detail sentence in Chinese or English."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

HEADLINES = {
    "NO_SKILL": _l("Nobody has the skills"),
    "EXCLUDED": _l("Every suitable carer is excluded"),
    "SEX_PREFERENCE": _l("No carer of the sex asked for"),
    "CAPACITY": _l("Too little capacity"),
    "PINNED_NO_SKILL": _l("The pinned carer lacks the skills"),
    "PINNED_OFF": _l("The pinned carer is off duty"),
    "PINNED_TIME": _l("The pinned time is outside the window"),
    "DURATION_TOO_LONG": _l("Longer than any shift"),
    "NO_SHIFT_IN_WINDOW": _l("Nobody on duty in the window"),
    "TRAVEL_TOO_FAR": _l("Too far to reach in time"),
    "OVER_HOURS": _l("Over the working hours"),
    "NO_SECOND_CARER": _l("No second carer"),
    "NO_COMMON_TIME": _l("No two carers free at once"),
    "BUSY": _l("Everyone suitable is busy"),
    "LOWER_PRIORITY": _l("Lower priority than the visits served"),
    "TOO_COSTLY": _l("Costs more than leaving it out"),
    "NOT_PLACED": _l("Fits, but was not placed"),
    "MOVE_LIMIT": _l("The limit of moved visits is used up"),
    "NOBODY_ON_DUTY": _l("Nobody works at this station that day"),
}
UNKNOWN = _l("Not served")


def chinese() -> bool:
    return has_request_context() and str(get_locale() or "zh").startswith("zh")


def render(code: str, params: dict | None) -> str:
    """Headline, and the detail sentence in the reader's language when there is one."""
    head = str(HEADLINES.get(code, UNKNOWN))
    params = params or {}
    zh = chinese()
    detail = params.get("zh" if zh else "en")
    return f"{head}{'：' if zh else ': '}{detail}" if detail else head
