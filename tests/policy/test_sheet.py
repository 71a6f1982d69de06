"""Policy versions as a spreadsheet: export, import as drafts, messy sheets, named errors, roles."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from carehub.common.errors import Forbidden
from carehub.extensions import db
from carehub.imports import engine
from carehub.policy import sheet
from carehub.policy.models import PolicyVersion
from carehub.policy.rules import DEFAULT_RULES
from tests.imports.test_import import xlsx_bytes
from tests.policy.helpers import publish

HEADER = ["版本名称", "生效日期", "失效日期", "每月补贴额度（元）", "低偿自付比例", "低偿每月封顶",
          "高龄年龄", "时间银行每月上限（小时）", "条款", "档次", "最低年龄", "人员类别", "能力等级",
          "服务项目"]  # fmt: skip


def csv_bytes(rows, header=HEADER, encoding="utf-8", above=()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([*above, header, *rows])
    return out.getvalue().encode(encoding)


def drafts() -> list[PolicyVersion]:
    query = select(PolicyVersion).where(PolicyVersion.state == "draft").order_by(PolicyVersion.id)
    return list(db.session.scalars(query))


def count() -> int:
    return db.session.scalar(select(func.count(PolicyVersion.id)))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_exported_version_imports_as_the_same_draft(ctx, world, fmt):
    admin = world.user("admin")
    rules = {**DEFAULT_RULES, "timebank": {**DEFAULT_RULES["timebank"], "weights": {"BATH": 150},
             "monthly_cap_minutes": 100, "expiry_months": 36, "hour_value_fen": 3550}}  # fmt: skip
    rules["tiers"] = [*rules["tiers"], {"clause": "§3.3", "tier": "low_cost", "levels": [1],
                                        "services": ["MEAL", "CLEAN"], "min_age": 65}]  # fmt: skip
    original = publish(admin, rules=rules, valid_to="2026-12-31", low_cost_cap="312.45")
    data, mimetype, name = sheet.export(admin, original.id, fmt)
    assert name.endswith(f".{fmt}") and mimetype.startswith(("text/csv", "application/vnd"))

    result = engine.import_(admin, "policy-versions", name, data)
    assert result.ok and result.total == len(rules["tiers"])
    (draft,) = drafts()
    for column in ("name", "district_id", "valid_from", "valid_to", "allowance_fen",
                   "low_cost_share_pct", "low_cost_cap_fen", "elder_age"):  # fmt: skip
        assert getattr(draft, column) == getattr(original, column), column
    assert draft.rules == original.rules
    assert draft.state == "draft"  # a sheet never changes what is in force


def test_export_layout_for_an_accountant(ctx, world):
    admin = world.user("admin")
    version = publish(admin)
    data, _, _ = sheet.export(admin, version.id, "xlsx")
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("区县", "版本名称", "生效日期")
    assert len(rows) == 1 + len(version.rules["tiers"])
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["每月补贴额度（元）"] == 600 and first["时间银行每月上限（小时）"] == 40
    assert first["档次"] == "政府购买" and first["人员类别"] == "三无、五保、优抚、低保"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["版本名称"] == version.name and second["生效日期"] is None  # figures once
    text = sheet.export(admin, version.id, "csv")[0]
    assert text.startswith("\ufeff".encode()) and "条款" in text.decode("utf-8-sig")


def test_a_messy_sheet_is_read_as_people_write_it(ctx, world):
    """A title line, full-width digits, 50%, hours as H:MM, merged name cells, a totals line,
    GBK: one draft with the rules in sheet order."""
    rows = [
        ["2027年 鼓楼区补贴", "２０２７年１月１日", "", "６００元", "50%", "300", "80", "1:40",
         "§1", "政府购买", "70", "三无、低保", "", ""],
        ["", "", "", "", "", "", "", "", "§2", "低偿", "", "", "3级、4级", "助餐,助洁"],
        ["合计", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    data = csv_bytes(rows, encoding="gbk", above=[["居家养老补贴政策"], ["填报单位：鼓楼区民政局"]])
    result = engine.import_(world.user("admin"), "policy-versions", "政策.csv", data)
    assert result.ok, [r.errors for r in result.rows]
    (draft,) = drafts()
    assert draft.valid_from.isoformat() == "2027-01-01" and draft.allowance_fen == 60000
    assert draft.low_cost_share_pct == 50 and draft.low_cost_cap_fen == 30000
    assert draft.rules["timebank"]["monthly_cap_minutes"] == 100
    assert [r["clause"] for r in draft.rules["tiers"]] == ["§1", "§2"]
    assert draft.rules["tiers"][0]["categories_any"] == ["sanwu", "dibao"]
    assert draft.rules["tiers"][1] == {"clause": "§2", "tier": "low_cost", "min_age": 60,
                                       "categories_any": [], "levels": [3, 4],
                                       "services": ["MEAL", "CLEAN"]}  # fmt: skip


def test_an_excel_percentage_cell_is_a_share(ctx, world):
    rows = [["v", "2027-01-01", None, 600, 0.3, 300.5, 80, 40, "§1", "低偿", None, None, 2, None]]
    engine.import_(world.user("admin"), "policy-versions", "p.xlsx", xlsx_bytes(rows, HEADER))
    (draft,) = drafts()
    assert draft.low_cost_share_pct == 30 and draft.low_cost_cap_fen == 30050


def _problems(result) -> dict[int, dict[str, list[str]]]:
    """Codes by row and column; a column by its header's words (cells are read NFKC: （元） is (元))."""
    return {
        r.row: {k.split("(")[0]: v for k, v in r.codes.items()} for r in result.rows if not r.ok
    }


def test_every_problem_is_named_at_its_row_and_column_and_nothing_is_written(ctx, world):
    admin = world.user("admin")
    before = count()
    rows = [
        ["甲", "2027-01-01", "", "600", "50", "300", "80", "40", "§1", "政府购买", "", "", "", ""],
        ["甲", "", "", "700", "", "", "", "", "§2", "免费", "", "", "", ""],
        ["甲", "", "", "", "", "", "", "", "§1", "低偿", "", "", "9", ""],
        ["乙", "", "", "600", "150%", "300", "80", "0.01", "§1", "低偿", "", "", "", "扫地"],
    ]  # fmt: skip
    result = engine.preview(admin, "policy-versions", "p.csv", csv_bytes(rows))
    found = _problems(result)
    assert "contradicts_first_row" in found[3]["每月补贴额度"]
    assert found[3]["档次"] == ["unknown_value"]
    assert "能力等级" in found[4]  # level 9
    assert found[5]["生效日期"] == ["required"]  # a new version's first row
    assert "低偿自付比例" in found[5]  # 150 %
    assert "not_minutes" in found[5]["时间银行每月上限"]
    assert "unknown_value" in found[5]["服务项目"]
    with pytest.raises(engine.ImportRejected):
        engine.import_(admin, "policy-versions", "p.csv", csv_bytes(rows))
    assert count() == before


def test_a_version_missing_its_start_or_repeating_a_clause_is_refused(ctx, world):
    rows = [
        ["甲", "", "", "600", "50", "300", "80", "40", "§1", "政府购买", "", "", "", ""],
        ["乙", "2027-01-01", "", "600", "50", "300", "80", "40", "§1", "低偿", "", "", "", ""],
        ["乙", "", "", "", "", "", "", "", "§1", "政府购买", "", "", "", ""],
    ]  # fmt: skip
    result = engine.preview(world.user("admin"), "policy-versions", "p.csv", csv_bytes(rows))
    found = _problems(result)
    assert found[2]["生效日期"] == ["required"]
    assert "duplicate_clause" in found[4]["条款"]
    assert count() == 0


def test_only_the_admin_imports_and_the_bureau_exports(ctx, world):
    version = publish(world.user("admin"))
    data = sheet.export(world.user("auditor"), version.id, "csv")[0]
    for username in ("coord_a", "auditor", "manager"):
        with pytest.raises(Forbidden):
            engine.preview(world.user(username), "policy-versions", "p.csv", data)
    with pytest.raises(Forbidden):
        sheet.export(world.user("coord_a"), version.id, "csv")


def test_api_export_and_import(ctx, world, api, client):
    version = publish(world.user("admin"))
    admin = api("admin")
    got = admin.get(f"/api/v1/policy-versions/{version.id}/export?format=csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "§3.1a" in got.data.decode("utf-8-sig")
    assert admin.get(f"/api/v1/policy-versions/{version.id}/export?format=pdf").status_code == 422
    assert api("coord_a").get(f"/api/v1/policy-versions/{version.id}/export").status_code == 403
    upload = {"file": (io.BytesIO(got.data), "policy.csv")}
    done = admin.post("/api/v1/imports/policy-versions?dry_run=false", data=upload,
                      content_type="multipart/form-data")  # fmt: skip
    assert done.status_code == 201, done.json
    assert len(drafts()) == 1


def test_pages_link_the_sheet_both_ways(ctx, world, login):
    version = publish(world.user("admin"))
    admin = login("admin")
    assert "/imports/policy-versions" in admin.get("/policy").get_data(as_text=True)
    page = admin.get(f"/policy/{version.id}").get_data(as_text=True)
    assert f"/policy/{version.id}/export.xlsx" in page
    xlsx = admin.get(f"/policy/{version.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    upload = admin.get("/imports/policy-versions").get_data(as_text=True)
    assert "版本名称" in upload and "条款" in upload
    assert login("coord_a").get("/imports/policy-versions").status_code == 403


def test_every_cell_message_renders(ctx, world):
    """Messages with a literal % are escaped; each names what was written."""
    rows = [["v", "2027-01-01", "", "x", "半", "300", "80", "40", "§1", "低偿", "", "", "", ""]]
    header = [*HEADER, "服务折算", "区县"]
    data = csv_bytes([[*rows[0], "助洁=很多", "浦口区"]], header=header)
    result = engine.preview(world.user("admin"), "policy-versions", "p.csv", data)
    (row,) = result.rows
    texts = {k.split("(")[0]: v for k, v in row.errors.items()}
    assert "x" in texts["每月补贴额度"][0] and "50%" in texts["低偿自付比例"][0]
    assert "助洁=很多" in texts["服务折算"][0] and "120%" in texts["服务折算"][0]
    assert "浦口区" in texts["区县"][0]
