"""Ledgers as stations really keep them: titles and notes around the header, other spellings of the
columns, no station column, messy phones, totals lines, levels without a date, several problems in
one row. Every sheet here is made by the test (XLSX with openpyxl, CSV in GBK)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from carehub.audit.models import AuditEvent
from carehub.auth.models import User
from carehub.common import crypto
from carehub.common.tx import unit_of_work
from carehub.extensions import db
from carehub.imports import engine
from carehub.imports.problems import FileError
from carehub.registry.models import AbilityAssessment, Resident
from carehub.registry.services import residents
from tests.factories import id_number, resident_payload

TITLE = ["五台山社区居家养老服务对象花名册"]
UNIT = ["填报单位：五台山社区居家养老服务站", None, None, "填报日期：2026年11月20日"]
HEADER = ["序号", "老人姓名", "性别", "身份证号码", "出生日期", "家庭住址", "手机号",
          "紧急联系人", "联系方式", "能力评估等级", "居住情况", "备注"]  # fmt: skip


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def ledger_rows() -> list[list]:
    return [
        [1, "王秀英", "女", id_number(1), datetime(1945, 3, 8), "鼓楼区宁海路5号", "138-1234-5678",
         "李明", "139 0000 1111", "2", "独居", ""],
        [2, "李桂兰", "女", full_width(id_number(2)), "1945-03-08", "鼓楼区宁海路7号",
         full_width("13700002222"), "", "025-8888 1234", "中度失能", "空巢", "腿脚不便"],
        [3, "张玉兰", "女性", id_number(3), None, "鼓楼区宁海路9号", "13500003333/13600004444",
         None, None, None, "与子女同住", None],
    ]  # fmt: skip


def ledger_xlsx(rows: list[list] | None = None, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in [TITLE, UNIT, [], header, *(rows or ledger_rows()), [], [None, "合计", "3人"],
                 ["备注：本表由社区居委会填报，电话以家属提供为准。"]]:  # fmt: skip
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gbk_csv(rows: list[list], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([TITLE, UNIT, header, *rows, ["合  计3人", "", "", ""], []])
    return out.getvalue().encode("gbk")


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_station_ledger_imports_as_it_is(world, ctx):
    result = engine.import_(user("coord_a"), "residents", "花名册.xlsx", ledger_xlsx())
    assert [(r.row, r.label, r.status) for r in result.rows] == [
        (5, "王秀英", "ok"), (6, "李桂兰", "ok"), (7, "张玉兰", "ok")
    ]  # fmt: skip
    assert result.header_row == 4 and result.skipped_rows == [9, 10]
    assert result.ignored_columns == ["序号", "备注"] and result.station_id == world.station_a
    wang, li, zhang = (db.session.get(Resident, i) for i in result.created_ids)
    assert {wang.station_id, li.station_id, zhang.station_id} == {world.station_a}
    assert crypto.decrypt(wang.phone_enc) == "13812345678"
    assert crypto.decrypt(li.phone_enc) == "13700002222"
    assert li.id_number_hash == crypto.blind_index(id_number(2))  # full-width digits read as ASCII
    assert crypto.decrypt(wang.family_members[0].phone_enc) == "13900001111"
    assert li.family_members[0].name == "紧急联系人"  # the ledger gives the phone only
    assert crypto.decrypt(li.family_members[0].phone_enc) == "02588881234"
    assert zhang.family_members == [] and zhang.current_assessment is None
    assert crypto.decrypt(zhang.phone_enc) == "13500003333"  # the first of two numbers


def test_a_level_without_a_date_is_what_the_station_reported(world, ctx):
    result = engine.import_(user("coord_a"), "residents", "花名册.xlsx", ledger_xlsx())
    wang = db.session.get(Resident, result.created_ids[0])
    level = wang.current_assessment
    assert (level.level, level.source) == (2, "reported")
    assert level.assessor == "五台山站"  # the station that reported it, not the importing user

    header = [*HEADER, "评估日期"]
    dated = [[*ledger_rows()[0], datetime(2025, 6, 1)]]
    residents_before = count(Resident)
    dated[0][3] = id_number(4)
    result = engine.import_(user("coord_a"), "residents", "b.xlsx", ledger_xlsx(dated, header))
    assessed = db.session.get(Resident, result.created_ids[0]).current_assessment
    assert (assessed.source, assessed.assessed_on) == ("assessment", date(2025, 6, 1))
    assert count(Resident) == residents_before + 1


def test_every_problem_of_a_row_and_of_every_row_is_named(world, ctx):
    rows = ledger_rows()
    rows[0][3] = id_number(1)[:-1] + ("1" if id_number(1)[-1] != "1" else "2")  # check digit
    rows[0][6] = "12-34"  # not a phone
    rows[0][10] = "住养老院"  # not a living situation
    rows[1][9] = "7级"  # no such level
    result = engine.preview(user("coord_a"), "residents", "名单.csv", gbk_csv(rows))
    assert [r.status for r in result.rows] == ["error", "error", "ok"]
    first, second = result.rows[0].codes, result.rows[1].codes
    assert set(first) == {"身份证号码", "手机号", "居住情况"}
    assert first["居住情况"] == ["unknown_value"] and second == {"能力评估等级": ["unknown_value"]}
    assert result.skipped_rows == [7]  # the 合  计 line; the blank line is simply nothing


def test_an_admin_chooses_the_station_of_a_ledger_without_one(world, ctx):
    admin = user("admin")
    with pytest.raises(FileError) as refused:
        engine.preview(admin, "residents", "a.xlsx", ledger_xlsx())
    assert refused.value.code == "choose_station"
    result = engine.import_(admin, "residents", "a.xlsx", ledger_xlsx(), world.station_b)
    stations = {db.session.get(Resident, i).station_id for i in result.created_ids}
    assert stations == {world.station_b}
    with pytest.raises(FileError) as other:
        engine.preview(user("coord_a"), "residents", "a.xlsx", ledger_xlsx(), world.station_b)
    assert other.value.code == "unknown_default_station"  # not one of the coordinator's


def test_a_failed_row_rolls_back_only_itself(world, ctx):
    """Row 5's resident is written, then its assessment is refused: its savepoint undoes both,
    the rows after it are checked as usual, and a preview leaves nothing behind."""
    header = [*HEADER, "评估日期"]
    rows = [[*row, None] for row in ledger_rows()]
    rows[0][12] = datetime(2099, 1, 1)  # an assessment in the future
    before = count(Resident), count(AbilityAssessment)
    result = engine.preview(user("coord_a"), "residents", "a.xlsx", ledger_xlsx(rows, header))
    assert [r.status for r in result.rows] == ["error", "ok", "ok"]
    assert list(result.rows[0].codes) == ["评估日期"]
    assert (count(Resident), count(AbilityAssessment)) == before
    with pytest.raises(engine.ImportRejected):
        engine.import_(user("coord_a"), "residents", "a.xlsx", ledger_xlsx(rows, header))
    assert (count(Resident), count(AbilityAssessment)) == before


def test_services_inside_a_unit_of_work_flush_and_do_not_commit(world, ctx):
    coordinator = user("coord_a")
    with unit_of_work():
        created = residents.create_resident(coordinator, resident_payload(world.station_a))
        assert created.id is not None  # flushed
    db.session.rollback()
    assert count(Resident) == 0
    with unit_of_work():
        residents.create_resident(coordinator, resident_payload(world.station_a))
        db.session.commit()  # the owner of the unit of work commits once
    assert count(Resident) == 1
    residents.create_resident(coordinator, resident_payload(world.station_a, seq=2))
    db.session.rollback()  # outside a unit of work the service committed by itself
    assert count(Resident) == 2


def test_api_takes_the_station_and_names_codes(api, world):
    admin = api("admin")
    url = f"/api/v1/imports/residents?station_id={world.station_b}"
    data = {"file": (io.BytesIO(ledger_xlsx()), "花名册.xlsx")}
    preview = admin.post(url, data=data, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.json
    assert preview.json["valid"] == 3 and preview.json["skipped_rows"] == [9, 10]
    missing = admin.post(
        "/api/v1/imports/residents",
        data={"file": (io.BytesIO(ledger_xlsx()), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 422 and "station" in missing.json["errors"]["file"][0]
    assert admin.post("/api/v1/imports/nothing", data={"file": (io.BytesIO(b"x"), "a.csv")},
                      content_type="multipart/form-data").status_code == 404  # fmt: skip


def test_volunteers_import_the_same_way(world, ctx):
    header = ["姓名", "身份证号", "手机号", "特长"]
    rows = [["周志强", id_number(20, born=date(1958, 5, 1), sex="M"), "139-0000-2222", "理发"]]
    result = engine.import_(user("coord_a"), "volunteers", "v.csv", gbk_csv(rows, header))
    assert result.imported and len(result.created_ids) == 1


def test_a_conflict_in_the_fast_path_falls_back_to_a_savepoint_per_row(world, ctx, monkeypatch):
    """Someone registers a resident of the sheet after the engine looked: the batch is refused by
    the database, rolled back, and the rows are run one by one to name the culprit."""
    from carehub.registry import imports as registry_imports

    coordinator = user("coord_a")
    taken = ledger_rows()[1][3]
    payload = resident_payload(world.station_a, seq=2)
    assert payload["id_number"] == id_number(2) and taken == full_width(id_number(2))
    residents.create_resident(coordinator, payload)
    monkeypatch.setattr(
        registry_imports.RESIDENTS, "prepare", lambda ctx, _p: ctx.lookups.update(registered=set())
    )
    result = engine.preview(coordinator, "residents", "a.xlsx", ledger_xlsx())
    assert [r.status for r in result.rows] == ["ok", "error", "ok"]
    assert "cannot be registered here" in result.rows[1].problems[0][1].english
    assert count(Resident) == 1


def test_the_pages_take_a_ledger_row_by_row(world, login, app):
    import re

    client = login("coord_a")
    upload = client.get("/imports/residents").get_data(as_text=True)
    assert "老人姓名" in upload and "联系方式" in upload  # the other spellings are listed
    rows = ledger_rows()
    rows[2][6] = "12-34"
    data = {"file": (io.BytesIO(ledger_xlsx(rows)), "花名册.xlsx")}
    page = client.post("/imports/residents/preview", data=data).get_data(as_text=True)
    statuses = re.findall(r'<tr data-row="(\d+)"><td[^>]*>\d+</td><td[^>]*>([^<]+)</td>', page)
    assert statuses == [("5", "王秀英"), ("6", "李桂兰"), ("7", "张玉兰")]
    assert "表头位于第 4 行" in page and "已跳过合计行和备注行：第 9, 10 行" in page
    assert "手机号</td>" in page and 'name="ticket"' not in page
    good = {"file": (io.BytesIO(ledger_xlsx()), "花名册.xlsx")}
    page = client.post("/imports/residents/preview", data=good).get_data(as_text=True)
    ticket = re.search(r'name="ticket" value="([^"]*)"', page)[1]
    payload = re.search(r'name="data" value="([^"]*)"', page)[1]
    done = client.post("/imports/residents/confirm", data={"ticket": ticket, "data": payload})
    assert done.status_code == 302 and done.location.endswith("/residents")
    with app.app_context():
        assert count(Resident) == 3


def test_a_reported_level_is_shown_as_reported(world, login, app):
    with app.app_context():
        result = engine.import_(user("coord_a"), "residents", "a.xlsx", ledger_xlsx())
        wang = result.created_ids[0]
    page = login("coord_a").get(f"/residents/{wang}").get_data(as_text=True)
    assert "服务站台账填报" in page and "服务站填报的等级，未经评估" in page


def test_a_large_sheet_takes_the_fast_path(world, ctx, monkeypatch):
    """Clean rows are written by bulk INSERTs, not by the service row by row (which stays the
    fallback): the records are whole all the same."""
    from carehub.registry import imports as registry_imports

    def no_service(*_args):
        raise AssertionError("the row-by-row service was used")

    monkeypatch.setattr(registry_imports.RESIDENTS, "create", no_service)
    header = [*HEADER, "评估日期", "类别"]
    rows = [[*row, None, "低保、优抚"] for row in ledger_rows()]
    rows[1][12] = datetime(2025, 6, 1)
    result = engine.import_(user("coord_a"), "residents", "a.xlsx", ledger_xlsx(rows, header))
    wang, li, _ = (db.session.get(Resident, i) for i in result.created_ids)
    assert wang.created_at is not None and wang.categories == ["dibao", "youfu"]
    assert wang.family_members[0].phone_masked == "139****1111"
    assert (wang.current_assessment.source, li.current_assessment.source) == (
        "reported",
        "assessment",
    )
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["create", "assess"] * 2 + ["create", "import"]


def test_every_problem_of_the_resident_and_its_assessment(world, ctx):
    header = [*HEADER, "评估日期"]
    rows = [[*ledger_rows()[0], datetime(2099, 1, 1)]]
    rows[0][5] = ""  # no address
    result = engine.preview(user("coord_a"), "residents", "a.xlsx", ledger_xlsx(rows, header))
    assert set(result.rows[0].codes) == {"家庭住址", "评估日期"}


def test_every_registered_kind_has_its_pages(world, login):
    client = login("coord_a")
    for kind, header in (
        ("residents", "老人姓名"),
        ("caregivers", "服务机构"),
        ("volunteers", "特长"),
    ):
        page = client.get(f"/imports/{kind}")
        assert page.status_code == 200 and header in page.get_data(as_text=True)
        assert client.get(f"/imports/{kind}/template.xlsx").status_code == 200


def test_an_admin_chooses_the_station_on_the_upload_page(world, login, app):
    import re

    client = login("admin")
    page = client.get("/imports/residents").get_data(as_text=True)
    assert 'name="station_id"' in page and "S-B" in page
    data = {"file": (io.BytesIO(ledger_xlsx()), "花名册.xlsx")}
    refused = client.post("/imports/residents/preview", data=data)
    assert refused.status_code == 422 and "请选择这些行所属的服务站" in refused.get_data(
        as_text=True
    )
    data = {"file": (io.BytesIO(ledger_xlsx()), "花名册.xlsx"), "station_id": str(world.station_b)}
    page = client.post("/imports/residents/preview", data=data).get_data(as_text=True)
    assert "未填写服务站的行将导入到华侨路站" in page
    ticket = re.search(r'name="ticket" value="([^"]*)"', page)[1]
    payload = re.search(r'name="data" value="([^"]*)"', page)[1]
    client.post("/imports/residents/confirm", data={"ticket": ticket, "data": payload})
    with app.app_context():
        stations = db.session.scalars(select(Resident.station_id)).all()
        assert stations == [world.station_b] * 3
