"""The carer's phone (360 x 740, Chinese): check in, lose the network, check out, and the record
queued on the phone arrives with its original time once the network is back."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from carehub.common import clock
from carehub.extensions import db
from carehub.visits.execution_models import CheckEvent
from tests.visits.execution_helpers import HOME, freeze, published_day

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_check_out_queued_offline_arrives_with_its_time(app, api, world, browser, live_server):
    day = published_day(app, api, world, start=clock.utc_now())
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  geolocation={"latitude": HOME[0], "longitude": HOME[1],
                                               "accuracy": 15},
                                  permissions=["geolocation"])  # fmt: skip
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text
            else None)  # fmt: skip
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "carer1")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/my-day")
    assert "王秀英1" in page.inner_text("main")
    page.get_by_role("button", name="签到").click()
    page.wait_for_selector("button[data-check=out]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "carer-day-checked-in.png"), full_page=True)

    context.set_offline(True)
    page.get_by_role("button", name="签退").click()
    page.wait_for_selector("#queue-status.warning")
    queued = page.evaluate("JSON.parse(localStorage.getItem('carehub.checks.queue'))")
    assert len(queued) == 1 and queued[0]["kind"] == "out"
    page.screenshot(path=str(SHOTS / "carer-day-offline-queued.png"), full_page=True)
    with app.app_context():
        assert db.session.scalar(select(CheckEvent).where(CheckEvent.kind == "out")) is None

    context.set_offline(False)
    page.wait_for_selector("input[name=code]", timeout=15000)  # sent, reloaded: now completed
    assert page.evaluate("localStorage.getItem('carehub.checks.queue')") == "[]"
    page.screenshot(path=str(SHOTS / "carer-day-completed.png"), full_page=True)
    with app.app_context():
        out = db.session.scalar(select(CheckEvent).where(CheckEvent.kind == "out"))
        original = datetime.fromisoformat(queued[0]["client_at"].replace("Z", "+00:00"))
        assert out.offline and abs((out.at - original).total_seconds()) < 0.001
        assert out.received_at >= out.at
        assert out.visit_id == day.visit_ids[0] and out.visit.state == "completed"
    assert violations == []
    context.close()


def test_the_coordinator_sees_alerts_and_quality(app, api, world, browser, live_server,
                                                 monkeypatch):  # fmt: skip
    """At 10:00 a visit of the 09:00 window nobody started is an alert; quality draws SVG."""
    ten = datetime.combine(clock.local_today(), time(10), tzinfo=clock.timezone())
    freeze(monkeypatch, ten.astimezone(UTC))
    published_day(app, api, world, start=clock.utc_now())
    page = browser.new_page(locale="zh-CN", viewport={"width": 1100, "height": 800})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/station/alerts")
    assert page.locator("tr.alert-not_started").count() == 1
    page.screenshot(path=str(SHOTS / "station-alerts.png"), full_page=True)
    page.goto(f"{live_server}/station/quality")
    assert page.locator("figure.chart svg").count() == 2
    page.screenshot(path=str(SHOTS / "station-quality.png"), full_page=True)
    page.close()
