"""Converters shared by every domain's sheet: (cell value, context) -> payload value, or CellError.

Cells arrive NFKC-normalised (see reading.clean); these only read what stations write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from carehub.imports.problems import CellError
from carehub.imports.spec import Context, text


def id_text(value: Any, _ctx: Context | None = None) -> str:
    """An ID or code number: blanks and dashes dropped, upper case (a final x is an X)."""
    if isinstance(value, float):
        raise CellError("id_as_number")
    return re.sub(r"[\s\-]", "", text(value)).upper()


def phone(value: Any, _ctx: Context | None = None) -> str:
    """Digits only: "138-1234-5678", "138 1234 5678", "(025)8888 1234", "+86 138…" all read;
    of several numbers in one cell ("138…/139…") the first is kept."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError("not_phone")
    first = next((p for p in re.split(r"[/、,;]", text(value)) if p.strip()), "")
    digits = re.sub(r"\D", "", first)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        raise CellError("not_phone")
    return digits


def number(value: Any, _ctx: Context | None = None) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise CellError("not_number") from None


def integer(value: Any, _ctx: Context | None = None) -> int:
    result = number(value)
    if not result.is_integer():
        raise CellError("not_whole_number")
    return int(result)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m", "%Y年%m月")


def iso_date(value: Any, _ctx: Context | None = None) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = text(value).split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    raise CellError("not_date", value=raw)


def lookup(table: dict[str, Any]) -> Callable[[Any, Context | None], Any]:
    """One of a fixed set of values, by any of its spellings (case-insensitive)."""
    normalised = {k.lower(): v for k, v in table.items()}
    allowed = "、".join(dict.fromkeys(k for k in table if not k.isascii()))

    def convert(value: Any, _ctx: Context | None = None) -> Any:
        raw = text(value)
        found = normalised.get(raw.lower())
        if found is None:
            raise CellError("unknown_value", value=raw, allowed=allowed)
        return found

    return convert


def many(one: Callable[[Any, Context | None], Any]) -> Callable[[Any, Context | None], list]:
    """Several values in one cell, separated by 、 , ; / or spaces ("无" and "—" mean none)."""

    def convert(value: Any, ctx: Context | None = None) -> list:
        parts = [p for p in re.split(r"[、,;/\s]+", text(value)) if p and p not in ("无", "—", "-")]
        return list(dict.fromkeys(one(p, ctx) for p in parts))

    return convert


def station(value: Any, ctx: Context) -> int:
    """A station by code or name, among the actor's stations (others do not exist for them)."""
    raw = text(value)
    found = ctx.lookups["stations"].get(raw.upper()) or ctx.lookups["stations"].get(raw)
    if found is None:
        raise CellError("unknown_station", value=raw)
    return found


def provider(value: Any, ctx: Context) -> int:
    raw = text(value)
    found = ctx.lookups["providers"].get(raw.upper()) or ctx.lookups["providers"].get(raw)
    if found is None:
        raise CellError("unknown_provider", value=raw)
    return found
