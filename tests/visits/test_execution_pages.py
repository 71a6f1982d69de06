"""The pages: the carer's day and its calendar feed, the coordinator's alerts, complaints, quality."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carehub.extensions import db
from carehub.notices.services import post
from tests.visits.execution_helpers import NOW, freeze, published_day
from tests.visits.test_execution import AT_HOME


@pytest.fixture
def day(app, api, world, monkeypatch):
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world)
    with app.app_context():
        post(
            world.station_a,
            "route_changed",
            {"day": "2026-01-05"},
            caregiver_id=day.caregiver_ids[0],
        )
        db.session.commit()
    return day


def test_the_carer_sees_today_s_route_and_notices_first(client, login, day):
    login("carer1")
    page = client.get("/my-day?lang=zh").get_data(as_text=True)
    assert "王秀英1" in page and "鼓楼区中山路1号" in page and "李明" in page
    assert page.index('class="card notices"') < page.index('class="card stop')
    assert 'data-check="in"' in page and "carer_day.js" in page
    sheet = client.get("/my-day/print")
    assert sheet.status_code == 200 and "王秀英1" in sheet.get_data(as_text=True)


def test_what_to_do_shows_the_plan_item_s_notes_once(app, api, world, client, login, monkeypatch):
    freeze(monkeypatch, NOW)
    published_day(app, api, world, notes="少油少盐，饭要软")
    login("carer1")
    page = client.get("/my-day?lang=zh").get_data(as_text=True)
    assert page.count("少油少盐，饭要软") == 1


def test_the_page_checks_in_and_out(app, client, login, day, monkeypatch):
    login("carer1")
    visit = day.visit_ids[0]
    assert client.post(f"/my-day/visits/{visit}/check-in", json=AT_HOME).status_code == 201
    freeze(monkeypatch, NOW + timedelta(minutes=40))
    queued = {**AT_HOME, "client_at": (NOW + timedelta(minutes=35)).isoformat()}
    out = client.post(f"/my-day/visits/{visit}/check-out", json=queued)
    assert out.status_code == 201 and out.json["offline"] and out.json["state"] == "completed"
    assert out.json["at"].startswith("2026-01-05T01:45")
    page = client.get("/my-day").get_data(as_text=True)
    assert 'name="code"' in page  # the resident confirms with the card code next


def test_a_refused_page_check_is_json(client, login, day):
    login("carer1")
    refused = client.post(f"/my-day/visits/{day.visit_ids[0]}/check-out", json=AT_HOME)
    assert refused.status_code == 409 and refused.json["error"] == "not_checked_in"


def test_the_calendar_link_is_secret_and_revocable(client, login, day):
    login("carer1")
    shown = client.post("/my-day/calendar-link").get_data(as_text=True)
    url = shown.split('id="feed-url">')[1].split("<")[0].replace("http://localhost", "")
    feed = client.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "王秀英1" in body
    client.post("/my-day/calendar-link")
    assert client.get(url).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_late_visit_is_on_the_coordinator_s_alerts(client, login, day, monkeypatch):
    freeze(monkeypatch, NOW + timedelta(minutes=25))  # 09:35: the 09:00 window opened 35 min ago
    login("coord_a")
    page = client.get("/station/alerts").get_data(as_text=True)
    assert "alert-not_started" in page and "王秀英1" in page
    missed = client.post(f"/station/visits/{day.visit_ids[0]}/missed", data={"reason": "不在家"})
    assert missed.status_code == 302
    assert "alert-not_started" not in client.get("/station/alerts").get_data(as_text=True)


def test_a_far_check_in_is_on_the_alerts(client, login, api, day):
    from tests.factories import ApiClient

    carer = ApiClient(client, day.tokens["carer1"])
    far = {**AT_HOME, "latitude": AT_HOME["latitude"] + 0.01}
    carer.post(f"/api/v1/visits/{day.visit_ids[0]}/check-in", json=far)
    login("coord_a")
    assert "alert-far" in client.get("/station/alerts").get_data(as_text=True)
    client.post("/logout")
    login("coord_b")
    assert "王秀英1" not in client.get("/station/alerts").get_data(as_text=True)


def test_a_carer_cannot_open_the_coordinator_pages(client, login, day):
    login("carer1")
    assert client.get("/station/alerts").status_code == 403
    assert client.get("/complaints").status_code == 403


def test_complaints_and_quality_pages(client, login, world, day):
    login("coord_a")
    made = client.post("/complaints", data={"station_id": str(world.station_a), "channel": "phone",
                                             "complainant": "李明", "summary": "迟到"})  # fmt: skip
    assert made.status_code == 302
    page = client.get("/complaints").get_data(as_text=True)
    assert "迟到" in page and "2026-01-12" in page
    quality = client.get("/station/quality?start=2026-01-01&end=2026-01-31")
    assert quality.status_code == 200
    text = quality.get_data(as_text=True)
    assert "<svg" in text and "护理员1" in text


def test_a_volunteer_sees_and_checks_in_to_their_own_visit(app, client, login, api, world,
                                                          monkeypatch):  # fmt: skip
    from carehub.auth.services import create_user
    from carehub.visits.models import Visit, VisitCarer
    from carehub.visits.states import transition
    from tests.careplans.helpers import add_plan, add_resident, generate, item
    from tests.factories import PASSWORD, id_number

    freeze(monkeypatch, NOW)
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 1),
             item("COMPANION", "每天", volunteer_suitable=True, funding="volunteer"))  # fmt: skip
    generate(coord, days=1)
    volunteer = coord.post("/api/v1/volunteers", json={
        "station_id": world.station_a, "name": "钱志愿", "id_number": id_number(7, sex="M"),
        "joined_on": "2025-06-01"}).json["id"]  # fmt: skip
    with app.app_context():
        create_user("vol1", PASSWORD, "volunteer", ["S-A"], volunteer_id=volunteer)
        visit = db.session.scalars(db.select(Visit)).one()
        db.session.add(VisitCarer(visit_id=visit.id, seat=1, volunteer_id=volunteer,
                                  planned_start=NOW, planned_end=NOW + timedelta(minutes=60)))  # fmt: skip
        transition(None, visit, "scheduled")
        db.session.commit()
        visit_id = visit.id
    login("vol1")
    assert "王秀英1" in client.get("/my-day").get_data(as_text=True)
    assert client.post(f"/my-day/visits/{visit_id}/check-in", json=AT_HOME).status_code == 201


def test_the_coordinator_enters_a_check_in_by_hand(app, client, login, api, day):
    login("coord_a")
    url = f"/station/visits/{day.visit_ids[0]}/manual-check"
    client.post(url, data={"kind": "in", "time": "09:05"})  # no reason: refused
    assert api("coord_a").get(f"/api/v1/visits/{day.visit_ids[0]}/evv").json["start"] is None
    client.post(url, data={"kind": "in", "time": "09:05", "reason": "手机没电"})
    evv = api("coord_a").get(f"/api/v1/visits/{day.visit_ids[0]}/evv").json
    assert evv["start"].startswith("2026-01-05T01:05") and evv["carers"][0]["check_in"]["manual"]
