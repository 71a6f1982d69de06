"""Demo hours: some volunteers' verified community activities (credited) and a few pending."""

from __future__ import annotations

import random
from datetime import date, timedelta

from carehub.careplans.clock import local_today
from carehub.timebank import activities

DEMO_VOLUNTEERS = 40  # enough to fill the pages; every posting takes the chain's lock
WHAT = ("社区义诊引导", "助餐点帮厨", "独居老人探访", "楼道清洁", "智能手机课")


def add_hours(admin, rng: random.Random, volunteer_ids: list[int], today: date) -> int:
    """Log and verify two activities for each of the first volunteers; leave one pending."""
    credited = 0
    today = min(today, local_today())  # a demo loaded "in the future" logs nothing ahead of now
    for n, volunteer_id in enumerate(volunteer_ids[:DEMO_VOLUNTEERS]):
        logged = [_log(admin, rng, volunteer_id, today - timedelta(days=rng.randint(3, 300)))
                  for _ in range(2)]  # fmt: skip
        credited += activities.decide(admin, {"activity_ids": [a.id for a in logged]})["decided"]
        if n % 4 == 0:
            _log(admin, rng, volunteer_id, today - timedelta(days=1))
    return credited


def _log(admin, rng, volunteer_id: int, day: date):
    body = {"volunteer_id": volunteer_id, "activity_date": day.isoformat(),
            "minutes": rng.choice((60, 90, 120, 180)), "description": rng.choice(WHAT)}  # fmt: skip
    return activities.log_activity(admin, body)
