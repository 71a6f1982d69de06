"""marshmallow's validators with their messages marked for translation (see ``fields``).

Each keeps marshmallow's checks and replaces only the message: a ``lazy_gettext`` string with its
parameters, rendered in the reader's language on a page and in English by the API. The message is
raised in a list, as marshmallow expects of a validator's messages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import validate as mm


class Length(mm.Length):
    """A text's length in characters, or how many items a list holds."""

    def _format_error(self, value, message: str) -> list:
        if self.error:
            return [self.error]
        if not isinstance(value, str):
            return [self._items(message)]
        if message is self.message_equal:
            return [_l("Must be exactly %(equal)s characters.", equal=self.equal)]
        if message is self.message_min:
            return [_l("At least %(min)s characters.", min=self.min)]
        if message is self.message_max:
            return [_l("At most %(max)s characters.", max=self.max)]
        if self.min == 1:
            return [_l("Required; at most %(max)s characters.", max=self.max)]
        return [_l("Must be %(min)s to %(max)s characters long.", min=self.min, max=self.max)]

    def _items(self, message: str):
        if message is self.message_equal:
            return _l("Give exactly %(equal)s items.", equal=self.equal)
        if message is self.message_min:
            return _l("Give at least %(min)s items.", min=self.min)
        if message is self.message_max:
            return _l("Give at most %(max)s items.", max=self.max)
        return _l("Give %(min)s to %(max)s items.", min=self.min, max=self.max)


class Range(mm.Range):
    """A number between bounds; the message names the bound that was crossed."""

    def _format_error(self, value, message: str) -> list:
        if self.error:
            return [self.error]
        if message is self.message_all and self.min_inclusive and self.max_inclusive:
            return [_l("Must be between %(min)s and %(max)s.", min=self.min, max=self.max)]
        below = self.min is not None and (
            value < self.min if self.min_inclusive else value <= self.min
        )
        if below:
            if self.min_inclusive:
                return [_l("Must be at least %(min)s.", min=self.min)]
            return [_l("Must be more than %(min)s.", min=self.min)]
        if self.max_inclusive:
            return [_l("Must be at most %(max)s.", max=self.max)]
        return [_l("Must be less than %(max)s.", max=self.max)]


class OneOf(mm.OneOf):
    """One of a list of values (codes, not words: the list is the same in every language)."""

    def _format_error(self, value) -> list:
        return [_l("Choose one of: %(choices)s.", choices=self.choices_text)]
