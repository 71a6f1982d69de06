"""Marshmallow building blocks shared by every domain's schemas."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, validate

from carehub.common.errors import Invalid
from carehub.common.normalise import NotNormal, normalise_code, normalise_phone

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# The widest value an INTEGER column holds on every database CareHub runs on (PostgreSQL int4).
INT_MAX = 2**31 - 1
# Money is written as plain decimal yuan: no exponent, at most two decimals, below ten million
# (so that the fen fit an INTEGER column).
YUAN = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


class Text(fields.String):
    """A string stripped of surrounding blanks; an over-long value is an error, never truncated."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def text(max_len: int, required: bool = False, min_len: int | None = None, **kw) -> Text:
    if min_len is None:
        min_len = 1 if required else 0
    return Text(required=required, validate=validate.Length(min=min_len, max=max_len), **kw)


class Int(fields.Integer):
    """An integer; one too big for any machine word is "not a valid integer", not a crash.

    Python's ``int(float("inf"))`` raises OverflowError, which marshmallow does not catch.
    """

    def _validated(self, value):
        try:
            return super()._validated(value)
        except OverflowError:
            raise self.make_error("invalid") from None


def integer(minimum: int = 0, maximum: int = INT_MAX, strict: bool = True, **kw) -> Int:
    """An integer bounded to what its column holds, so the database never sees one out of range."""
    return Int(strict=strict, validate=validate.Range(minimum, maximum), **kw)


def ident(**kw) -> Int:
    """The id of another record: 0 or more, like a ``<int:id>`` in a URL (0 is never found)."""
    return integer(0, INT_MAX, **kw)


class Day(fields.Date):
    """A calendar date within the years CareHub's records can be about (1900 to 2099).

    Year 9999 parses as a date but is never a birth, a death, a contract's end or a signature.
    """

    FIRST, LAST = date(1900, 1, 1), date(2099, 12, 31)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not self.FIRST <= day <= self.LAST:
            raise ValidationError(
                f"not a plausible date (years {self.FIRST.year}-{self.LAST.year})"
            )
        return day


def choice(values, **kw) -> fields.String:
    return fields.String(validate=validate.OneOf(values), **kw)


class Phone(Text):
    """A phone number stored as ASCII digits, however it was typed (full width, dashes, +86)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            phone = normalise_phone(super()._deserialize(value, attr, data, **kwargs))
        except NotNormal:
            phone = "?"
        if phone and not PHONE.match(phone):
            raise ValidationError("not a valid mobile (11 digits) or landline number")
        return phone or None


class Code(Text):
    """A code (station, credit code) in ASCII; ``upper`` for codes that are upper case by law."""

    def __init__(self, *args, upper: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.upper = upper

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return normalise_code(super()._deserialize(value, attr, data, **kwargs), self.upper)
        except NotNormal as exc:
            raise ValidationError(str(exc)) from None


class Yuan(fields.Field):
    """Money in the API: a decimal string of yuan; stored as integer fen.

    Only plain notation is taken ("12.50", or the number 12.5): an exponent ("1e30"), NaN,
    Infinity or an amount of ten million yuan or more is refused, so it always fits the column.
    """

    def __init__(self, **kw):
        metadata = {"type": "string", "pattern": YUAN.pattern, "example": "15.00"}
        super().__init__(metadata=metadata | kw.pop("metadata", {}), **kw)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str((Decimal(value) / 100).quantize(Decimal("0.01")))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError("not a valid amount of yuan")
        text_value = str(value).strip()
        if text_value.startswith("-"):
            raise ValidationError("must be a non-negative amount")
        text_value = re.sub(r"^(\d+\.\d{2})0+$", r"\1", text_value)  # "1.500" is 1.50
        if re.fullmatch(r"\d+\.\d{3,}", text_value):
            raise ValidationError("at most two decimal places (fen)")
        if not YUAN.match(text_value):
            raise ValidationError("not a plain amount of yuan below 10000000 (e.g. 12.50)")
        return int((Decimal(text_value) * 100).to_integral_value(ROUND_HALF_UP))


def load(schema: Schema, payload, partial: bool = False) -> dict:
    """Validate input, raising Invalid with the offending fields named (dotted for nested)."""
    if not isinstance(payload, dict):
        raise Invalid("the request body must be a JSON object")
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as err:
        flat = flatten_errors(err.normalized_messages())
        first = next(iter(flat))
        raise Invalid(f"{first}: {flat[first][0]}", flat) from None


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """{"family_members": {0: {"phone": [..]}}} -> {"family_members.0.phone": [..]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name))
        else:
            flat[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return flat
