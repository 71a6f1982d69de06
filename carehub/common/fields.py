"""marshmallow's fields with their messages marked for translation.

marshmallow speaks English ("Not a valid integer."). The fields here carry ``lazy_gettext`` messages
instead, so a page shows each refusal in the reader's language and the API (which renders errors
under the English locale) in English; nothing is translated afterwards by matching text. Schemas
import ``fields`` from here rather than from marshmallow.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields as mm
from marshmallow.fields import Method  # noqa: F401  (output only: nothing to refuse)

# Not "validator_failed": marshmallow tests it for truth (rendering it too early), and no validator
# of CareHub returns False instead of raising its own message.
_ANY = {"required": _l("Required."), "null": _l("Required.")}
_NUMBER = {"too_large": _l("The number is too large.")}


class Field(mm.Field):
    default_error_messages = _ANY


class Raw(mm.Raw):
    default_error_messages = _ANY


class String(mm.String):
    default_error_messages = {
        **_ANY,
        "invalid": _l("Enter text."),
        "invalid_utf8": _l("Enter text."),
    }


class Integer(mm.Integer):
    default_error_messages = {**_ANY, **_NUMBER, "invalid": _l("Enter a whole number.")}


class Float(mm.Float):
    default_error_messages = {
        **_ANY,
        **_NUMBER,
        "invalid": _l("Enter a number."),
        "special": _l("Enter a finite number."),
    }


class Boolean(mm.Boolean):
    default_error_messages = {**_ANY, "invalid": _l("Enter true or false.")}


class Date(mm.Date):
    default_error_messages = {**_ANY, "invalid": _l("Enter a date (YYYY-MM-DD).")}


class Time(mm.Time):
    """A time of day, documented by a pattern (apispec gives a strftime-formatted time none)."""

    default_error_messages = {**_ANY, "invalid": _l("Enter a time (HH:MM).")}
    HH_MM = r"^([01]\d|2[0-3]):[0-5]\d$"
    ISO = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"

    def __init__(self, *args, **kwargs):
        pattern = self.HH_MM if kwargs.get("format") == "%H:%M" else self.ISO
        metadata = {"pattern": pattern, **kwargs.pop("metadata", {})}
        super().__init__(*args, metadata=metadata, **kwargs)


class DateTime(mm.DateTime):
    default_error_messages = {**_ANY, "invalid": _l("Enter a date and time (ISO 8601).")}


class List(mm.List):
    default_error_messages = {**_ANY, "invalid": _l("Must be a list.")}


class Dict(mm.Dict):
    default_error_messages = {**_ANY, "invalid": _l("Must be an object.")}


class Nested(mm.Nested):
    default_error_messages = {**_ANY, "type": _l("Must be an object.")}
