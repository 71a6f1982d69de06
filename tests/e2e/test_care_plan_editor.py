"""A coordinator writes a care plan in the editor (after a typo) and sees the next two weeks.

Chinese is the default language, so the test reads what a Chinese-speaking coordinator reads.
The screenshots it leaves in test-artifacts/ are the ones in docs/screenshots/.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.factories import resident_payload

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 900}
MONDAY = "2026-01-05"  # the calendar starts on a Monday, six weeks before 春节


@pytest.fixture
def resident_id(app, world, monkeypatch) -> int:
    from sqlalchemy import select

    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.services import residents

    monkeypatch.setitem(app.config, "CAREHUB_TODAY", MONDAY)
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.username == "coord_a"))
        resident = residents.create_resident(coordinator, resident_payload(world.station_a))
        residents.add_assessment(coordinator, resident.id,
                                 {"assessed_on": "2025-12-01", "level": 3, "assessor": "张评估"})  # fmt: skip
        return resident.id


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/residents")


def _row(page, n: int, service: str, often: str, start: str, end: str, notes: str = "") -> None:
    page.select_option(f"select[name=items-{n}-service_code]", service)
    page.fill(f"input[name=items-{n}-recurrence]", often)
    page.fill(f"input[name=items-{n}-w1s]", start)
    page.fill(f"input[name=items-{n}-w1e]", end)
    page.fill(f"input[name=items-{n}-notes]", notes)


def test_write_a_plan_and_see_the_fortnight(app, browser, live_server, resident_id, screenshot):
    page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    _log_in(page, live_server)
    page.goto(f"{live_server}/residents/{resident_id}")
    page.get_by_role("link", name="制定计划").click()
    assert "护理计划" in page.get_by_role("heading", level=1).inner_text()

    _row(page, 0, "MEAL", "每个工作日", "11:00", "12:30", "少油少盐")
    _row(page, 1, "BATH", "每周二和周五", "09:00", "11:30", "需两人协助转移")
    screenshot(page, "care-plan-editor-1366")
    page.fill("input[name=items-1-recurrence]", "每周八")
    page.get_by_role("button", name="保存计划").click()
    error = page.wait_for_selector("td p.error")  # the page comes back with the error at its field
    assert "无法使用的服务周期" in error.inner_text()
    assert page.input_value("input[name=items-1-recurrence]") == "每周八"  # kept as typed
    assert page.input_value("input[name=items-0-notes]") == "少油少盐"

    page.fill("input[name=items-1-recurrence]", "每周二和周五")
    page.get_by_role("button", name="保存计划").click()
    page.wait_for_url(f"{live_server}/residents/{resident_id}*")

    plan = page.locator("#care-plan")
    assert "每个工作日" in plan.inner_text() and "每周二和周五" in plan.inner_text()
    with app.app_context():
        from carehub.careplans.generation import generate
        from carehub.extensions import db

        result = generate(None, 14)
        db.session.commit()
    assert result.created == 10 + 4  # ten workday lunches, two baths a week
    page.reload()
    chips = page.locator("table.fortnight .visit-chip")
    assert chips.count() == 14
    assert page.locator("table.fortnight .visit-chip.planned").count() == 14
    ARTIFACTS.mkdir(exist_ok=True)
    plan.screenshot(path=str(ARTIFACTS / "resident-fortnight-1366.png"))
