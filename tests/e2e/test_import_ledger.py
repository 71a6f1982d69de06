"""A coordinator imports the station's own ledger in the browser: a messy sheet is checked row by
row, corrected, checked again and imported. Chinese is the default language, as stations read it."""

from __future__ import annotations

import pytest

from tests.imports.test_ledgers import ledger_rows, ledger_xlsx

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, data: bytes) -> None:
    page.set_input_files("#file", files=[{"name": "花名册.xlsx", "mimeType": XLSX, "buffer": data}])
    page.get_by_role("button", name="检查文件").click()


def _rows(page) -> list[tuple[str, str, str]]:
    cells = page.locator("table.import-rows tbody tr")
    return [
        tuple(cells.nth(i).locator("td").nth(j).inner_text().strip() for j in range(3))
        for i in range(cells.count())
    ]


def test_a_coordinator_imports_a_messy_ledger(browser, live_server, screenshot):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "coord_a")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/residents")
    page.get_by_role("link", name="批量导入老年人").click()

    messy = ledger_rows()
    messy[1][6] = "12-34"  # a phone that is not one
    messy[2][10] = "住养老院"  # a living situation the registry does not know
    _upload(page, ledger_xlsx(messy))
    page.locator("summary", has_text="全部行").click()
    rows = _rows(page)
    assert [(r[0], r[1]) for r in rows] == [("5", "王秀英"), ("6", "李桂兰"), ("7", "张玉兰")]
    assert rows[0][2] == "正确" and "问题" in rows[1][2] and "问题" in rows[2][2]
    problems = page.locator("table.import-problems").inner_text()
    assert "手机号" in problems and "居住情况" in problems and "住养老院" in problems
    assert "表头位于第 4 行" in page.content()
    screenshot(page, "import-ledger-problems-1366")

    _upload(page, ledger_xlsx())
    page.locator("summary", has_text="全部行").wait_for()
    assert [r[2] for r in _rows(page)] == ["正确"] * 3
    screenshot(page, "import-ledger-ready-1366")
    page.get_by_role("button", name="导入 3 行").click()
    page.wait_for_url(f"{live_server}/residents")
    listed = page.content()
    assert "王秀英" in listed and "李桂兰" in listed and "张玉兰" in listed
