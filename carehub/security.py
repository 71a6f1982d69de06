"""HTTP hardening: proxy headers, cookie flags and the security headers of every response.

A dozen lines of after_request rather than flask-talisman: Talisman's last release is from 2023,
and most of what it does (forcing HTTPS, HSTS preloading, feature policies) belongs to the proxy
in front. What is here is fixed text, checked by tests/test_security.py.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: every page loads its scripts and styles from /static.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (/api/v1/docs/) runs under the same policy: its start-up script is a static file
# and it sets styles through the DOM, which style-src does not govern (tests/e2e/test_csp.py).
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is Secure when configured or when served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or _https()


def _https() -> bool:
    try:
        return request.is_secure
    except RuntimeError:  # outside a request
        return False


def init_app(app: Flask) -> None:
    hops = app.config["CAREHUB_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.session_interface = SessionInterface()
    app.after_request(_security_headers)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
