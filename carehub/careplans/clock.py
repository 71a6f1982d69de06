"""Today in the district's time zone (CAREHUB_TIMEZONE), not the server's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """The calendar day it is now where the residents live."""
    return datetime.now(ZoneInfo(current_app.config["CAREHUB_TIMEZONE"])).date()
