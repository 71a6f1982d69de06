"""CareHub: the platform a district's community home-care network runs on."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from carehub.config import load_config

# Where the Jinja templates are: a checkout (and an editable install) has the top-level
# ``templates/`` next to this package; a wheel installs the same folder as ``carehub_templates``
# beside ``carehub`` in site-packages (setup.py maps it).
_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDERS = (_ROOT / "carehub_templates", _ROOT / "templates")


def template_folder() -> str:
    """The first of TEMPLATE_FOLDERS holding base.html, as an absolute path (cwd plays no part)."""
    for folder in TEMPLATE_FOLDERS:
        if (folder / "base.html").is_file():
            return str(folder)
    raise RuntimeError(f"no templates in {' or '.join(map(str, TEMPLATE_FOLDERS))}")


class CareHubFlask(Flask):
    """Flask whose request is one unit of work: the services flush, the request commits once.

    The commit comes after the view has answered, only when it succeeded (below 400); an error
    raised here (a race lost at commit) goes through the error handlers like any other.
    """

    def dispatch_request(self):
        from carehub.common import tx
        from carehub.extensions import db

        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            tx.commit()
        else:
            db.session.rollback()
        return response


def create_app(config: dict | None = None) -> Flask:
    """The only app factory: settings from CAREHUB_* variables, overridden by ``config``."""
    app = CareHubFlask(__name__, instance_relative_config=True, template_folder=template_folder())
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    if app.config.get("TESTING") and "RATELIMIT_ENABLED" not in (config or {}):
        app.config["RATELIMIT_ENABLED"] = False  # tests log in wrongly on purpose; one test opts in

    from carehub import errors, logs, models, security, web  # noqa: F401  (models: every table)
    from carehub.auth import throttle
    from carehub.careplans import imports as _plan_sheets  # noqa: F401  (registers import sheets)
    from carehub.common import converters
    from carehub.extensions import babel, csrf, db, login_manager, migrate
    from carehub.policy import listeners as _policy_listeners  # noqa: F401  (freezes splits)
    from carehub.policy import sheet as _policy_sheet  # noqa: F401  (registers its sheet)
    from carehub.registry import imports as _registry_sheets  # noqa: F401  (the same)
    from carehub.timebank import listeners as _timebank  # noqa: F401  (visit transition listeners)
    from carehub.visits import followups as _follow_ups  # noqa: F401  (transition listeners)

    converters.install(app)
    logs.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)
    web.init_app(app)
    security.init_app(app)
    throttle.init_app(app)
    errors.register(app)

    from carehub.api import init_api

    init_api(app)

    from carehub.cli import register_commands

    register_commands(app)
    return app
