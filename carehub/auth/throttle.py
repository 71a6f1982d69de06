"""Throttling wrong passwords, per user name and per client address.

Flask-Limiter gives the storage (memory:// in one process, redis:// shared by several) and the
moving-window counting; only wrong passwords are counted, so people who type well are never held
up. Each app gets its own limiter (tests build several apps in one process).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

EXTENSION = "carehub.throttle"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.extensions[EXTENSION] = Limiter(get_remote_address, app=app)


def _checks(username: str) -> list[tuple]:
    """(limit, key) pairs: every limit on the user name and every limit on the address."""
    cfg = current_app.config
    name = username.strip().lower()[:40]
    address = request.remote_addr or "unknown"
    return [
        (item, ("login-user", name)) for item in parse_many(cfg["CAREHUB_LOGIN_LIMIT_PER_USER"])
    ] + [
        (item, ("login-address", address))
        for item in parse_many(cfg["CAREHUB_LOGIN_LIMIT_PER_ADDRESS"])
    ]


def check(username: str) -> None:
    """Refuse (429, with Retry-After) while this user name or this address has failed too often."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    if not limiter.enabled:
        return
    for item, key in _checks(username):
        if not limiter.limiter.test(item, *key):
            reset = limiter.limiter.get_window_stats(item, *key).reset_time
            raise TooManyRequests(
                "too many wrong passwords; try again later",
                retry_after=max(1, int(reset - time.time()) + 1),
            )


def failed(username: str) -> None:
    """Count one wrong password against the user name and the address."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    if limiter.enabled:
        for item, key in _checks(username):
            limiter.limiter.hit(item, *key)
