"""Recurrence: iCalendar RRULEs (python-dateutil), and the common patterns in words both ways.

The editor offers 每个工作日, 每周二和周五, 隔周六, 每月第一个周一 and their kin; anything else is
entered as a raw RRULE. "Every workday" means workdays on the official calendar (调休 Saturdays
included, public holidays excluded), which no RRULE can say: it is ``FREQ=DAILY`` with the item's
``workdays_only`` flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from dateutil.rrule import rrulestr

MAX_LENGTH = 300
ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ZH_DAYS = "一二三四五六日"
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ZH_ORDINALS = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", -1: "最后一个"}
EN_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class BadRule(ValueError):
    """An RRULE or a phrase that CareHub cannot use; the message says why."""


def check(text: str) -> str:
    """The RRULE, upper-cased and without blanks, or BadRule saying what is wrong."""
    return _checked(re.sub(r"\s+", "", text or "").upper().removeprefix("RRULE:"))


@lru_cache(maxsize=1024)
def _checked(text: str) -> str:
    """Checking expands the rule over three years: plans and pages repeat a few rules, so once."""
    if not text:
        raise BadRule("empty recurrence")
    if len(text) > MAX_LENGTH:
        raise BadRule(f"longer than {MAX_LENGTH} characters")
    parts = _parts(text)
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise BadRule("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if "DTSTART" in text:
        raise BadRule("no DTSTART: the item's start date anchors the rule")
    if "COUNT" in parts or "UNTIL" in parts:
        raise BadRule("no COUNT or UNTIL: the item's start and end dates bound the rule")
    _check_parts(parts)
    if not parts.get("INTERVAL", "1").isdigit() or not 1 <= int(parts.get("INTERVAL", "1")) <= 52:
        raise BadRule("INTERVAL must be a whole number from 1 to 52")
    try:
        found = occurrences(text, date(2026, 1, 1), date(2026, 1, 1), date(2028, 12, 31))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise BadRule(f"not a valid RRULE ({exc})") from None
    if not found:
        raise BadRule("the rule never falls on a date")
    return text


def occurrences(text: str, anchor: date, start: date, end: date) -> list[date]:
    """Dates of the rule, anchored at ``anchor`` (the item's start), from ``start`` to ``end``."""
    if end < start:
        return []
    # Bounded by ``end``: a rule that matches nothing must not be searched to the year 9999.
    rule = rrulestr(text, dtstart=datetime.combine(anchor, time()))
    rule = rule.replace(until=datetime.combine(end, time()))
    return [
        moment.date()
        for moment in rule.between(
            datetime.combine(start, time()), datetime.combine(end, time()), inc=True
        )
    ]


ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_parts(parts: dict[str, str]) -> None:
    """Refuse what a home-care plan never needs and what could match no date at all.

    (A rule that never matches would make python-dateutil search up to the year 9999.)
    """
    unknown = parts.keys() - ALLOWED_PARTS
    if unknown:
        raise BadRule(
            f"{', '.join(sorted(unknown))} not supported (use {', '.join(sorted(ALLOWED_PARTS))})"
        )
    for day in filter(None, parts.get("BYDAY", "").split(",")):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", day)
        if not match:
            raise BadRule(f"BYDAY {day} is not a weekday")
        if match[1] and (parts["FREQ"] != "MONTHLY" or not 1 <= abs(int(match[1])) <= 4):
            raise BadRule("a numbered weekday (e.g. +1MO) only with FREQ=MONTHLY, from -4 to 4")
    months = _numbers(parts.get("BYMONTH"), 1, 12, "BYMONTH") or list(range(1, 13))
    days = _numbers(parts.get("BYMONTHDAY"), -31, 31, "BYMONTHDAY")
    if days and not any(abs(d) <= MONTH_DAYS[m - 1] for d in days for m in months):
        raise BadRule("BYMONTHDAY falls in none of the months")


def _numbers(text: str | None, low: int, high: int, name: str) -> list[int]:
    if not text:
        return []
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise BadRule(f"{name} must list whole numbers") from None
    if any(not low <= v <= high or v == 0 for v in values):
        raise BadRule(f"{name} must be from {low} to {high}")
    return values


def _parts(text: str) -> dict[str, str]:
    parts = {}
    for piece in text.split(";"):
        key, sep, value = piece.partition("=")
        if not sep or not key:
            raise BadRule(f"'{piece}' is not KEY=VALUE")
        parts[key] = value
    return parts


# --- the common patterns ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    kind: str  # workdays, daily, weekly, biweekly, monthly_nth, monthly_day
    days: tuple[int, ...] = ()  # weekday numbers, Monday 0
    nth: int = 0  # 1..4 or -1 (last), for monthly_nth
    month_day: int = 0

    def rrule(self) -> tuple[str, bool]:
        """(RRULE, workdays_only)."""
        byday = ",".join(DAYS[d] for d in self.days)
        return {
            "workdays": ("FREQ=DAILY", True),
            "daily": ("FREQ=DAILY", False),
            "weekly": (f"FREQ=WEEKLY;BYDAY={byday}", False),
            "biweekly": (f"FREQ=WEEKLY;INTERVAL=2;BYDAY={byday}", False),
            "monthly_nth": (f"FREQ=MONTHLY;BYDAY={self.nth:+d}{byday}", False),
            "monthly_day": (f"FREQ=MONTHLY;BYMONTHDAY={self.month_day}", False),
        }[self.kind]

    def zh(self) -> str:
        days = _join_zh([f"周{ZH_DAYS[d]}" for d in self.days])
        return {
            "workdays": "每个工作日",
            "daily": "每天",
            "weekly": f"每{days}",
            "biweekly": f"隔{days}",
            "monthly_nth": f"每月{ZH_ORDINALS.get(self.nth, '')}{days}",
            "monthly_day": f"每月{self.month_day}日",
        }[self.kind]

    def en(self) -> str:
        days = _join_en([EN_DAYS[d] for d in self.days])
        return {
            "workdays": "every workday",
            "daily": "every day",
            "weekly": f"every {days}",
            "biweekly": f"every other {days}",
            "monthly_nth": f"the {EN_ORDINALS.get(self.nth, '')} {days} of every month",
            "monthly_day": f"day {self.month_day} of every month",
        }[self.kind]


def _join_zh(items: list[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


def _join_en(items: list[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def pattern_of(text: str, workdays_only: bool = False) -> Pattern | None:
    """The common pattern an RRULE expresses, or None when it is something else."""
    try:
        parts = _parts(check(text))
    except BadRule:
        return None
    freq, interval = parts.pop("FREQ"), parts.pop("INTERVAL", "1")
    byday = parts.pop("BYDAY", "")
    if freq == "DAILY" and not parts and not byday and interval == "1":
        return Pattern("workdays" if workdays_only else "daily")
    if workdays_only or parts.keys() - {"BYMONTHDAY"}:
        return None
    if freq == "WEEKLY" and byday and interval in ("1", "2") and "BYMONTHDAY" not in parts:
        days = [DAYS.index(d) for d in byday.split(",") if d in DAYS]
        if len(days) == len(byday.split(",")):
            return Pattern("weekly" if interval == "1" else "biweekly", tuple(sorted(set(days))))
    if freq == "MONTHLY" and interval == "1":
        match = re.fullmatch(r"([+-]?\d)(MO|TU|WE|TH|FR|SA|SU)", byday)
        if match and not parts and int(match[1]) in ZH_ORDINALS:
            return Pattern("monthly_nth", (DAYS.index(match[2]),), nth=int(match[1]))
        day = parts.get("BYMONTHDAY", "")
        if not byday and day.isdigit() and 1 <= int(day) <= 28:
            return Pattern("monthly_day", month_day=int(day))
    return None


def describe(text: str, workdays_only: bool = False) -> dict[str, str]:
    """The rule in Chinese and English; a rule outside the common patterns is shown raw."""
    pattern = pattern_of(text, workdays_only)
    if pattern is not None:
        return {"zh": pattern.zh(), "en": pattern.en()}
    suffix = ("（仅工作日）", " (workdays only)") if workdays_only else ("", "")
    return {"zh": f"RRULE {text}{suffix[0]}", "en": f"RRULE {text}{suffix[1]}"}


_ZH_DAY = r"(?:周|星期|礼拜)([一二三四五六日天])"
_EN_DAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"


def from_words(words: str) -> Pattern:
    """A pattern from words (Chinese or English), for the editor; BadRule when not understood."""
    text = re.sub(r"\s+", " ", (words or "").strip().lower())
    if text in ("每个工作日", "工作日", "每工作日", "every workday", "workdays"):
        return Pattern("workdays")
    if text in ("每天", "每日", "every day", "daily"):
        return Pattern("daily")
    found = _zh_pattern(text) or _en_pattern(text)
    if found is None:
        raise BadRule(f"'{words}' is not one of the common patterns; enter an RRULE")
    return found


def _zh_days(text: str) -> tuple[int, ...]:
    return tuple(
        sorted({ZH_DAYS.index("日" if d == "天" else d) for d in re.findall(_ZH_DAY, text)})
    )


def _zh_pattern(text: str) -> Pattern | None:
    days = _zh_days(text)
    if not days:
        return None
    if re.fullmatch(
        rf"每(?:个)?{_ZH_DAY}(?:[、,，和及]{_ZH_DAY}|[、,，和及][一二三四五六日天])*", text
    ):
        extra = re.findall(r"[、,，和及]([一二三四五六日天])(?![一二三四五六日天])", text)
        days = tuple(sorted(set(days) | {ZH_DAYS.index("日" if d == "天" else d) for d in extra}))
        return Pattern("weekly", days)
    if re.fullmatch(rf"(?:隔|每隔一|双){_ZH_DAY}(?:[、,，和及]{_ZH_DAY})*", text):
        return Pattern("biweekly", days)
    match = re.fullmatch(rf"每月(第([一二三四])|最后一)个?{_ZH_DAY}", text)
    if match:
        nth = -1 if match[1] == "最后一" else "一二三四".index(match[2]) + 1
        return Pattern("monthly_nth", days, nth=nth)
    return None


def _en_pattern(text: str) -> Pattern | None:
    names = re.findall(_EN_DAY, text)
    days = tuple(sorted({EN_DAYS.index(n.capitalize()) for n in names}))
    if not days:
        return None
    listed = rf"{_EN_DAY}(?:(?:, | and |, and ){_EN_DAY})*"
    if re.fullmatch(rf"every {listed}", text):
        return Pattern("weekly", days)
    if re.fullmatch(rf"every other {listed}", text):
        return Pattern("biweekly", days)
    match = re.fullmatch(
        rf"(?:the )?(first|second|third|fourth|last) {_EN_DAY} of (?:every|each|the) month", text
    )
    if match:
        nth = -1 if match[1] == "last" else EN_ORDINALS_INDEX[match[1]]
        return Pattern("monthly_nth", days, nth=nth)
    return None


EN_ORDINALS_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4}
