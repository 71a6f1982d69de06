"""The Content-Security-Policy breaks nothing: Swagger UI starts, the pages draw, no violations."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None
    )
    return found


def test_swagger_ui_runs_under_its_policy(browser, live_server):
    page = browser.new_page()
    violations = _violations(page)
    page.goto(f"{live_server}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "CareHub API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock", timeout=15000)
    assert violations == []


def test_pages_draw_under_the_policy(browser, live_server):
    page = browser.new_page(locale="zh-CN")
    violations = _violations(page)
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/residents")
    for url in ("/residents", "/caregivers", "/volunteers", "/providers", "/residents/new"):
        page.goto(f"{live_server}{url}")
    assert violations == []
