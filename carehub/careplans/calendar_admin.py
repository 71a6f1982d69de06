"""The holiday calendar as people see and correct it: a year's days, and the admin's overrides."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import READ_ROLES, require_read
from carehub.careplans.errors import conflict
from carehub.careplans.holidays import Calendar, package_knows
from carehub.careplans.models import HolidayOverride
from carehub.careplans.schemas import HolidayIn, HolidayQuery
from carehub.common.errors import Forbidden, NotFound
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db

CALENDAR_READERS = READ_ROLES | {"caregiver", "volunteer"}


def year_calendar(actor: User, args: dict) -> dict:
    """Every day of ``year`` that is not an ordinary day: holidays, 调休 workdays, overrides."""
    require_read(actor, CALENDAR_READERS)
    year = load(HolidayQuery(), args)["year"]
    calendar = Calendar()
    overrides = calendar._year(year)
    days, day = [], date(year, 1, 1)
    while day.year == year:
        info = calendar.day(day)
        ordinary = info.workday == (day.weekday() < 5) and not info.holiday
        if day in overrides or not ordinary:
            source = "override" if day in overrides else "package"
            days.append({"day": day, "is_workday": info.workday, "holiday": info.holiday,
                         "name": info.name, "source": source})  # fmt: skip
        day += timedelta(days=1)
    return {"year": year, "known": package_knows(year) or bool(overrides), "days": days}


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise Forbidden(
            _l("Only an administrator may change the holiday calendar."), code="admin_only"
        )


def add_override(actor: User, payload: dict) -> HolidayOverride:
    _require_admin(actor)
    data = load(HolidayIn(), payload)
    if db.session.get(HolidayOverride, data["day"]) is not None:
        raise _exists()
    with atomic("day", _exists().message, "override_exists"):
        row = HolidayOverride(**data, created_by=actor.username)
        db.session.add(row)
        db.session.flush()
        record(actor, "create", "holiday", 0, None, data)
    return row


def _exists():
    return conflict(
        "day", "override_exists", _l("This day already has an override; delete it first.")
    )


def delete_override(actor: User, day: date) -> None:
    _require_admin(actor)
    row = db.session.get(HolidayOverride, day)
    if row is None:
        raise NotFound(_l("No override on %(day)s.", day=day), code="not_found")
    with atomic():
        record(actor, "delete", "holiday", 0, None,
               {"day": day, "is_workday": row.is_workday, "name": row.name})  # fmt: skip
        db.session.delete(row)
