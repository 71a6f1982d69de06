"""The bureau's policy as a sheet in a browser: the admin exports the version in force, changes
the allowance in the sheet, imports it back as a draft (checked first, every row shown) and finds
the draft beside the version in force."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.policy.helpers import publish

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_export_edit_and_import_a_policy_version(app, world, browser, live_server, screenshot):
    with app.app_context():
        version_id = publish(world.user("admin")).id
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800},
                            accept_downloads=True)  # fmt: skip
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "password123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/policy/{version_id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 XLSX").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    sheet.cell(2, headers.index("每月补贴额度（元）") + 1, 800)
    sheet.cell(2, headers.index("版本名称") + 1, "2027 草案")
    sheet.cell(2, headers.index("生效日期") + 1, "2027-01-01")
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, headers.index("版本名称") + 1).value = None  # as if the cells were merged
    edited = io.BytesIO()
    book.save(edited)

    page.goto(f"{live_server}/policy")
    page.get_by_role("link", name="从表格导入").click()
    page.wait_for_selector("text=版本名称")
    page.set_input_files("#file", files=[{"name": "政策.xlsx", "mimeType": XLSX,
                                          "buffer": edited.getvalue()}])  # fmt: skip
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_load_state()
    screenshot(page, "policy-sheet-preview")
    page.get_by_role("button", name="导入 4 行").click()
    page.wait_for_selector("text=2027 草案")
    page.get_by_role("link", name="2027 草案").click()
    page.wait_for_selector("text=800.00")
    assert page.locator(".badge.draft").count() == 1
    screenshot(page, "policy-sheet-draft")
