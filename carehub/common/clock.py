"""The platform's clock: today and now in the district's time zone, and now in UTC.

A station in Nanjing closes its day at midnight Beijing time, not at the server's midnight: at
23:30 UTC it is already tomorrow there. Every "today" in CareHub (ages, expiry badges, default form
dates, "not in the future" checks) is therefore ``local_today()``, read from ``CAREHUB_TIMEZONE``
(the app's config inside an app context, else the environment, else Asia/Shanghai). Everything
goes through ``utc_now()``, so a test freezes the whole clock by patching that one function.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def utc_now() -> datetime:
    """Now, aware, in UTC: what is stored."""
    return datetime.now(UTC)


def timezone() -> ZoneInfo:
    """The district's time zone: the app's ``CAREHUB_TIMEZONE``, usable outside a request too."""
    if has_app_context():
        name = current_app.config.get("CAREHUB_TIMEZONE") or DEFAULT_TIMEZONE
    else:
        name = os.environ.get("CAREHUB_TIMEZONE") or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def local_now() -> datetime:
    """Now, aware, on the district's wall clock."""
    return utc_now().astimezone(timezone())


def local_today() -> date:
    """The district's calendar day."""
    return local_now().date()
