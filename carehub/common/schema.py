"""Marshmallow building blocks shared by every domain's schemas.

Every message here, of marshmallow's own fields and validators (``carehub.common.fields`` and
``validate``) and of the fields below, is a ``lazy_gettext`` string: pages show it in the reader's
language, the API in English. Schemas derive from :class:`Schema` and import ``fields`` and
``validate`` from ``carehub.common``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import marshmallow
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from carehub.common import fields, validate
from carehub.common.errors import Invalid, code_of, coded
from carehub.common.normalise import NotNormal, normalise_code, normalise_phone

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# The widest value an INTEGER column holds on every database CareHub runs on (PostgreSQL int4).
INT_MAX = 2**31 - 1
# Money is written as plain decimal yuan: no exponent, at most two decimals, below ten million
# (so that the fen fit an INTEGER column).
YUAN = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


class Schema(marshmallow.Schema):
    """A schema whose own refusals (an unknown field, not an object) are translatable."""

    error_messages = {"unknown": _l("Unknown field."), "type": _l("Must be an object.")}


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
            message = _l(
                "Not a plausible date (years %(first)s to %(last)s).",
                first=self.FIRST.year,
                last=self.LAST.year,
            )
            raise refuse("implausible_date", message)
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
            raise refuse("bad_phone", _l("Not a valid mobile (11 digits) or landline number."))
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
            raise refuse(exc.code, exc.message) from None


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
            raise refuse("bad_amount", _l("Not a valid amount of yuan."))
        text_value = str(value).strip()
        if text_value.startswith("-"):
            raise refuse("bad_amount", _l("Must be a non-negative amount."))
        text_value = re.sub(r"^(\d+\.\d{2})0+$", r"\1", text_value)  # "1.500" is 1.50
        if re.fullmatch(r"\d+\.\d{3,}", text_value):
            raise refuse("bad_amount", _l("At most two decimal places (fen)."))
        if not YUAN.match(text_value):
            message = _l("Write a plain amount of yuan below 10,000,000 (e.g. 12.50).")
            raise refuse("bad_amount", message)
        return int((Decimal(text_value) * 100).to_integral_value(ROUND_HALF_UP))


def refuse(code: str, message, field: str | None = None) -> ValidationError:
    """A validator's refusal: a lazy message tagged with its code (see ``errors.coded``)."""
    if field is None:
        return ValidationError([coded(code, message)])
    return ValidationError([coded(code, message)], field)


def load(schema: marshmallow.Schema, payload, partial: bool = False) -> dict:
    """Validate input, raising Invalid with the offending fields named (dotted for nested)."""
    if not isinstance(payload, dict):
        message = _l("The request body must be a JSON object.")
        raise Invalid(message, code="not_an_object")
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as err:
        flat = flatten_errors(err.normalized_messages())
        first = next(iter(flat))
        message = flat[first][0]
        whole = _l("%(field)s: %(message)s", field=first, message=message)
        raise Invalid(whole, flat, code=code_of(message)) from None


def flatten_errors(messages, prefix: str = "") -> dict[str, list]:
    """{"family_members": {0: {"phone": [..]}}} -> {"family_members.0.phone": [..]}.

    The messages stay as they are (lazy strings are rendered later, in the reader's language).
    """
    flat: dict[str, list] = {}
    if isinstance(messages, list):
        return {prefix or "_schema": list(messages)}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name))
        else:
            flat[name] = list(value) if isinstance(value, list) else [value]
    return flat
