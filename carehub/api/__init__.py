"""The REST API under /api/v1: bearer-token auth, OpenAPI and an offline docs page (errors: carehub.errors)."""

from __future__ import annotations

from flask import Blueprint, Flask, g, render_template, request, send_from_directory

from carehub.errors import is_api_request, json_error

# (endpoint, method) pairs that need no token: the one that issues tokens.
PUBLIC = frozenset({("auth_api.Token", "POST")})


def init_api(app: Flask) -> None:
    from carehub.auth.api import blp as auth_blp
    from carehub.careplans.api import blp as careplans_blp
    from carehub.extensions import api, csrf
    from carehub.imports.api import blp as import_blp
    from carehub.jobs.api import blp as jobs_blp
    from carehub.policy.api import blp as policy_blp
    from carehub.registry.api import blp as registry_blp
    from carehub.scheduling.api import blp as scheduling_blp
    from carehub.settlement.api import blp as settlement_blp
    from carehub.timebank.api import blp as timebank_blp
    from carehub.visits.api import blp as visits_blp
    from carehub.visits.execution_api import blp as execution_blp

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    domains = (auth_blp, registry_blp, import_blp, careplans_blp, visits_blp, jobs_blp,
               scheduling_blp, execution_blp, policy_blp, settlement_blp, timebank_blp)  # fmt: skip
    for blp in domains:
        api.register_blueprint(blp, url_prefix="/api/v1")
        csrf.exempt(blp)
    app.before_request(_authenticate)
    app.register_blueprint(_docs_blueprint())


def _authenticate():
    """Resolve the bearer token of every API call, except the one that issues tokens."""
    if not is_api_request() or (request.endpoint, request.method) in PUBLIC:
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
    g.actor, g.api_token = user, token.strip()
    return None


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
