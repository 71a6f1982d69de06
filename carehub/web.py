"""Wiring for the HTML side: locale, login, blueprints and the health check."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from carehub.extensions import db, login_manager

LOCALES = ("zh", "en")
LANG_COOKIE = "carehub_lang"
LANG_COOKIE_DAYS = 365


def select_locale() -> str:
    """The reader's explicit choice (?lang=, then its cookie), else the browser's, else Chinese."""
    for choice in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in LOCALES:
            return choice
    return request.accept_languages.best_match(LOCALES, default="zh")


def remember_language(response):
    """``?lang=`` is a choice: keep it in a cookie, so every later page speaks that language."""
    asked = request.args.get("lang")
    if asked in LOCALES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=LANG_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.session_interface.get_cookie_secure(current_app),
        )
    return response


def select_timezone() -> str:
    return current_app.config["CAREHUB_TIMEZONE"]


def init_app(app: Flask) -> None:
    from carehub.auth.services import user_for_session
    from carehub.auth.views import bp as auth_bp
    from carehub.careplans import editor, views  # noqa: F401  (they add the blueprint's routes)
    from carehub.careplans.blueprint import bp as careplans_bp
    from carehub.imports.views import bp as import_bp
    from carehub.jobs.views import bp as jobs_bp
    from carehub.notices.views import bp as notices_bp
    from carehub.policy import views as policy_views
    from carehub.registry.views import bp as registry_bp
    from carehub.scheduling.views import bp as scheduling_bp
    from carehub.settlement.views import bp as settlement_bp
    from carehub.timebank.views import bp as timebank_bp
    from carehub.ui import register_template_helpers
    from carehub.visits.views import bp as execution_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")

    @login_manager.user_loader
    def load_user(session_id: str):
        return user_for_session(session_id)

    app.register_blueprint(auth_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(import_bp)
    app.register_blueprint(careplans_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(scheduling_bp)
    app.register_blueprint(execution_bp)
    app.register_blueprint(settlement_bp)
    policy_views.init_app(app)
    app.register_blueprint(timebank_bp)
    register_template_helpers(app)
    app.after_request(remember_language)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:  # report, never raise: a load balancer reads this
            return jsonify(status="error", database=str(exc.__class__.__name__)), 503
        return jsonify(status="ok", database="ok")
