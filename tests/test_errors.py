"""One errors module: every page error is our translated page, every API error §5 JSON."""

from __future__ import annotations

import pytest

from carehub import create_app


@pytest.fixture
def strict(database_url):
    """An app with CSRF checks on, as in production, and a route that fails."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": True})  # fmt: skip

    @app.get("/boom")
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("a bug")

    return app.test_client()


def test_csrf_failure_outside_the_registry_is_our_chinese_page(strict):
    response = strict.post("/logout")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "刷新页面" in page and "CSRF token" not in page
    assert '<html lang="zh-CN">' in page


def test_wrong_method_is_a_translated_page_and_api_json(strict):
    page = strict.put("/login")
    assert page.status_code == 405 and "此页面不支持该操作" in page.get_data(as_text=True)
    assert "GET" in page.headers["Allow"]
    api = strict.put("/api/v1/auth/token", json={})
    assert api.status_code == 405 and api.json["code"] == 405 and api.json["status"]
    assert "POST" in api.headers["Allow"]


def test_a_bug_is_logged_and_answered_without_details(strict):
    page = strict.get("/boom")
    assert page.status_code == 500 and "错误已记录" in page.get_data(as_text=True)
    api = strict.get("/api/v1/boom")
    assert api.status_code in (401, 500) and api.json["code"] == api.status_code
    assert "a bug" not in api.get_data(as_text=True)


def test_unknown_page_and_api_path(client):
    assert "页面或记录不存在" in client.get("/no-such-page").get_data(as_text=True)
    missing = client.get("/api/v1/no-such-thing", headers={"Authorization": "Bearer x"})
    assert missing.json["code"] == missing.status_code
