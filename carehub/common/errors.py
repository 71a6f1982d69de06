"""Domain errors raised by services; the API turns them into DESIGN.md §5 JSON, pages into messages."""

from __future__ import annotations

from http import HTTPStatus


class CareHubError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def to_dict(self) -> dict:
        body = {
            "code": self.status,
            "status": HTTPStatus(self.status).phrase,
            "message": self.message,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


class Invalid(CareHubError):
    """Input that breaks a rule; ``errors`` names each offending field."""

    status = 422

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", {name: [message]})


class NotFound(CareHubError):
    status = 404


class Forbidden(CareHubError):
    status = 403


class Conflict(CareHubError):
    status = 409
