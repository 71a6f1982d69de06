"""Wiring for the HTML side: locale, login, blueprints, error pages and the health check."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from carehub.extensions import db, login_manager

LOCALES = ("zh", "en")


def select_locale() -> str:
    """Chinese unless the person asked for English (?lang=en, remembered in the session)."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["lang"] = asked
    return session.get("lang", "zh")


def select_timezone() -> str:
    from flask import current_app

    return current_app.config["CAREHUB_TIMEZONE"]


def init_app(app: Flask) -> None:
    from carehub.auth.models import User
    from carehub.auth.views import bp as auth_bp
    from carehub.imports.views import bp as import_bp
    from carehub.registry.views import bp as registry_bp
    from carehub.ui import register_template_helpers

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    app.register_blueprint(auth_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(import_bp)
    register_template_helpers(app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:  # report, never raise: a load balancer reads this
            return jsonify(status="error", database=str(exc.__class__.__name__)), 503
        return jsonify(status="ok", database="ok")

    for code in (403, 404, 500):
        app.register_error_handler(code, _error_page(code))


def _error_page(code: int):
    def handler(error):
        if request.path.startswith("/api/"):
            from carehub.api.errors import json_error

            return json_error(code)
        return render_template("error.html", code=code), code

    return handler
