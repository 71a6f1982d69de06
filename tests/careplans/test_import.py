"""Care plans from a station's messy sheet through the shared import engine (API and page)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.careplans.helpers import add_plan, add_resident, item
from tests.factories import id_number

URL = "/api/v1/imports/care-plans"
HEADER = ["序号", "老人姓名", "身份证号码", "服务内容", "频率", "服务时间", "时长（分钟）",
          "付费方式", "注意事项", "填表人"]  # fmt: skip


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def sheet(rows: list[list]) -> bytes:
    """As stations keep it: a title, a blank line, extra columns, a totals line and a note."""
    book = Workbook()
    page = book.active
    for line in [["鼓楼区居家养老服务计划表（2026年1月）"], [], HEADER, *rows, [],
                 [None, "合计", "3人"], ["备注：频率按服务协议填写。"]]:  # fmt: skip
        page.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, confirm: bool = True):
    return client.post(URL + ("?dry_run=false" if confirm else ""),
                       data={"file": (io.BytesIO(data), "服务计划.xlsx")},
                       content_type="multipart/form-data")  # fmt: skip


def good_rows() -> list[list]:
    wang, li = id_number(1), id_number(2)
    return [
        [
            1,
            "王秀英1",
            f" {wang[:6]} {wang[6:14]} {wang[14:]}",
            "助餐",
            "每个工作日",
            "11:00-12:30",
            None,
            "政府购买",
            "少盐",
            "张敏",
        ],
        [2, "王秀英1", wang, "保洁", "FREQ=WEEKLY;BYDAY=WE", "上午或下午", "90", "低偿", "", ""],
        [3, "王秀英1", wang.lower(), "陪伴", "隔周六", "14：30—16：30", 60, "志愿服务", None, ""],
        [4, "王秀英2", full_width(li), "助浴", "每周二和周五", "9点-11点半", None, "自费", "", ""],
    ]


def test_a_messy_sheet_makes_one_plan_per_resident(api, world):
    coord = api("coord_a")
    for seq in (1, 2):
        add_resident(coord, world.station_a, seq, level=3 if seq == 2 else None)
    response = upload(coord, sheet(good_rows()))
    assert response.status_code == 201, response.json
    assert response.json["valid"] == 4
    plans = coord.get("/api/v1/care-plans").json["items"]
    by_name = {p["resident_name"]: p["current"]["items"] for p in plans}
    meal, clean, companion = by_name["王秀英1"]
    assert meal["recurrence"]["zh"] == "每个工作日" and meal["notes"] == "少盐"
    assert meal["windows"] == [{"start": "11:00", "end": "12:30"}]
    assert clean["windows"] == [
        {"start": "08:00", "end": "12:00"},
        {"start": "14:00", "end": "18:00"},
    ]
    assert clean["duration_minutes"] == 90 and clean["funding"] == "low_cost"
    assert companion["volunteer_suitable"] and companion["funding"] == "volunteer"
    assert companion["recurrence"]["zh"] == "隔周六"
    (bath,) = by_name["王秀英2"]
    assert bath["carers"] == 2 and bath["windows"] == [{"start": "09:00", "end": "11:30"}]


def test_every_bad_cell_is_named_at_its_row_and_nothing_is_written(api, world):
    coord = api("coord_a")
    add_resident(coord, world.station_a, 1)
    rows = good_rows()
    rows[0][5] = "午饭时"  # no window
    rows[1][4] = "FREQ=HOURLY"  # not a usable rule
    rows[2][3] = "助浴"  # bathing is not for volunteers
    rows[3][2] = id_number(9)  # nobody registered
    response = upload(coord, sheet(rows))
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"rows.4.服务时间", "rows.5.频率", "rows.6.服务内容", "rows.7.身份证号码"}
    assert coord.get("/api/v1/care-plans").json["total"] == 0


def test_a_second_sheet_adds_a_version_that_continues_the_items(api, world):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每个工作日"), effective_from="2026-01-05")
    rows = [[1, "王秀英1", id_number(1), "助餐", "每天", "11:00-12:00", None, "政府", "", ""]]
    rows[0].append("2026-01-12")
    header = [*HEADER, "生效日期"]
    book = Workbook()
    for line in [header, *rows]:
        book.active.append(line)
    out = io.BytesIO()
    book.save(out)
    assert upload(coord, out.getvalue()).status_code == 201
    plan = coord.get("/api/v1/care-plans").json["items"][0]
    first, second = plan["versions"]
    assert second["effective_from"] == "2026-01-12" and first["effective_to"] == "2026-01-11"
    assert second["items"][0]["line"] == first["items"][0]["line"]  # the same lunch, continued


def test_residents_of_other_stations_do_not_exist_for_the_sheet(api, world):
    add_resident(api("coord_b"), world.station_b, 1)
    response = upload(api("coord_a"), sheet(good_rows()[:1]))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["rows.4.身份证号码"]


def test_the_visits_page_links_the_import_and_the_page_previews(client, login, world):
    login("coord_a")
    page = client.get("/visits").get_data(as_text=True)
    assert "/imports/care-plans" in page
    upload_page = client.get("/imports/care-plans")
    assert upload_page.status_code == 200 and "服务频次" in upload_page.get_data(as_text=True)
    template = client.get("/imports/care-plans/template.xlsx")
    assert template.status_code == 200
