"""Numbers people type, read as the ASCII value they show.

An ID number typed with the input method in full-width mode (``３２０１０６…``), a phone pasted from a
document with Arabic-Indic digits or spaces and dashes, a superscript ``²`` from a word processor: each
must be the same value as its plain ASCII form, or the same elder becomes two records and an exact
search misses. Everything that checks, stores, hashes (blind index) or searches these values calls
the functions here first; the importer reads cells through the same functions.

NFKC folds full-width and compatibility forms (``１`` ``²`` ``ｘ`` ``　``); digits of other scripts
(``٠`` ``०``) are then mapped by their Unicode decimal value. What is left that is not an ASCII digit
(or the letters a code allows) is refused with :class:`NotNormal`, whose message names the culprits.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

# Dashes and separators people put inside phone numbers: ASCII and Unicode hyphens, dots, brackets.
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.()]")
_CODE_CHARACTERS = re.compile(r"^[A-Za-z0-9\-_.]*$")


class NotNormal(ValueError):
    """A value that is still not digits (and X, or a code's letters) after normalisation.

    ``message`` is marked for translation and names the culprits; ``code`` is stable.
    """

    def __init__(self, code: str, message):
        super().__init__(message)
        self.code, self.message = code, message


def ascii_text(raw: object) -> str:
    """NFKC, then every decimal digit of any script as its ASCII digit; ends stripped."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return "".join(_ascii_digit(c) for c in text).strip()


def _ascii_digit(char: str) -> str:
    if char.isascii() or not char.isdecimal():
        return char
    return str(unicodedata.decimal(char))


def normalise_id_number(raw: object) -> str:
    """An ID number (公民身份号码) as 17 ASCII digits and a digit or X; inner blanks removed.

    The length and the check digit are judged later (``idnumbers.parse_id_number``); here only
    the characters: anything but digits and X raises :class:`NotNormal`.
    """
    value = re.sub(r"\s", "", ascii_text(raw)).upper()
    bad = _others(value, "0123456789X")
    if bad:
        raise NotNormal(
            "id_characters", _l("Only digits and X are allowed (found %(chars)s).", chars=bad)
        )
    return value


def normalise_phone(raw: object) -> str:
    """A phone number as ASCII digits only: blanks, dashes, dots, brackets and a +86 removed."""
    value = _PHONE_SEPARATORS.sub("", ascii_text(raw))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    bad = _others(value, "0123456789")
    if bad:
        raise NotNormal(
            "phone_characters", _l("Only digits are allowed (found %(chars)s).", chars=bad)
        )
    return value


def normalise_code(raw: object, upper: bool = True) -> str:
    """A code (credit code, station code) in ASCII letters, digits, ``-``, ``_`` and ``.``.

    Credit codes are upper case by definition; station codes keep the case they were given.
    """
    value = re.sub(r"\s", "", ascii_text(raw))
    value = value.upper() if upper else value
    if not _CODE_CHARACTERS.match(value):
        bad = "".join(sorted({c for c in value if not _CODE_CHARACTERS.match(c)}))
        raise NotNormal(
            "characters_not_allowed", _l("Characters not allowed: %(chars)s.", chars=bad)
        )
    return value


def _others(value: str, allowed: str) -> str:
    """The characters of ``value`` that are not allowed, each once, sorted."""
    return "".join(sorted({c for c in value if c not in allowed}))
