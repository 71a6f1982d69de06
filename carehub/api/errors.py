"""JSON errors for the REST API, in the shape of DESIGN.md §5."""

from __future__ import annotations

from http import HTTPStatus

from flask import jsonify, render_template, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from carehub.common.schema import flatten_errors


def json_error(code: int, message: str | None = None, errors: dict | None = None):
    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message or HTTPStatus(code).description,
    }
    if errors:
        body["errors"] = errors
    return jsonify(body), code


def is_api_request() -> bool:
    return request.path.startswith("/api/")


class CareHubApi(Api):
    """flask-smorest's Api, with errors flattened to {field: [...]} and HTML kept for pages."""

    def handle_http_exception(self, error: HTTPException):
        if not is_api_request():
            code = error.code or 500
            if code in (403, 404, 500):
                return render_template("error.html", code=code), code
            return error
        messages = (getattr(error, "data", None) or {}).get("messages")
        errors = _merge_locations(messages) if messages else None
        message = error.description
        if errors:
            first = next(iter(errors))
            message = f"{first}: {errors[first][0]}"
        response, code = json_error(error.code or 500, message, errors)
        if error.code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, code


def _merge_locations(messages: dict) -> dict:
    """webargs nests errors under the location (json, query, files); callers want the field."""
    merged: dict[str, list[str]] = {}
    for location_errors in messages.values():
        merged.update(flatten_errors(location_errors))
    return merged
