"""A provider's month end to end in Chinese: the manager drafts and submits the claim, the bureau
auditor approves one line and rejects another with a reason, the manager sees both decisions and
downloads the accountant's sheet, the admin records the payment, and the coordinator prints a
resident's statement."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carehub.extensions import db
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.policy.helpers import add_visit, api_as, publish, verify

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _login(browser, live_server, username: str, width: int = 1280):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 800},
                            accept_downloads=True)  # fmt: skip
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    return page


@pytest.fixture
def month(app, world, client):
    """Two verified government meals of one resident in March 2026."""
    with app.app_context():
        publish(world.user("admin"))
        admin = api_as(client, world)("admin")
        resident = db.session.get(Resident, add_resident(admin, world.station_a))
        for day in (date(2026, 3, 2), date(2026, 3, 3)):
            verify(world.user("admin"), add_visit(resident, day=day))
        return {"resident": resident.id}


def test_a_claim_from_draft_to_paid(app, world, browser, live_server, screenshot, month):
    manager = _login(browser, live_server, "manager")
    manager.goto(f"{live_server}/claims")
    manager.fill("#d-month", "2026-03")
    manager.get_by_role("button", name="生成或更新草稿").click()
    manager.wait_for_selector("text=2026-03")
    claim_url = manager.url
    assert manager.locator("tbody tr", has_text="2026-03-0").count() == 2
    manager.get_by_role("button", name="提交民政局").click()
    manager.wait_for_selector(".badge.submitted")

    auditor = _login(browser, live_server, "auditor")
    auditor.goto(claim_url)
    first = auditor.locator("tbody tr", has_text="2026-03-02")
    first.get_by_role("button", name="通过").click()
    auditor.wait_for_selector("text=已通过")
    second = auditor.locator("tbody tr", has_text="2026-03-03")
    second.get_by_role("textbox").fill("服务照片缺失")
    second.get_by_role("button", name="驳回").click()
    auditor.wait_for_selector("text=服务照片缺失")
    assert auditor.get_by_role("button", name="提交民政局").count() == 0  # decides, nothing else

    manager.reload()
    manager.wait_for_selector("text=服务照片缺失")
    assert manager.locator("svg.chart rect").count() >= 4  # the station's bar and the legend
    with manager.expect_download() as download:
        manager.get_by_role("link", name="Excel").click()
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
                .iter_rows(values_only=True))  # fmt: skip
    assert rows[0][0] == "工单号" and rows[-1][0] == "合计" and len(rows) == 4
    DOCS.mkdir(exist_ok=True)
    shutil.copy(screenshot(manager, "claim-decided"), DOCS / "claim.png")

    admin = _login(browser, live_server, "admin")
    admin.goto(claim_url)
    admin.get_by_role("button", name="登记拨付").click()
    admin.wait_for_selector(".badge.paid")

    desk = _login(browser, live_server, "coord_a", 360)
    desk.goto(f"{live_server}/residents/{month['resident']}/statement?month=2026-03")
    desk.wait_for_selector("text=30.00")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
