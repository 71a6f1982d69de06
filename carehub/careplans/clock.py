"""Today in the district's time zone (CAREHUB_TIMEZONE), not the server's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """The calendar day it is now where the residents live.

    ``CAREHUB_TODAY`` (an ISO date) pins it, for tests and for showing a demo on a given day.
    """
    pinned = current_app.config.get("CAREHUB_TODAY")
    if pinned:
        return date.fromisoformat(str(pinned))
    return datetime.now(ZoneInfo(current_app.config["CAREHUB_TIMEZONE"])).date()
