"""Small helpers every API blueprint uses."""

from __future__ import annotations

from flask import g, request

from carehub.common.errors import Invalid


def actor():
    """The account behind the bearer token of this request."""
    return g.actor


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it.

    A body nested thousands deep makes the JSON decoder raise RecursionError (not ValueError, so
    Flask does not turn it into a 400 itself).
    """
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise _BadBody("the request body is nested too deeply") from None
    if body is None:
        raise _BadBody("the request body must be JSON (Content-Type: application/json)")
    if not isinstance(body, dict):
        raise _BadBody("the request body must be a JSON object")
    return body


class _BadBody(Invalid):
    status = 400


def query_args() -> dict:
    return {k: v for k, v in request.args.items() if v != ""}


def page_body(page) -> dict:
    """The page envelope; the endpoint's response schema dumps the items."""
    return {
        "items": page.items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }
