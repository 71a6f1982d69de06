"""Service and validation messages in the reader's language.

Services and marshmallow speak plain English (the API returns it as is); a page shows each message
at its field in the interface language. Every known wording is matched here; an unknown one is
shown untranslated rather than hidden.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

_PATTERNS = [
    # ID numbers (GB 11643) and credit codes (GB 32100)
    (
        r"must be 18 characters, got (?P<count>\d+)",
        _l("Must be 18 characters; %(count)s were entered."),
    ),
    (
        r"must be 17 digits followed by a digit or X",
        _l("Must be 17 digits followed by a digit or X."),
    ),
    (r"unknown region code (?P<code>\w+)", _l("Unknown region code %(code)s.")),
    (
        r"impossible birth date (?P<date>\w+)",
        _l("The birth date %(date)s in the number is impossible."),
    ),
    (
        r"check digit does not match \(GB 11643\)",
        _l("The check digit is wrong (GB 11643): please check the number."),
    ),
    (r"characters not allowed: (?P<chars>.+)", _l("Characters not allowed: %(chars)s.")),
    (
        r"unknown registration authority (?P<code>\w)",
        _l("Unknown registration authority %(code)s."),
    ),
    (
        r"characters 3-8 must be an administrative division code",
        _l("Characters 3 to 8 must be an administrative division code."),
    ),
    (
        r"check character does not match \(GB 32100\)",
        _l("The check character is wrong (GB 32100)."),
    ),
    (
        r"a resident must be aged (?P<age>\d+) or over",
        _l("A resident must be aged %(age)s or over."),
    ),
    (
        r"does not match the sex encoded in the ID number",
        _l("Does not match the sex in the ID number."),
    ),
    (
        r"does not match the birth date in the ID number",
        _l("Does not match the birth date in the ID number."),
    ),
    (
        r"a resident with this ID number is already registered",
        _l("A resident with this ID number is already registered."),
    ),
    (
        r"a volunteer with this ID number is already registered",
        _l("A volunteer with this ID number is already registered."),
    ),
    (
        r"a provider with this credit code is already registered",
        _l("A provider with this credit code is already registered."),
    ),
    (r"this resident has a different ID number", _l("This resident has a different ID number.")),
    # record rules
    (
        r"give both latitude and longitude, or neither",
        _l("Give both latitude and longitude, or neither."),
    ),
    (r"give both home coordinates, or neither", _l("Give both home coordinates, or neither.")),
    (r"a category is listed twice", _l("A category is listed twice.")),
    (r"required when status is deceased", _l("Required when the status is deceased.")),
    (
        r"only a deceased resident has a date of death",
        _l("Only a deceased resident has a date of death."),
    ),
    (
        r"an assessment cannot be dated in the future",
        _l("An assessment cannot be dated in the future."),
    ),
    (r"must not be before issued_on", _l("Must not be before the issue date.")),
    (r"must not be before valid_from", _l("Must not be before the start date.")),
    (r"must be after start", _l("Must be after the start time.")),
    (
        r"two periods start at the same time on one day",
        _l("Two periods start at the same time on one day."),
    ),
    (
        r"periods overlap on weekday \d: (?P<first>[\d:-]+) and (?P<second>[\d:-]+)",
        _l("Two periods overlap: %(first)s and %(second)s."),
    ),
    (r"at most (?P<count>\d+) entries", _l("At most %(count)s entries.")),
    (r"cannot be in the future", _l("Cannot be later than today.")),
    (
        r"not a plausible date \(years (?P<first>\d+)-(?P<last>\d+)\)",
        _l("Not a plausible date (years %(first)s to %(last)s)."),
    ),
    (
        r"before the date of birth in the ID number",
        _l("Before the date of birth in the ID number."),
    ),
    (
        r"before the resident turned (?P<age>\d+) \((?P<date>[\d-]+)\)",
        _l("Before the resident turned %(age)s (%(date)s)."),
    ),
    (
        r"a volunteer must be aged (?P<age>\d+) or over",
        _l("A volunteer must be aged %(age)s or over."),
    ),
    (r"before the volunteer turned (?P<age>\d+)", _l("Before the volunteer turned %(age)s.")),
    (r"no station with id \d+", _l("Choose one of your stations.")),
    (r"no provider with id \d+", _l("Choose a provider from the list.")),
    (r"no resident with id -?\d+", _l("No resident at your stations has this ID number.")),
    (
        r"not a valid mobile \(11 digits\) or landline number",
        _l("Not a valid mobile (11 digits) or landline number."),
    ),
    (r"already used|already exists", _l("Already in use.")),
    # marshmallow's own wording
    (r"Missing data for required field\.", _l("Required.")),
    (r"Field may not be null\.", _l("Required.")),
    (r"Length must be between 1 and (?P<max>\d+)\.", _l("Required; at most %(max)s characters.")),
    (
        r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
        _l("Must be %(min)s to %(max)s characters long."),
    ),
    (r"Longer than maximum length (?P<max>\d+)\.", _l("At most %(max)s characters.")),
    (r"Not a valid integer\.", _l("Enter a whole number.")),
    (r"Not a valid number\.", _l("Enter a number.")),
    (r"Not a valid date\.", _l("Enter a date (YYYY-MM-DD).")),
    (r"Not a valid time\.", _l("Enter a time (HH:MM).")),
    (r"Must be one of: .*", _l("Choose a value from the list.")),
    (
        r"Must be greater than or equal to (?P<min>[-\d.]+) and less than or equal to (?P<max>[-\d.]+)\.",
        _l("Must be between %(min)s and %(max)s."),
    ),
]
_COMPILED = [(re.compile(rf"^{pattern}$"), message) for pattern, message in _PATTERNS]


def translate(message: str) -> str:
    """The message in the interface language, or the original when its wording is unknown."""
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match:
            return str(template) % match.groupdict() if match.groupdict() else str(template)
    return message
