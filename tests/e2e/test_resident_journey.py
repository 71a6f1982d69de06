"""A coordinator's day in the browser: register a resident (after a typo), assess, find again.

Chinese is the default language, so the test reads what a Chinese-speaking coordinator reads.
"""

from __future__ import annotations

import pytest

from tests.factories import id_number

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 667}


def _log_in(page, base: str, username: str = "coord_a") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/residents")


def test_register_assess_and_find_a_resident(browser, live_server, screenshot):
    page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    _log_in(page, live_server)
    assert page.get_by_role("heading", level=1).inner_text() == "老年人"

    page.get_by_role("link", name="登记老年人").click()
    good = id_number(7)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.fill("#name", "王秀英")
    page.fill("#id_number", wrong)
    page.fill("#address", "鼓楼区中山路8号")
    page.fill("#phone", "13812345678")
    page.check("input[name=categories][value=dibao]")
    page.fill("#family_members-0-name", "李明")
    page.fill("#family_members-0-relationship", "儿子")
    page.fill("#family_members-0-phone", "13900001111")
    page.fill("#family_members-0-agreement_signed_on", "2024-05-01")
    page.check("#family_members-0-lives_away")
    page.get_by_role("button", name="保存").click()

    error = page.locator("#id_number-error")
    assert "校验码不正确" in error.inner_text()
    assert page.input_value("#name") == "王秀英"  # what was typed is kept
    assert page.input_value("#family_members-0-name") == "李明"
    assert page.is_checked("input[name=categories][value=dibao]")
    screenshot(page, "resident-form-error-1366")

    page.fill("#id_number", good)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server}/residents/*")
    assert "王秀英" in page.get_by_role("heading", level=1).inner_text()
    assert good[:4] + "*" * 10 + good[-4:] in page.content()
    assert "居家养老协议" in page.content()

    page.get_by_role("link", name="新增能力评估").click()
    page.select_option("#level", "2")
    page.get_by_role("button", name="保存评估").click()
    page.wait_for_url(f"{live_server}/residents/*")
    assert page.locator("#assessments svg circle").count() == 1
    assert "2级 · 中度失能" in page.locator("#assessments").inner_text()
    screenshot(page, "resident-detail-1366")

    page.get_by_role("link", name="老年人", exact=True).first.click()
    page.fill("#f-q", good)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table.residents tbody tr")
    assert rows.count() == 1
    assert "王秀英" in rows.first.inner_text()
    screenshot(page, "resident-list-1366")
    page.close()


def test_resident_list_is_usable_on_a_phone(app, world, browser, live_server, screenshot):
    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.services.residents import add_assessment, create_resident
    from tests.factories import resident_payload

    with app.app_context():
        coordinator = db.session.scalar(db.select(User).where(User.username == "coord_a"))
        for seq in range(1, 4):
            resident = create_resident(coordinator, resident_payload(world.station_a, seq))
            add_assessment(coordinator, resident.id,
                           {"assessed_on": "2025-06-01", "level": seq, "assessor": "张评估"})  # fmt: skip

    page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    _log_in(page, live_server)
    rows = page.locator("table.residents tbody tr")
    assert rows.count() == 3
    # No sideways scrolling: every card fits the screen width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.locator("table.residents thead").is_visible()
    first = rows.first.locator("td").nth(5)
    label = page.evaluate("el => getComputedStyle(el, '::before').content", first.element_handle())
    assert "能力等级" in label
    # The menu folds behind its button and opens on a tap.
    nav = page.locator("nav.nav")
    assert not nav.is_visible()
    page.locator("label.nav-button").tap()
    assert nav.is_visible()
    screenshot(page, "resident-list-phone")
    page.locator("label.nav-button").tap()

    rows.first.get_by_role("link").tap()
    page.wait_for_url(f"{live_server}/residents/*")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "resident-detail-phone")
    page.close()
