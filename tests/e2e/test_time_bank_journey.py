"""The time bank end to end in Chinese: a volunteer logs hours on a 360 px phone, the
coordinator verifies them in bulk and records the volunteer's mother, the volunteer sees the
balance rise and gives her hours; the auditor opens the liability page."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.timebank.helpers import add_resident, add_volunteer

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _login(browser, live_server, username: str, width: int = 1280):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 800})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    return page


def test_hours_logged_verified_and_given(app, world, browser, live_server, screenshot):
    with app.app_context():
        volunteer_id, _token = add_volunteer(world.station_a, username="journey_vol")
        mother = add_resident(world.user("coord_a"), world.station_a, born=date(1940, 2, 2))
    phone = _login(browser, live_server, "journey_vol", 360)
    phone.goto(f"{live_server}/time-bank/me")
    phone.fill("#a-date", "2026-01-04")
    phone.fill("#a-min", "90")
    phone.fill("#a-desc", "陪老人散步")
    phone.locator("form", has=phone.locator("#a-desc")).get_by_role("button").click()
    desk = _login(browser, live_server, "coord_a")
    desk.goto(f"{live_server}/time-bank/pending")
    desk.get_by_role("button", name="审核通过所选").click()
    desk.goto(f"{live_server}/time-bank/kin?volunteer_id={volunteer_id}")
    desk.fill("#n-res", str(mother))
    desk.select_option("#n-rel", "parent")
    desk.fill("#n-ev", "户口本")
    desk.get_by_role("button", name="登记", exact=True).click()
    desk.wait_for_selector("text=户口本")
    phone.goto(f"{live_server}/time-bank/me")
    phone.wait_for_selector("text=1小时30分")
    phone.fill("#g-min", "30")
    phone.locator("form", has=phone.locator("#g-min")).get_by_role("button").click()
    phone.wait_for_selector("text=1小时00分")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    DOCS.mkdir(exist_ok=True)
    shutil.copy(screenshot(phone, "time-bank-journey-phone"), DOCS / "time-bank-phone.png")
    auditor = _login(browser, live_server, "auditor")
    auditor.goto(f"{live_server}/time-bank/liability")
    auditor.wait_for_selector("svg")
    shutil.copy(screenshot(auditor, "time-bank-liability"), DOCS / "time-bank-liability.png")
