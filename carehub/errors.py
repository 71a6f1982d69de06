"""Every error handler, for the pages and the API, in one place.

An API request (under ``/api/``) gets DESIGN.md §5 JSON:
``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {"field": [...]}}``;
a page gets ``error.html`` in the reader's language, whatever the error (a refused CSRF token,
a wrong method, a file too large, too many attempts, a bug). Handlers are registered on the app,
not on blueprints, so that no part of the site falls back to Werkzeug's English pages.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from carehub.common.errors import CareHubError
from carehub.common.schema import flatten_errors

log = logging.getLogger("carehub.errors")
# Codes with their own heading on the error page; any other 4xx is shown as 400 ("cannot do that").
PAGE_CODES = frozenset({400, 403, 404, 405, 413, 429, 500})


def register(app: Flask) -> None:
    """Attach every handler; flask-smorest registers none of its own (see CareHubApi)."""
    app.register_error_handler(CareHubError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def json_error(code: int, message: str | None = None, errors: dict | None = None):
    """The §5 body and status, for the API's own refusals (401 without a token, ...)."""
    body = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message or HTTPStatus(code).description,
    }
    if errors:
        body["errors"] = errors
    return jsonify(body), code


def error_page(code: int, message: str | None = None):
    shown = code if code in PAGE_CODES else (500 if code >= 500 else 400)
    return render_template("error.html", code=shown, message=message), code


def _rollback() -> None:
    """Nothing a refused request wrote may reach the next one through the session."""
    from carehub.extensions import db

    db.session.rollback()


def _domain_error(error: CareHubError):
    _rollback()
    if is_api_request():
        with force_locale("en"):  # the API answers in English, with the error's stable code
            return jsonify(error.to_dict()), error.status
    if error.status in (403, 404):  # the page's own words: no English, nothing about others
        return error_page(error.status)
    return error_page(400, error.message)


def _csrf_error(error: CSRFError):
    if is_api_request():
        return json_error(400, error.description)
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    return error_page(400, message)


def _http_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        _rollback()
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if not is_api_request():
        body, status = error_page(code)
        return body, status, headers
    messages = (getattr(error, "data", None) or {}).get("messages")
    errors = _merge_locations(messages) if messages else None
    message = error.description
    if errors:
        first = next(iter(errors))
        message = f"{first}: {errors[first][0]}"
    response, status = json_error(code, message, errors)
    response.headers.extend(headers)
    if code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response, status


def _merge_locations(messages: dict) -> dict:
    """webargs nests errors under the location (json, query, files); callers want the field."""
    merged: dict[str, list[str]] = {}
    with force_locale("en"):  # the API's language; the schemas' messages are lazy
        for location_errors in messages.values():
            flat = flatten_errors(location_errors)
            merged.update({key: [str(m) for m in texts] for key, texts in flat.items()})
    return merged


def _unexpected(error: Exception):
    _rollback()
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
    if is_api_request():
        return json_error(500, "internal error; it has been logged")
    return error_page(500)
