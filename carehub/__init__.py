"""CareHub: the platform a district's community home-care network runs on."""

from __future__ import annotations

import os

from flask import Flask

from carehub.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """The only app factory: settings from CAREHUB_* variables, overridden by ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)

    from carehub import logs, models, web  # noqa: F401  (models: every table registered)
    from carehub.common import converters
    from carehub.extensions import babel, csrf, db, login_manager, migrate

    converters.install(app)
    logs.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    web.init_app(app)

    from carehub.api import init_api

    init_api(app)

    from carehub.cli import register_commands

    register_commands(app)
    return app
