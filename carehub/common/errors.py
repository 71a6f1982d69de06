"""Domain errors raised by services; the API turns them into DESIGN.md §5 JSON, pages into messages.

A message may be a ``lazy_gettext`` string: it is rendered when read, so a page shows it in the
reader's language and the API (which reads it under the English locale) in English. ``code`` is a
stable name for the kind of error that clients can test instead of the wording (the JSON ``error``).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l


class CareHubError(Exception):
    status = 400
    code: str | None = None

    def __init__(self, message, errors: dict[str, list] | None = None, code: str | None = None):
        super().__init__(message)
        self._message = message
        self._errors = errors or {}
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return _render(self._message)

    @property
    def errors(self) -> dict[str, list[str]]:
        return {field: [_render(m) for m in messages] for field, messages in self._errors.items()}

    @property
    def lazy_message(self):
        """The message as raised (a lazy string renders in whatever language is current)."""
        return self._message

    @property
    def lazy_errors(self) -> dict[str, list]:
        return self._errors

    def to_dict(self) -> dict:
        body = {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
        }
        if self.code:
            body["error"] = self.code
        if self.errors:
            body["errors"] = self.errors
        return body


def _render(message) -> str:
    """A message as text: in the reader's language during a request, else (CLI, jobs) English."""
    if isinstance(message, str) or has_request_context():
        return str(message)
    with force_locale("en"):
        return str(message)


def coded(code: str, message):
    """Tag a lazy message with its error's code, so that the code survives marshmallow (which
    keeps only messages) and reaches the API's ``error`` and the importer's problems."""
    message.code = code
    return message


def code_of(message) -> str | None:
    """The code a message was tagged with (read from ``__dict__``: a lazy string's attribute
    lookup would render it)."""
    return getattr(message, "__dict__", {}).get("code")


class Invalid(CareHubError):
    """Input that breaks a rule; ``errors`` names each offending field."""

    status = 422

    @classmethod
    def field(cls, name: str, message, code: str | None = None) -> Invalid:
        """One field wrong: ``message`` (lazy) at the field, and "field: message" overall."""
        whole = _l("%(field)s: %(message)s", field=name, message=message)
        return cls(whole, {name: [message]}, code=code)


class NotFound(CareHubError):
    status = 404


class Forbidden(CareHubError):
    status = 403


class Conflict(CareHubError):
    status = 409


class Stale(Conflict):
    """The record changed since the client read it (or while this request waited for it).

    No field is wrong, so none is named: the client reloads and decides again.
    """

    code = "stale"

    def __init__(self):
        super().__init__(
            _l(
                "This record was changed by someone else since you opened it. "
                "Reload it to see their changes, then make yours again."
            )
        )
