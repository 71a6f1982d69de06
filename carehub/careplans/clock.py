"""Today for care plans and visits: the district's day, or a pinned one.

``CAREHUB_TODAY`` (an ISO date) pins the day that plans and generation work from, for tests and
for showing a demo on a given day; otherwise it is ``carehub.common.clock.local_today()``.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from carehub.common import clock


def local_today() -> date:
    """The calendar day plans and generation work from."""
    pinned = current_app.config.get("CAREHUB_TODAY")
    if pinned:
        return date.fromisoformat(str(pinned))
    return clock.local_today()
