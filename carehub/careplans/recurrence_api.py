"""The editor's helper: a recurrence in words to RRULE, and an RRULE to words."""

from __future__ import annotations

from carehub.auth.scoping import require_read
from carehub.careplans import errors
from carehub.careplans import recurrence as rr
from carehub.careplans.schemas import RecurrenceQuery
from carehub.common.schema import load


def recurrence(actor, args: dict) -> dict:
    require_read(actor)
    data = load(RecurrenceQuery(), args)
    try:
        if data.get("words"):
            rule, workdays_only = rr.from_words(data["words"]).rrule()
        elif data.get("rrule"):
            rule, workdays_only = rr.check(data["rrule"]), data["workdays_only"]
        else:
            raise errors.no_recurrence("rrule")
    except rr.BadRule as exc:
        raise errors.bad_recurrence("words" if data.get("words") else "rrule", str(exc)) from None
    return {"rrule": rule, "workdays_only": workdays_only,
            "recurrence": rr.describe(rule, workdays_only)}  # fmt: skip
