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
