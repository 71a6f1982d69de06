"""The official calendar: 法定节假日 and 调休 workdays from ``chinese-calendar``, plus overrides.

The package covers only the years the State Council has announced. For a later year the admin
enters the schedule as overrides; a year known to neither is reported (``unknown_years``) and
treated as ordinary weeks (Saturday and Sunday off, no public holidays) rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import extract, select

from carehub.careplans.models import HolidayOverride
from carehub.extensions import db

CONTINUE, SKIP, MOVE = "continue", "skip", "move"
# What happens to a planned occurrence that falls on a public holiday, per service type.
HOLIDAY_RULES = {
    "MEAL": CONTINUE, "MEDICAL": CONTINUE, "EMERGENCY": CONTINUE, "COMPANION": CONTINUE,
    "BATH": MOVE, "ESCORT": MOVE, "ERRAND": MOVE, "REHAB": MOVE,
    "CLEAN": SKIP, "LEARNING": SKIP,
}  # fmt: skip
MOVE_LIMIT_DAYS = 31  # a move never looks further than this for a workday


@dataclass(frozen=True)
class Day:
    day: date
    workday: bool
    holiday: bool  # a public holiday (not merely a weekend)
    name: str = ""


def holiday_rule(service_code: str) -> str:
    return HOLIDAY_RULES.get(service_code, CONTINUE)


class Calendar:
    """Answers about days; overrides are read once per year asked (one query, not one per day)."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[date, HolidayOverride]] = {}
        self._days: dict[date, Day] = {}
        self.unknown_years: set[int] = set()

    def day(self, day: date) -> Day:
        """What ``day`` is; asked thousands of times a run for a few dozen dates, so kept."""
        if day not in self._days:
            self._days[day] = self._look_up(day)
        return self._days[day]

    def _look_up(self, day: date) -> Day:
        override = self._year(day.year).get(day)
        if override is not None:
            holiday = not override.is_workday and (day.weekday() < 5 or bool(override.name))
            return Day(day, override.is_workday, holiday, override.name)
        try:
            off, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            if not self._year(day.year):
                self.unknown_years.add(day.year)
            return Day(day, day.weekday() < 5, False)
        return Day(day, not off, off and name is not None, name or "")

    def is_workday(self, day: date) -> bool:
        return self.day(day).workday

    def apply_rule(self, service_code: str, day: date) -> date | None:
        """The date an occurrence on ``day`` is served: itself, none (skipped) or a later workday."""
        if not self.day(day).holiday:
            return day
        rule = holiday_rule(service_code)
        if rule == CONTINUE:
            return day
        if rule == SKIP:
            return None
        for offset in range(1, MOVE_LIMIT_DAYS + 1):
            later = day + timedelta(days=offset)
            if self.is_workday(later):
                return later
        return None

    def _year(self, year: int) -> dict[date, HolidayOverride]:
        if year not in self._overrides:
            rows = db.session.scalars(
                select(HolidayOverride).where(extract("year", HolidayOverride.day) == year)
            )
            self._overrides[year] = {row.day: row for row in rows}
        return self._overrides[year]


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
