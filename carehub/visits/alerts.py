"""Today's alerts for a coordinator: visits not started 30 minutes after their window opened, and
check-ins far from home or with a poor fix. Computed when asked (nothing to keep in step)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from carehub.auth.models import User
from carehub.auth.scoping import station_filter
from carehub.careplans.clock import local_today
from carehub.common import clock
from carehub.extensions import db
from carehub.visits.execution import setting
from carehub.visits.execution_models import CheckEvent
from carehub.visits.models import Visit


@dataclass(frozen=True)
class Alert:
    kind: str  # "not_started" | "far" | "inaccurate"
    visit: Visit
    since: datetime
    distance_m: int | None = None


def todays_alerts(actor: User, day: date | None = None, now: datetime | None = None) -> list[Alert]:
    day = day or local_today()
    now = now or clock.utc_now()
    return sorted(_not_started(actor, day, now) + _bad_checks(actor, day),
                  key=lambda a: (a.since, a.visit.id))  # fmt: skip


def _not_started(actor: User, day: date, now: datetime) -> list[Alert]:
    query = (
        station_filter(select(Visit), Visit.station_id, actor)
        .where(Visit.visit_date == day, Visit.state == "scheduled")
        .options(selectinload(Visit.resident))
    )
    late = timedelta(minutes=setting("LATE_START_MIN", 30))
    zone = clock.timezone()
    found = []
    for visit in db.session.scalars(query):
        due = datetime.combine(day, visit.window1_start, tzinfo=zone) + late
        if now > due:
            found.append(Alert("not_started", visit, due))
    return found


def _bad_checks(actor: User, day: date) -> list[Alert]:
    query = (
        station_filter(select(CheckEvent, Visit), Visit.station_id, actor)
        .join(Visit, Visit.id == CheckEvent.visit_id)
        .where(Visit.visit_date == day, CheckEvent.kind == "in",
               or_(CheckEvent.far, CheckEvent.inaccurate))
        .options(selectinload(Visit.resident))
    )  # fmt: skip
    return [Alert("far" if check.far else "inaccurate", visit, check.at, check.distance_m)
            for check, visit in db.session.execute(query)]  # fmt: skip
