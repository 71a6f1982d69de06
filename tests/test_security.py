"""Cookies and headers: SameSite, Secure behind HTTPS, a CSP without inline scripts, no framing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carehub import create_app, template_folder
from carehub.security import PAGE_POLICY

TEMPLATES = Path(template_folder())
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("url", ["/login", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_every_response_sends_the_security_headers(client, url):
    headers = client.get(url).headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_api_docs_keep_the_policy_and_have_no_inline_script(client):
    response = client.get("/api/v1/docs/")
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert not INLINE.search(response.get_data(as_text=True))
    assert client.get("/static/js/api-docs.js").status_code == 200


def test_no_template_has_inline_script_style_or_event_handler():
    assert len(list(TEMPLATES.rglob("*.html"))) > 10  # the scan below reads real templates
    found = [
        (str(path.relative_to(TEMPLATES)), match[0])
        for path in TEMPLATES.rglob("*.html")
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
    assert "'unsafe-inline'" not in PAGE_POLICY


def test_session_cookie_is_samesite_lax_and_httponly_but_not_secure_over_http(client, world):
    response = client.post("/login", data={"username": "coord_a", "password": "password123"})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def _login_cookie(app) -> str:
    response = app.test_client().post(
        "/login",
        data={"username": "coord_a", "password": "password123"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "settings",
    [{"SESSION_COOKIE_SECURE": True}, {"CAREHUB_PROXY_HOPS": 1}],
    ids=["configured", "behind-an-https-proxy"],
)
def test_session_cookie_is_secure_when_configured_or_behind_https(world, database_url, settings):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                      "CAREHUB_ARGON2_TIME_COST": 1, "CAREHUB_ARGON2_MEMORY_KIB": 1024,
                      **settings})  # fmt: skip
    assert "Secure" in _login_cookie(app)


def test_forwarded_https_is_ignored_without_a_trusted_proxy(world, app):
    assert "Secure" not in _login_cookie(app)


def test_secure_cookies_from_the_environment(monkeypatch):
    monkeypatch.setenv("CAREHUB_SECURE_COOKIES", "1")
    monkeypatch.setenv("CAREHUB_PROXY_HOPS", "2")
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] is True and config["CAREHUB_PROXY_HOPS"] == 2
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["RATELIMIT_ENABLED"] is True
