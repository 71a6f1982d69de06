"""Settings read from ``CAREHUB_*`` environment variables.

Every web process reads the same environment, so nothing a second process needs is kept in memory.
"""

from __future__ import annotations

import os
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"CAREHUB_{name}", default)


def load_config(instance_path: str) -> dict:
    """Build the Flask config from the environment, with defaults fit for a local trial."""
    db_url = _env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'carehub.db'}"
    secret = _env("SECRET_KEY") or "dev-only-secret-change-me"
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CAREHUB_TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        # Key for encrypting personal data at rest; derived from SECRET_KEY unless given.
        "CAREHUB_DATA_KEY": _env("DATA_KEY"),
        "CAREHUB_TOKEN_HOURS": int(_env("TOKEN_HOURS", "12")),
        "CAREHUB_LOG_JSON": _env("LOG_JSON", "0") == "1",
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "API_TITLE": "CareHub API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "PAGE_SIZE": 25,
    }
