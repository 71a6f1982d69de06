"""Bulk import: every bad row named with its reasons, all-or-nothing, encodings, XLSX, scoping."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from carehub.audit.models import AuditEvent
from carehub.auth.models import User
from carehub.common.errors import Forbidden, Invalid
from carehub.extensions import db
from carehub.imports import engine as importer
from carehub.imports import reading
from carehub.imports.problems import FileError
from carehub.registry.models import AbilityAssessment, Caregiver, Provider, Resident
from carehub.registry.services import residents
from tests.factories import id_number, resident_payload

HEADER = [
    "姓名",
    "身份证号",
    "联系电话",
    "住址",
    "所属服务站",
    "居住情况",
    "类别",
    "能力等级",
    "纬度",
    "经度",
]


def person(name: str, number: str, phone="13812345678", station="S-A") -> list[str]:
    return [name, number, phone, "鼓楼区宁海路5号2栋301室", station, "独居", "低保、优抚", "1",
            "32.05", "118.77"]  # fmt: skip


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def csv_bytes(rows: list[list], header=HEADER, encoding="utf-8", title: str | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow([title])
    writer.writerows([header, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header=HEADER) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


MIXED = [
    person("王秀英", id_number(1)),  # row 2: fine
    person("李桂兰", bad_check_digit(id_number(2))),  # row 3
    person("", id_number(3)),  # row 4: no name
    person("张玉兰", id_number(4), station="S-X"),  # row 5
    person("刘淑珍", id_number(1)),  # row 6: same person as row 2
    person("陈凤英", id_number(5)),  # row 7: registered already
    person("杨玉珍", id_number(6), phone="12345"),  # row 8
    person("赵兰英", id_number(7)),  # row 9: fine
]


@pytest.fixture
def registered(world, ctx):
    """One resident already in the database (the ID number of row 7 above)."""
    residents.create_resident(user("coord_a"), resident_payload(world.station_a, seq=5))
    return world


def test_preview_names_every_bad_row_and_column_and_writes_nothing(registered):
    before = count(Resident), count(AuditEvent)
    result = importer.preview(user("coord_a"), "residents", "名单.csv", csv_bytes(MIXED))
    assert [r.status for r in result.rows] == ["ok"] + ["error"] * 6 + ["ok"]
    problems = {r.row: r.errors for r in result.bad_rows}
    assert {row: list(errors) for row, errors in problems.items()} == {
        3: ["身份证号"], 4: ["姓名"], 5: ["所属服务站"], 6: ["身份证号"], 7: ["身份证号"], 8: ["联系电话"],
    }  # fmt: skip
    codes = {r.row: r.codes for r in result.bad_rows}
    assert "check digit" in result.bad_rows[0].problems[0][1].english
    assert codes[5] == {"所属服务站": ["unknown_station"]}
    assert codes[6] == {"身份证号": ["duplicate_in_file"]}
    assert "row 2" in dict(result.bad_rows[3].problems)["身份证号"].english
    assert "cannot be registered here" in problems[7]["身份证号"][0]
    assert (result.total, result.valid, result.invalid, result.created_ids) == (8, 2, 6, [])
    assert (count(Resident), count(AuditEvent)) == before


def test_import_is_all_or_nothing(registered):
    coordinator = user("coord_a")
    before = count(Resident), count(AbilityAssessment), count(AuditEvent)
    with pytest.raises(importer.ImportRejected) as refused:
        importer.import_(coordinator, "residents", "名单.csv", csv_bytes(MIXED))
    assert "rows.3.身份证号" in refused.value.errors and "rows.8.联系电话" in refused.value.errors
    assert refused.value.status == 422
    assert (count(Resident), count(AbilityAssessment), count(AuditEvent)) == before

    good = [MIXED[0], MIXED[-1]]
    result = importer.import_(coordinator, "residents", "名单.csv", csv_bytes(good))
    assert result.imported and len(result.created_ids) == 2
    assert count(Resident) == before[0] + 2 and count(AbilityAssessment) == before[1] + 2
    created = db.session.get(Resident, result.created_ids[0])
    assert created.categories == ["dibao", "youfu"] and created.household == "alone"
    assert created.current_assessment.level == 1 and created.birth_date.year == 1945
    summary = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(summary) == 1 and summary[0].changes["ids"] == result.created_ids


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings_and_a_title_row(registered, encoding):
    data = csv_bytes([MIXED[0]], encoding=encoding, title="五台山社区居家养老服务对象花名册")
    result = importer.preview(user("coord_a"), "residents", "roster.csv", data)
    assert [(r.row, r.label, r.status) for r in result.rows] == [(3, "王秀英", "ok")]


def test_english_headers_and_ignored_columns(registered):
    header = ["name", "id_number", "address", "station", "household", "remarks"]
    data = csv_bytes([["Wang", id_number(8), "鼓楼区1号", "s-a", "with_family", "x"]], header)
    result = importer.preview(user("admin"), "residents", "roster.csv", data)
    assert result.ok and result.ignored_columns == ["remarks"]


def test_xlsx_with_dates_numbers_and_an_id_stored_as_a_number(registered):
    header = [
        *HEADER,
        "评估日期",
        "紧急联系人",
        "联系人电话",
        "联系人是否异地",
        "居家养老协议签订日期",
    ]
    good = person("王秀英", id_number(1))
    good[2] = 13812345678  # Excel keeps phone numbers as numbers
    good += [datetime(2025, 3, 1), "李明", 13900001111, "是", datetime(2024, 5, 1)]
    numeric_id = person("李桂兰", id_number(2))
    numeric_id[1] = float(id_number(2))
    result = importer.import_(
        user("coord_a"), "residents", "roster.xlsx", xlsx_bytes([good], header)
    )
    resident = db.session.get(Resident, result.created_ids[0])
    assert resident.current_assessment.assessed_on.isoformat() == "2025-03-01"
    assert resident.phone_masked == "138****5678"
    family = resident.family_members[0]
    assert (
        family.lives_away and family.emergency_contact and family.agreement_signed_on.year == 2024
    )

    result = importer.preview(
        user("coord_a"), "residents", "r.xlsx", xlsx_bytes([numeric_id], header)
    )
    assert result.rows[0].codes["身份证号"] == ["id_as_number"]


def test_a_coordinator_imports_only_into_own_stations(registered):
    data = csv_bytes([MIXED[0]])
    assert importer.preview(user("coord_a"), "residents", "r.csv", data).ok
    other = importer.preview(user("coord_b"), "residents", "r.csv", data)
    assert other.rows[0].codes == {"所属服务站": ["unknown_station"]}
    with pytest.raises(Forbidden):
        importer.preview(user("auditor"), "residents", "r.csv", data)


CAREGIVER_HEADER = ["姓名", "性别", "联系电话", "服务机构", "所属服务站", "技能", "工作时间", "出行方式",
                    "证书名称", "发证日期", "证书有效期至"]  # fmt: skip


def test_caregivers_with_skills_hours_and_certificates(world, ctx):
    credit_code = db.session.scalar(select(Provider.credit_code))
    hours = "周一至周五 08:00-12:00,13:30-17:30；周六 09:00-12:00"
    good = ["周丽", "女", "13700001111", credit_code, "S-A", "助餐、保洁、助浴", hours, "电动车",
            "健康证", "2025-01-10", "2026-01-09"]  # fmt: skip
    bad = [
        "吴军",
        "男",
        "13700002222",
        "不存在的公司",
        "S-A",
        "飞行",
        "有空就来",
        "开车",
        "",
        "",
        "",
    ]
    data = csv_bytes([good, bad], CAREGIVER_HEADER)
    preview = importer.preview(user("coord_a"), "caregivers", "staff.csv", data)
    assert preview.rows[0].ok
    assert set(preview.rows[1].errors) == {"服务机构", "技能", "工作时间", "出行方式"}

    result = importer.import_(
        user("coord_a"), "caregivers", "staff.csv", csv_bytes([good], CAREGIVER_HEADER)
    )
    carer = db.session.get(Caregiver, result.created_ids[0])
    assert carer.skills == ["bathing", "cleaning", "meal"] and carer.travel_mode == "ebike"
    assert len(carer.working_hours) == 11 and carer.certificates[0].kind == "健康证"


@pytest.mark.parametrize(
    ("filename", "data", "fragment"),
    [
        ("a.png", b"\x89PNG\r\n\x1a\n\x00\x00", "file_type"),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8, "file_xls"),
        ("a.xlsx", b"PK\x03\x04broken", "file_unreadable"),
        ("a.csv", b"", "file_empty"),
        ("a.csv", "姓名,住址\n王,鼓楼\n".encode(), "missing_columns"),
        ("a.csv", b"hello,world\n1,2\n", "no_header"),
        ("a.csv", ",".join(HEADER).encode(), "no_rows"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(world, ctx, filename, data, fragment):
    with pytest.raises(FileError) as refused:
        importer.preview(user("admin"), "residents", filename, data)
    assert refused.value.code == fragment and refused.value.errors["file"]


def test_too_many_rows(world, ctx, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    rows = [person(f"王{i}", id_number(i)) for i in range(1, 5)]
    with pytest.raises(Invalid) as refused:
        importer.preview(user("admin"), "residents", "a.csv", csv_bytes(rows))
    assert refused.value.code == "too_many_rows" and "3" in refused.value.errors["file"][0]
    assert importer.preview(user("admin"), "residents", "a.csv", csv_bytes(rows[:3])).ok


# --- the API -----------------------------------------------------------------------------------


def upload(data: bytes, name: str = "roster.csv") -> dict:
    return {"data": {"file": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}


def test_api_preview_import_and_errors(api, world, client):
    coordinator = api("coord_a")
    url = "/api/v1/imports/residents"
    missing = coordinator.post(url, data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in missing.json["errors"]
    wrong = coordinator.post(url, **upload(b"\x89PNG\r\n\x1a\n\x00", "photo.png"))
    assert wrong.status_code == 422 and "file" in wrong.json["errors"]

    mixed = csv_bytes(MIXED[:3])
    preview = coordinator.post(url, **upload(mixed))
    assert preview.status_code == 200, preview.json
    assert [r["status"] for r in preview.json["rows"]] == ["ok", "error", "error"]
    assert preview.json["rows"][1]["errors"]["身份证号"] and not preview.json["imported"]
    # a service's (here the ID number check's) code and English message, whatever the locale
    problem = preview.json["rows"][1]["problems"][0]
    assert problem["code"] == "id_check_digit" and problem["message"].startswith("The check digit")

    refused = coordinator.post(url + "?dry_run=false", **upload(mixed))
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"rows.3.身份证号", "rows.4.姓名"}
    assert coordinator.get("/api/v1/residents").json["total"] == 0

    done = coordinator.post(url + "?dry_run=false", **upload(csv_bytes(MIXED[:1])))
    assert done.status_code == 201 and len(done.json["created_ids"]) == 1
    assert coordinator.get("/api/v1/residents").json["total"] == 1
    assert api("auditor").post(url, **upload(mixed)).status_code == 403
    scoped = api("coord_b").post(url, **upload(csv_bytes(MIXED[-1:])))
    assert scoped.json["rows"][0]["problems"][0]["code"] == "unknown_station"
    assert "S-A" in scoped.json["rows"][0]["errors"]["所属服务站"][0]

    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/imports/{kind}"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "201", "400", "422"} <= set(operation["responses"])


# --- the pages ---------------------------------------------------------------------------------


def form(data: bytes, name: str = "roster.csv", **fields) -> dict:
    return {"data": {"file": (io.BytesIO(data), name), **fields},
            "content_type": "multipart/form-data"}  # fmt: skip


def hidden(page: str, name: str) -> str:
    import re

    return re.search(rf'name="{name}" value="([^"]*)"', page)[1]


def test_pages_preview_then_import(world, login, app):
    client = login("coord_a")
    assert "身份证号" in client.get("/imports/residents").get_data(as_text=True)

    bad = client.post("/imports/residents/preview", **form(csv_bytes(MIXED[:2])))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "李桂兰" in page and 'name="ticket"' not in page

    good = client.post("/imports/residents/preview", **form(csv_bytes([MIXED[0], MIXED[-1]])))
    page = good.get_data(as_text=True)
    ticket, data = hidden(page, "ticket"), hidden(page, "data")
    tampered = client.post("/imports/residents/confirm", data={"ticket": ticket, "data": "QUJD"})
    assert tampered.status_code == 302 and "/imports/residents" in tampered.location
    done = client.post("/imports/residents/confirm", data={"ticket": ticket, "data": data})
    assert done.status_code == 302 and done.location.endswith("/residents")
    with app.app_context():
        assert count(Resident) == 2
    assert client.post("/imports/residents/preview", data={}).status_code == 400


def test_templates_carry_the_headers(world, login):
    client = login("coord_a")
    text = client.get("/imports/residents/template.csv").data
    assert text.startswith(b"\xef\xbb\xbf") and "身份证号".encode() in text
    book = load_workbook(io.BytesIO(client.get("/imports/caregivers/template.xlsx").data))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["姓名", "性别"]
    assert client.get("/imports/nothing").status_code == 404


def test_a_large_file_is_chosen_again_and_must_match_the_checked_one(world, login, monkeypatch):
    from carehub.imports import views

    monkeypatch.setattr(views, "INLINE_LIMIT", 10)
    client = login("coord_a")
    good = csv_bytes([MIXED[0]])
    page = client.post("/imports/residents/preview", **form(good)).get_data(as_text=True)
    assert 'name="data"' not in page and 'type="file"' in page
    ticket = hidden(page, "ticket")
    other = csv_bytes([MIXED[-1]])
    mismatch = client.post("/imports/residents/confirm", **form(other, ticket=ticket))
    assert mismatch.status_code == 302 and mismatch.location.endswith("/imports/residents")
    done = client.post("/imports/residents/confirm", **form(good, ticket=ticket))
    assert done.status_code == 302 and done.location.endswith("/residents")
    client.post("/logout")
    stolen = login("coord_b").post("/imports/residents/confirm", **form(good, ticket=ticket))
    assert stolen.status_code == 302 and stolen.location.endswith("/imports/residents")
