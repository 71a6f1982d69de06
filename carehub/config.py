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
        # Cookies: never sent by another site's form or frame; Secure when told so, or when the
        # request came over HTTPS (see carehub.security).
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": _env("SECURE_COOKIES", "0") == "1",
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
        "CAREHUB_PROXY_HOPS": int(_env("PROXY_HOPS", "0")),
        # Wrong passwords, counted per user name and per client address (Flask-Limiter's storage:
        # memory:// per process; give redis://host:6379 when several processes serve the site).
        "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "CAREHUB_LOGIN_LIMIT_PER_USER": _env("LOGIN_LIMIT_PER_USER", "5 per minute;20 per hour"),
        "CAREHUB_LOGIN_LIMIT_PER_ADDRESS": _env(
            "LOGIN_LIMIT_PER_ADDRESS", "30 per minute;200 per hour"
        ),
    }
