"""Checks for the two national identifiers the registry keeps.

- 公民身份号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character; digits 7-14
  are the birth date, digit 17 is odd for men.
- 统一社会信用代码 (GB 32100-2015): 18 characters over a 31-symbol alphabet with a MOD 31 check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from carehub.common.clock import local_today
from carehub.common.normalise import NotNormal, normalise_code, normalise_id_number

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# Province-level region codes (first two digits of GB/T 2260 codes).
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82"}
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_AUTHORITIES = "123456789ABCDEFGNY"


class InvalidIdentifier(ValueError):
    """Raised with a message a coordinator can act on (marked for translation) and a stable code."""

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code, self.message = code, message


def _id_characters() -> InvalidIdentifier:
    return InvalidIdentifier("id_characters", _l("Must be 17 digits followed by a digit or X."))


def _length(value: str) -> InvalidIdentifier:
    return InvalidIdentifier(
        "wrong_length", _l("Must be 18 characters; %(count)s were entered.", count=len(value))
    )


def _impossible_birth_date(value: str) -> InvalidIdentifier:
    return InvalidIdentifier(
        "impossible_birth_date",
        _l("The birth date %(date)s in the number is impossible.", date=value[6:14]),
    )


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    sex: str  # "M" or "F"


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def parse_id_number(raw: str, today: date | None = None) -> IdNumber:
    """Validate an 18-character ID number and return its birth date and sex.

    The number is first read as ASCII (full-width or other-script digits, blanks): ``value`` is the
    one form that is stored, hashed and searched.
    """
    today = today or local_today()
    if isinstance(raw, str):
        return _parse_cached(raw, today)
    return _parse(raw, today)


@lru_cache(maxsize=8192)
def _parse_cached(raw: str, today: date) -> IdNumber:
    """A number is judged several times per form or sheet row (schema, consistency, service);
    the answer depends only on the text and the day. A refusal is not cached (it raises)."""
    return _parse(raw, today)


def _parse(raw, today: date) -> IdNumber:
    try:
        value = normalise_id_number(raw)
    except NotNormal:
        raise _id_characters() from None
    if len(value) != 18:
        raise _length(value)
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise _id_characters()
    if value[:2] not in PROVINCES:
        raise InvalidIdentifier(
            "unknown_region", _l("Unknown region code %(code)s.", code=value[:6])
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _impossible_birth_date(value) from None
    if born.year < 1890 or born > today:
        raise _impossible_birth_date(value)
    expected = id_check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdentifier(
            "id_check_digit", _l("The check digit is wrong (GB 11643): please check the number.")
        )
    return IdNumber(value=value, birth_date=born, sex="M" if int(value[16]) % 2 else "F")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(raw: str) -> str:
    """Validate a unified social credit code and return it as upper-case ASCII."""
    try:
        value = normalise_code(raw)
    except NotNormal as exc:
        raise InvalidIdentifier(exc.code, exc.message) from None
    if len(value) != 18:
        raise _length(value)
    bad = "".join(sorted({c for c in value if c not in USCC_ALPHABET}))
    if bad:
        raise InvalidIdentifier(
            "characters_not_allowed", _l("Characters not allowed: %(chars)s.", chars=bad)
        )
    if value[0] not in USCC_AUTHORITIES:
        raise InvalidIdentifier(
            "unknown_authority", _l("Unknown registration authority %(code)s.", code=value[0])
        )
    if not value[2:8].isdigit():
        raise InvalidIdentifier(
            "division_code", _l("Characters 3 to 8 must be an administrative division code.")
        )
    if value[17] != uscc_check_char(value[:17]):
        raise InvalidIdentifier(
            "credit_check_character", _l("The check character is wrong (GB 32100).")
        )
    return value


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def compose_id_number(region: str, born: date, sequence: int, sex: str) -> str:
    """Build a valid ID number (demo data and tests): ``sequence`` 0-99, parity set from ``sex``."""
    order = sequence % 100 * 10 + (1 if sex == "M" else 0) + (sequence // 100 % 5) * 2
    body = f"{region}{born:%Y%m%d}{order:03d}"
    return body + id_check_char(body)


def compose_credit_code(body17: str) -> str:
    """Append the GB 32100 check character to 17 characters."""
    return body17 + uscc_check_char(body17)
