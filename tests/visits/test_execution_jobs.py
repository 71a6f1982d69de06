"""The resident's card, the quality figures, the location retention job, a volunteer's route."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from carehub.extensions import db
from carehub.visits.execution_models import CheckEvent
from carehub.visits.jobs import forget_locations
from carehub.visits.models import Visit
from carehub.visits.quality import station_quality
from carehub.visits.verification import card_code
from tests.factories import ApiClient
from tests.visits.execution_helpers import NOW, freeze, published_day
from tests.visits.test_execution import AT_HOME


def test_the_card_lists_each_coming_visit_with_its_code(app, client, login, api, world,
                                                        monkeypatch):  # fmt: skip
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world)
    with app.app_context():
        visit = db.session.get(Visit, day.visit_ids[0])
        code, resident = card_code(visit), visit.resident_id
    login("coord_a")
    page = client.get(f"/residents/{resident}/card").get_data(as_text=True)
    assert code in page and "2026-01-05" in page
    client.post("/logout")
    login("coord_b")
    assert client.get(f"/residents/{resident}/card").status_code == 404
    client.post("/logout")
    login("carer1")
    assert client.get(f"/residents/{resident}/card").status_code == 403


def test_quality_counts_on_time_missed_and_follow_ups(app, api, world, client, monkeypatch):
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world, residents=3)
    carer = ApiClient(client, day.tokens["carer1"])
    on_time, late, missed = day.visit_ids
    for visit, start in ((on_time, NOW), (late, NOW + timedelta(minutes=40))):
        freeze(monkeypatch, start)
        carer.post(f"/api/v1/visits/{visit}/check-in", json=AT_HOME)
        freeze(monkeypatch, start + timedelta(minutes=30))
        carer.post(f"/api/v1/visits/{visit}/check-out", json=AT_HOME)
    api("coord_a").post(f"/api/v1/visits/{missed}/missed", json={"reason": "不在家"})
    calls = api("coord_a").get("/api/v1/follow-ups").json["items"]
    api("coord_a").post(f"/api/v1/follow-ups/{calls[0]['id']}/call",
                        json={"outcome": "confirmed", "satisfaction": 4})  # fmt: skip
    with app.app_context():
        q = station_quality(world.user("coord_a"), world.station_a, date(2026, 1, 1),
                            date(2026, 1, 31))  # fmt: skip
    s = q.station
    assert (s.visits, s.started, s.on_time, s.missed, s.done) == (3, 2, 1, 1, 2)
    assert s.on_time_rate == 50 and s.follow_up_rate == 50 and s.satisfaction_x10 == 40
    assert [c.name for c in q.carers] == ["护理员1"] and q.carers[0].visits == 3
    assert q.providers[0].name == "颐养服务中心"


def test_locations_are_forgotten_after_90_days_but_distances_kept(app, api, world, client,
                                                                  monkeypatch):  # fmt: skip
    freeze(monkeypatch, NOW)
    day = published_day(app, api, world)
    ApiClient(client, day.tokens["carer1"]).post(f"/api/v1/visits/{day.visit_ids[0]}/check-in",
                                                 json=AT_HOME)  # fmt: skip
    with app.app_context():
        freeze(monkeypatch, NOW + timedelta(days=89))
        assert forget_locations(None) == {"cleared": 0}
        freeze(monkeypatch, NOW + timedelta(days=91))
        assert forget_locations(None) == {"cleared": 1}
        db.session.commit()
        check = db.session.scalar(select(CheckEvent))
        assert check.latitude is None and check.longitude is None
        assert check.distance_m == 0 and check.location_cleared_at is not None
        assert forget_locations(None) == {"cleared": 0}
