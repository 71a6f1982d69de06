"""URL converters: ``<int:...>`` ids bounded to what an INTEGER column holds.

Werkzeug's own ``int`` takes any number of digits, and the database then fails on
``/residents/99999999999999999999999`` (a 500). A bounded converter makes such a URL simply match
no route: a 404, like any other id that does not exist.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from carehub.common.schema import INT_MAX


class IdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install(app: Flask) -> None:
    """Make ``int`` the bounded converter; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
