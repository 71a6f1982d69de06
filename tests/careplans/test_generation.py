"""Generation: the official calendar, holiday rules, idempotence, plan edits, status changes."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from tests.careplans.helpers import add_plan, add_resident, generate, item, visits


def _dates(client, service: str, **filters) -> list[str]:
    return sorted(v["visit_date"] for v in visits(client, service_code=service, **filters)
                  if v["state"] != "cancelled")  # fmt: skip


def _spring_festival(api, monkeypatch, app, world):
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", "2026-02-09")
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1, level=3)
    add_plan(coord, resident, item("MEAL", "每个工作日"), item("CLEAN", "每周一"),
             item("BATH", "每周三"), item("MEDICAL", "每天"))  # fmt: skip
    return coord, generate(coord, days=21)


def test_spring_festival_2026_with_its_adjusted_workdays(api, world, monkeypatch, app):
    coord, result = _spring_festival(api, monkeypatch, app, world)
    assert result["warnings"] == []
    meals = _dates(coord, "MEAL")
    assert "2026-02-14" in meals and "2026-02-28" in meals  # 调休 Saturdays are workdays
    assert not any("2026-02-15" <= d <= "2026-02-23" for d in meals)  # 春节 off
    assert "2026-02-24" in meals
    assert _dates(coord, "CLEAN") == ["2026-02-09"]  # 16th and 23rd skipped (to 1 March)
    assert _dates(coord, "BATH") == ["2026-02-11", "2026-02-24", "2026-02-25"]  # 18th moved
    assert "2026-02-17" in _dates(coord, "MEDICAL")  # continues on holidays
    assert len(_dates(coord, "MEDICAL")) == 21


def test_national_day_2026_and_a_weekday_rule(api, world, monkeypatch, app):
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", "2026-09-28")
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每个工作日"),
             item("LEARNING", "每周二和周五"))  # fmt: skip
    generate(coord, days=14)
    meals = _dates(coord, "MEAL")
    assert meals == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09",
                     "2026-10-10"]  # fmt: skip
    assert _dates(coord, "LEARNING") == ["2026-09-29", "2026-10-09"]  # 10-02 and 10-06 skipped


def test_a_year_the_package_lacks_warns_until_its_overrides_are_entered(
    api, world, monkeypatch, app
):
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", "2027-02-01")
    coord, admin = api("coord_a"), api("admin")
    add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每个工作日"))
    first = generate(coord, days=7)
    assert any("2027" in w for w in first["warnings"])
    assert _dates(coord, "MEAL") == [f"2027-02-0{d}" for d in (1, 2, 3, 4, 5)]
    for day, workday in (("2027-02-06", True), ("2027-02-08", False), ("2027-02-09", False)):
        response = admin.post("/api/v1/holidays",
                              json={"day": day, "is_workday": workday, "name": "春节"})  # fmt: skip
        assert response.status_code == 201, response.json
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", "2027-02-06")
    second = generate(coord, days=7)
    assert second["warnings"] == []
    assert [d for d in _dates(coord, "MEAL") if d >= "2027-02-06"] == [
        "2027-02-06", "2027-02-10", "2027-02-11", "2027-02-12"]  # fmt: skip


def test_generation_twice_creates_nothing_new(api, world):
    coord = api("coord_a")
    add_plan(
        coord,
        add_resident(coord, world.station_a, 1),
        item("MEAL", "每天"),
        item("CLEAN", "每周一"),
    )
    first = generate(coord)
    assert (
        first["created"] == 16 and first["start"] == "2026-01-05" and first["end"] == "2026-01-18"
    )
    second = generate(coord)
    assert second["created"] == 0 and second["unchanged"] == 16
    assert len(visits(coord)) == 16
    assert visits(coord)[0]["events"][0]["to_state"] == "planned"


def test_generation_for_one_station_only(api, world):
    coord_a, coord_b, admin = api("coord_a"), api("coord_b"), api("admin")
    add_plan(coord_a, add_resident(coord_a, world.station_a, 1), item("MEAL", "每天"))
    add_plan(coord_b, add_resident(coord_b, world.station_b, 2), item("MEAL", "每天"))
    assert generate(admin, days=3, station_id=world.station_b)["created"] == 3
    assert len(visits(coord_a)) == 0 and len(visits(coord_b)) == 3
    assert generate(coord_a, days=3)["created"] == 3  # only the coordinator's own station
    forbidden = coord_a.post("/api/v1/visits/generate", json={"station_id": world.station_b})
    assert forbidden.status_code == 422 and "station_id" in forbidden.json["errors"]


def test_a_plan_edit_touches_only_future_planned_visits(api, world, app, monkeypatch):
    coord = api("coord_a")
    plan = add_plan(
        coord,
        add_resident(coord, world.station_a, 1),
        item("MEAL", "每天"),
        item("CLEAN", "每周一"),
    )
    generate(coord)
    meal_line, clean_line = (i["line"] for i in plan["current"]["items"])
    published = next(
        v for v in visits(coord, service_code="MEAL") if v["visit_date"] == "2026-01-15"
    )
    _set_state(app, published["id"], "scheduled")
    before = {v["id"]: v for v in visits(coord)}
    body = {"effective_from": "2026-01-12", "reason": "午餐改晚",
            "items": [item("MEAL", "每天", line=meal_line,
                           windows=[{"start": "11:00", "end": "12:30"}])]}  # fmt: skip
    assert coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=body).status_code == 201
    after = {v["id"]: v for v in visits(coord)}
    assert set(after) == set(before)  # nothing created, nothing removed
    for visit_id, visit in after.items():
        old = before[visit_id]
        if old["visit_date"] < "2026-01-12" or visit_id == published["id"]:
            assert visit == old, visit["visit_date"]
        elif old["service_code"] == "MEAL":
            assert visit["windows"] == [{"start": "11:00", "end": "12:30"}]
            assert visit["state"] == "planned" and visit["events"][-1]["reason"].startswith(
                "plan version 2"
            )
        else:  # the cleaning of the 12th left the plan
            assert visit["state"] == "cancelled" and "plan version 2" in visit["cancel_reason"]
    assert generate(coord)["created"] == 0
    assert clean_line != meal_line


def test_a_hospital_stay_cancels_visits_from_its_date(api, world):
    coord = api("coord_a")
    add_resident(coord, world.station_a, 9)  # without a plan: plan and resident ids differ
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每天"))
    generate(coord)
    version = coord.get(f"/api/v1/residents/{resident}").json["version"]
    change = {"status": "hospitalised", "status_since": "2026-01-10", "version": version}
    assert coord.patch(f"/api/v1/residents/{resident}", json=change).status_code == 200
    meals = visits(coord)
    assert [v["visit_date"] for v in meals if v["state"] == "planned"] == [
        f"2026-01-0{d}" for d in range(5, 10)]  # fmt: skip
    cancelled = [v for v in meals if v["state"] == "cancelled"]
    assert len(cancelled) == 9 and all(v["cancel_reason"].startswith("resident status hospitalised")
                                       for v in cancelled)  # fmt: skip
    assert generate(coord, days=21)["created"] == 0  # nor any later ones
    version = coord.get(f"/api/v1/residents/{resident}").json["version"]
    back = {"status": "active", "status_since": "2026-01-14", "version": version}
    assert coord.patch(f"/api/v1/residents/{resident}", json=back).status_code == 200
    planned = [v["visit_date"] for v in visits(coord) if v["state"] == "planned"]
    assert planned == [f"2026-01-{d:02d}" for d in (5, 6, 7, 8, 9, 14, 15, 16, 17, 18)]
    again = next(v for v in visits(coord) if v["visit_date"] == "2026-01-14")
    assert [e["to_state"] for e in again["events"]] == ["planned", "cancelled", "planned"]
    assert all(
        v["state"] == "cancelled"
        for v in visits(coord)
        if "01-10" <= v["visit_date"][5:] <= "01-13"
    )


def test_resident_facts_answer_for_a_date(app, api, world):
    coord = api("coord_a")
    resident_id = add_resident(coord, world.station_a, 1, level=2)
    version = coord.get(f"/api/v1/residents/{resident_id}").json["version"]
    change = {"status": "suspended", "status_since": "2026-01-20", "household": "with_family",
              "version": version}  # fmt: skip
    assert coord.patch(f"/api/v1/residents/{resident_id}", json=change).status_code == 200
    from carehub.careplans.facts import resident_facts_on
    from carehub.extensions import db
    from carehub.registry.models import Resident

    with app.app_context():
        resident = db.session.get(Resident, resident_id)
        early = resident_facts_on(resident, date(2026, 1, 10))
        late = resident_facts_on(resident, date(2026, 1, 20))
        assert (early.status, early.household) == ("active", "alone")
        assert (late.status, late.household) == ("suspended", "with_family")
        assert early.ability_level == 2 and early.categories == ("dibao",)
        assert resident_facts_on(resident, date(2025, 11, 1)).ability_level is None


def test_cli_generates_for_a_station(app, api, world):
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 1), item("MEAL", "每天"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["visits", "generate", "--days", "3", "--station", "S-A"])
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output
    again = runner.invoke(args=["visits", "generate", "--days", "3"])
    assert "created 0" in again.output
    assert runner.invoke(args=["visits", "generate", "--station", "NOPE"]).exit_code != 0


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL (CI's second pass)")


def test_two_generators_at_once_create_each_visit_once(app, api, world, on_postgres):
    coord = api("coord_a")
    for seq in range(1, 4):
        add_plan(
            coord,
            add_resident(coord, world.station_a, seq),
            item("MEAL", "每天"),
            item("CLEAN", "每周一"),
        )
    headers = {"Authorization": f"Bearer {world.tokens['coord_a']}"}
    barrier, results = threading.Barrier(4), []

    def run():
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/api/v1/visits/generate", json={}, headers=headers))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in results] == [200] * 4
    assert sum(r.json["created"] for r in results) == 48
    assert len(visits(coord)) == 48


def _set_state(app, visit_id: int, state: str) -> None:
    from carehub.extensions import db
    from carehub.visits.models import Visit
    from carehub.visits.states import transition

    with app.app_context():
        transition(None, db.session.get(Visit, visit_id), state, "published")
        db.session.commit()


def test_a_resident_moving_station_takes_their_planned_visits_along(api, world):
    coord, admin = api("coord_a"), api("admin")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每天"))
    generate(admin, days=3)
    version = admin.get(f"/api/v1/residents/{resident}").json["version"]
    move = {"station_id": world.station_b, "version": version}
    assert admin.patch(f"/api/v1/residents/{resident}", json=move).status_code == 200
    result = generate(admin, days=3)
    assert result["updated"] == 3 and result["created"] == 0
    assert len(visits(api("coord_b"))) == 3 and visits(coord) == []
