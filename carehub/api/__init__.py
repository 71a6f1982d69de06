"""The REST API under /api/v1: bearer-token auth, JSON errors, OpenAPI and an offline docs page."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, g, render_template, request, send_from_directory

from carehub.api.errors import is_api_request, json_error
from carehub.common.errors import CareHubError

log = logging.getLogger("carehub.api")
PUBLIC_ENDPOINTS = frozenset({"auth_api.Token"})


def init_api(app: Flask) -> None:
    from carehub.auth.api import blp as auth_blp
    from carehub.extensions import api, csrf
    from carehub.imports.api import blp as import_blp
    from carehub.registry.api import blp as registry_blp

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    for blp in (auth_blp, registry_blp, import_blp):
        api.register_blueprint(blp, url_prefix="/api/v1")
        csrf.exempt(blp)
    app.before_request(_authenticate)
    app.register_error_handler(CareHubError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
    app.register_blueprint(_docs_blueprint())


def _authenticate():
    """Resolve the bearer token of every API call, except the one that issues tokens."""
    if not is_api_request() or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint is None or request.endpoint.startswith(("apidocs.", "api-docs.")):
        return None
    if request.path == "/api/v1/openapi.json":
        return None
    from carehub.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        response, code = json_error(
            401, "a valid bearer token is required (POST /api/v1/auth/token)"
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response, code
    g.actor = user
    return None


def _domain_error(error: CareHubError):
    from carehub.extensions import db

    db.session.rollback()
    if is_api_request():
        return json_error(error.status, error.message, error.errors or None)
    code = error.status if error.status in (403, 404) else 400
    return render_template("error.html", code=code, message=error.message), code


def _unexpected(error: Exception):
    from werkzeug.exceptions import HTTPException

    if isinstance(error, HTTPException):
        return error
    from carehub.extensions import db

    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return json_error(500, "internal error; it has been logged")
    return render_template("error.html", code=500), 500


def _docs_blueprint() -> Blueprint:
    import swagger_ui_bundle

    bp = Blueprint("apidocs", __name__, url_prefix="/api/v1/docs")

    @bp.get("/")
    def page():
        return render_template("api/docs.html")

    @bp.get("/assets/<path:filename>")
    def assets(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)

    return bp
