"""Builders for the time-bank tests: volunteers with accounts, visits moved through their states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from carehub.auth.services import create_user, issue_token
from carehub.extensions import db
from carehub.registry.models import Resident, Volunteer
from carehub.timebank.accounts import volunteer_account
from carehub.timebank.models import Account
from carehub.visits.models import Visit, VisitCarer
from carehub.visits.services import request_visit
from carehub.visits.states import transition
from tests.factories import id_number, resident_payload

_seq = count(100)
DAY = date(2026, 1, 6)
DONE = ("scheduled", "in_progress", "completed", "verified")


def add_volunteer(station_id: int, born: date = date(1958, 4, 1), resident_id=None,
                  username: str | None = None) -> tuple[int, str | None]:  # fmt: skip
    """A volunteer (and, with ``username``, its login and token)."""
    seq = next(_seq)
    volunteer = Volunteer(station_id=station_id, resident_id=resident_id, name=f"志愿者{seq}",
                          sex="F", birth_date=born, id_number_hash=f"h{seq}",
                          id_number_enc="x", id_number_masked="3201********0000",
                          joined_on=date(2020, 1, 1))  # fmt: skip
    db.session.add(volunteer)
    db.session.commit()
    token = None
    if username:
        from carehub.registry.models import Station

        code = db.session.get(Station, station_id).code
        user = create_user(username, "password123", "volunteer", [code], volunteer_id=volunteer.id)
        token = issue_token(user)[0]
    return volunteer.id, token


def add_resident(actor, station_id: int, born: date = date(1945, 3, 8), **fields) -> int:
    """A resident through the registry service (the API path is tested by the registry)."""
    from carehub.registry.services.residents import create_resident

    seq = next(_seq)
    payload = resident_payload(station_id, seq, id_number=id_number(seq % 100, born), **fields)
    return create_resident(actor, payload).id


def account_of(volunteer_id: int) -> Account:
    return volunteer_account(db.session.get(Volunteer, volunteer_id))


def visit_for(actor, resident_id: int, minutes: int = 60, service: str = "COMPANION",
              funding: str = "volunteer", day: date = DAY) -> Visit:  # fmt: skip
    body = {"resident_id": resident_id, "service_code": service, "visit_date": day.isoformat(),
            "windows": [{"start": "09:00", "end": "12:00"}], "duration_minutes": minutes,
            "funding": funding}  # fmt: skip
    return request_visit(actor, body)


def seat(visit: Visit, volunteer_id: int, seat_no: int = 1) -> None:
    start = datetime(visit.visit_date.year, visit.visit_date.month, visit.visit_date.day, 1,
                     tzinfo=UTC)  # fmt: skip
    db.session.add(VisitCarer(visit_id=visit.id, seat=seat_no, volunteer_id=volunteer_id,
                              planned_start=start,
                              planned_end=start + timedelta(minutes=visit.duration_minutes)))  # fmt: skip
    db.session.commit()


def verify_visit(actor, visit: Visit, steps=DONE) -> None:
    for step in steps:
        transition(actor, visit, step)
    db.session.commit()


def resident(resident_id: int) -> Resident:
    return db.session.get(Resident, resident_id)
