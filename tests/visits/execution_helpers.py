"""Builders for execution tests: a published day (what scheduling writes) and a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from carehub.auth.models import User
from carehub.auth.services import create_user, issue_token
from carehub.extensions import db
from carehub.registry.services.staff import create_caregiver
from carehub.visits.models import Visit, VisitCarer
from carehub.visits.states import transition
from tests.careplans.helpers import add_plan, add_resident, generate, item
from tests.factories import PASSWORD

# TODAY (2026-01-05) at 09:10 in Nanjing: the 09:00-11:00 window opened ten minutes ago.
NOW = datetime(2026, 1, 5, 1, 10, tzinfo=UTC)
HOME = (32.06, 118.78)  # resident_payload's coordinates


@dataclass
class Day:
    visit_ids: list[int]
    caregiver_ids: list[int]
    tokens: dict[str, str]


def freeze(monkeypatch, moment: datetime) -> None:
    """Freeze the platform's clock (every "now" goes through carehub.common.clock.utc_now)."""
    from carehub.common import clock

    monkeypatch.setattr(clock, "utc_now", lambda: moment)


def add_carer(world, name: str, username: str) -> tuple[int, str]:
    """A caregiver at station A with a caregiver account linked to it; returns (id, token)."""
    admin = world.user("admin")
    payload = {"provider_id": world.provider, "station_id": world.station_a, "name": name,
               "sex": "F", "skills": [], "working_hours": [], "certificates": []}  # fmt: skip
    carer = create_caregiver(admin, payload)
    user = create_user(username, PASSWORD, "caregiver", ["S-A"], caregiver_id=carer.id)
    db.session.commit()
    return carer.id, issue_token(user)[0]


def publish(visit_id: int, *caregiver_ids: int, start: datetime = NOW) -> None:
    """What publishing a plan does: seats on the visit, then planned -> scheduled."""
    visit = db.session.get(Visit, visit_id)
    for seat, carer in enumerate(caregiver_ids, start=1):
        db.session.add(VisitCarer(visit_id=visit_id, seat=seat, caregiver_id=carer,
                                  planned_start=start,
                                  planned_end=start + timedelta(minutes=visit.duration_minutes)))  # fmt: skip
    transition(None, visit, "scheduled")
    db.session.commit()


def published_day(app, api, world, service="MEAL", carers=1, residents=1, start=NOW,
                  notes="") -> Day:  # fmt: skip
    """Residents with a daily plan item, today's visits generated and published to carers."""
    coord = api("coord_a")
    for seq in range(1, residents + 1):
        resident = add_resident(coord, world.station_a, seq)
        add_plan(coord, resident, item(service, "每天", carers=carers, notes=notes))
    generate(coord, days=1)
    with app.app_context():
        people = [add_carer(world, f"护理员{n}", f"carer{n}") for n in range(1, carers + 1)]
        ids = list(db.session.scalars(select(Visit.id).order_by(Visit.id)))
        for visit_id in ids:
            publish(visit_id, *[p[0] for p in people], start=start)
    tokens = {f"carer{n}": p[1] for n, p in enumerate(people, start=1)}
    return Day(ids, [p[0] for p in people], tokens)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))
