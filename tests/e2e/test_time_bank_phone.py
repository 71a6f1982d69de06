"""The volunteer's time-bank page on a 360 px phone: nothing wider than the screen, no CSP
violation, and logging an activity from the phone puts it among the pending hours."""

from __future__ import annotations

import pytest

from tests.timebank.helpers import add_volunteer

pytestmark = pytest.mark.e2e


def test_the_volunteer_page_fits_a_360_px_phone(app, world, browser, live_server, screenshot):
    with app.app_context():
        add_volunteer(world.station_a, username="phone_vol")
    page = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text
            else None)  # fmt: skip
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "phone_vol")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/time-bank/me")
    page.fill("#a-date", "2026-01-04")
    page.fill("#a-min", "50")
    page.fill("#a-desc", "楼道清洁")
    page.locator("form", has=page.locator("#a-desc")).get_by_role("button").click()
    page.wait_for_selector("text=楼道清洁")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "time-bank-phone")
    assert violations == []
