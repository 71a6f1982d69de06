"""Pages: the resident's plan and fortnight, the station's visits, the holiday calendar."""

from __future__ import annotations

from tests.careplans.helpers import add_plan, add_resident, generate, item


def test_resident_page_shows_the_plan_in_words_and_two_weeks(api, world, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每个工作日"), item("CLEAN", "每周一"))
    generate(coord, days=3)
    page = login("coord_a").get(f"/residents/{resident}").get_data(as_text=True)
    assert "每个工作日" in page and "每周一" in page
    assert "护理计划" in page and "未来两周" in page and "政府购买服务" in page
    assert page.count('class="visit-chip planned"') == 4  # 5-7 January: three meals, one cleaning
    assert 'class="visit-chip preview"' in page  # the rest of the fortnight, not generated yet


def test_resident_page_in_english(api, world, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("BATH", "每周二和周五"))
    client = login("coord_a")
    page = client.get(f"/residents/{resident}?lang=en").get_data(as_text=True)
    assert "every Tuesday and Friday" in page


def test_visits_page_filters_and_scoping(api, world, login):
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每天"),
             item("CLEAN", "每周一"))  # fmt: skip
    generate(coord, days=7)
    client = login("coord_a")
    day = client.get("/visits?day=2026-01-05").get_data(as_text=True)
    assert day.count('class="badge planned"') == 2
    week = client.get("/visits?day=2026-01-05&span=week&service_code=MEAL").get_data(as_text=True)
    assert week.count('class="badge planned"') == 7
    bad = client.get("/visits?state=lost")
    assert bad.status_code == 200 and "flash error" in bad.get_data(as_text=True)
    client.post("/logout")
    other = login("coord_b").get("/visits?day=2026-01-05&span=week").get_data(as_text=True)
    assert 'class="badge planned"' not in other


def test_holiday_calendar_page(world, login):
    client = login("admin")
    page = client.get("/holidays?year=2026").get_data(as_text=True)
    assert "2026-02-14" in page and "Spring Festival" in page
    unknown = client.get("/holidays?year=2031").get_data(as_text=True)
    assert "flash error" in unknown
    saved = client.post("/holidays?year=2031", data={"day": "2031-01-01", "is_workday": "false",
                                                     "name": "元旦"})  # fmt: skip
    assert saved.status_code == 302
    assert "元旦" in client.get("/holidays?year=2031").get_data(as_text=True)
    assert client.post("/holidays/2031-01-01/delete").status_code == 302
    client.post("/logout")
    coord = login("coord_a")
    assert coord.get("/holidays?year=2026").status_code == 200
    assert coord.post("/holidays?year=2031", data={"day": "2031-01-02", "is_workday": "false"}
                      ).status_code == 403  # fmt: skip


def _row(i: int, **fields) -> dict:
    base = {"service_code": "MEAL", "recurrence": "每个工作日", "w1s": "11:00", "w1e": "12:30",
            "funding": "government"}  # fmt: skip
    return {f"items-{i}-{k}": v for k, v in {**base, **fields}.items()}


def test_plan_editor_writes_a_plan_then_a_version(api, world, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    client = login("coord_a")
    url = f"/residents/{resident}/care-plan"
    assert client.get(url).status_code == 200
    first = client.post(url, data={"rows": "2", **_row(0), **_row(1, service_code="")})
    assert first.status_code == 302, first.get_data(as_text=True)[:300]
    plan = coord.get("/api/v1/care-plans").json["items"][0]
    assert plan["current"]["items"][0]["recurrence"]["zh"] == "每个工作日"
    form = client.get(url).get_data(as_text=True)
    assert 'value="每个工作日"' in form
    line = plan["current"]["items"][0]["line"]
    second = client.post(url, data={"rows": "2", "effective_from": "2026-02-01", "reason": "加助洁",
                                    **_row(0, line=str(line)),
                                    **_row(1, service_code="CLEAN", recurrence="每周一",
                                           w1s="09:00", w1e="11:00")})  # fmt: skip
    assert second.status_code == 302
    current = coord.get(f"/api/v1/care-plans/{plan['id']}").json["current"]
    assert [i["service_code"] for i in current["items"]] == ["MEAL", "CLEAN"]
    assert current["items"][0]["line"] == line


def test_plan_editor_shows_errors_at_the_field(api, world, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    client = login("coord_a")
    response = client.post(f"/residents/{resident}/care-plan",
                           data={"rows": "2", **_row(0, service_code=""),
                                 **_row(1, recurrence="每逢初一")})  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and "每逢初一" in page  # the row comes back as typed
    assert coord.get("/api/v1/care-plans").json["total"] == 0
    client.post("/logout")
    assert login("coord_b").get(f"/residents/{resident}/care-plan").status_code == 404


def test_volunteer_page_for_the_volunteer_and_the_coordinator(app, api, world, client, login):
    coord = api("coord_a")
    from carehub.auth.services import create_user
    from tests.factories import id_number

    body = {"station_id": world.station_a, "name": "钱志愿", "id_number": id_number(70),
            "joined_on": "2025-03-01"}  # fmt: skip
    volunteer_id = coord.post("/api/v1/volunteers", json=body).json["id"]
    with app.app_context():
        create_user("vol", "password123", "volunteer", ["S-A"], volunteer_id=volunteer_id)
    page = login("vol")
    assert "/my/offer" in page.get("/").get_data(as_text=True)
    saved = page.post("/my/offer", data={"start-2": "09:00", "end-2": "11:00",
                                         "services": ["COMPANION", "MEAL"]})  # fmt: skip
    assert saved.status_code == 302
    bad = page.post("/my/offer", data={"start-3": "11:00", "end-3": "09:00"})
    assert bad.status_code == 200 and "flash error" in bad.get_data(as_text=True)
    assert page.get(f"/volunteers/{volunteer_id + 1}/offer").status_code == 404
    offer = coord.get(f"/api/v1/volunteers/{volunteer_id}/offer").json
    assert offer["services"] == ["COMPANION", "MEAL"] and offer["availability"][0]["weekday"] == 2
    client.post("/logout")
    shown = login("coord_a").get(f"/volunteers/{volunteer_id}/offer").get_data(as_text=True)
    assert 'value="09:00"' in shown
