"""A small station end to end: generate, plan in the worker, publish, re-run, compare."""

from __future__ import annotations

from sqlalchemy import select

from carehub.extensions import db
from carehub.notices.models import Notice
from carehub.visits.models import Visit, VisitCarer
from tests.careplans.helpers import visits
from tests.scheduling.helpers import DAY, plan, small_station


def _day_visits(api):
    return visits(api("coord_a"), date_from=DAY, date_to=DAY)


def test_a_run_plans_every_visit_and_publish_schedules_them(app, api, world):
    st = small_station(api, world)
    draft = plan(api, world)
    assert draft["state"] == "draft" and draft["number"] == 1
    assert draft["kpis"]["visits"] == 3 and draft["kpis"]["served"] == 3
    assert {a["visit_id"] for a in draft["assignments"]} == {v["id"] for v in _day_visits(api)}
    assert all(a["caregiver_id"] in st.caregivers for a in draft["assignments"])
    assert all(v["state"] == "planned" for v in _day_visits(api))  # a draft changes nothing
    coord = api("coord_a")
    published = coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish", json={})
    assert published.status_code == 200, published.json
    assert published.json["scheduled"] == 3 and published.json["plan"]["state"] == "published"
    assert all(v["state"] == "scheduled" for v in _day_visits(api))
    with app.app_context():
        rows = db.session.scalars(select(VisitCarer)).all()
        assert len(rows) == 3
        by_visit = {a["visit_id"]: a for a in draft["assignments"]}
        for row in rows:
            assert row.caregiver_id == by_visit[row.visit_id]["caregiver_id"]
            assert row.planned_start.isoformat() == by_visit[row.visit_id]["planned_start"]
        notified = {n.caregiver_id for n in db.session.scalars(select(Notice))}
        assert notified == {a["caregiver_id"] for a in draft["assignments"]}
    again = coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish", json={})
    assert again.status_code == 409 and again.json["error"] == "not_draft"


def test_a_second_draft_supersedes_on_publish_and_compares(app, api, world):
    st = small_station(api, world)
    coord = api("coord_a")
    first = plan(api, world)
    coord.post(f"/api/v1/schedule-plans/{first['id']}/publish", json={})
    visit = first["assignments"][0]
    other = next(c for c in st.caregivers if c != visit["caregiver_id"])
    pin = coord.post(
        "/api/v1/schedule-pins",
        json={"visit_id": visit["visit_id"], "caregiver_id": other, "start": "10:00"},
    )
    assert pin.status_code == 200, pin.json
    second = plan(api, world)
    assert second["number"] == 2
    pinned = next(a for a in second["assignments"] if a["visit_id"] == visit["visit_id"])
    assert pinned["caregiver_id"] == other and pinned["planned_start"].startswith(f"{DAY}T02:00")
    diff = coord.get(f"/api/v1/schedule-plans/{second['id']}/compare",
                     query_string={"other": first["id"]}).json  # fmt: skip
    assert visit["visit_id"] in {m["visit_id"] for m in diff["moved"]}
    assert diff["added"] == [] and diff["dropped"] == []
    assert coord.post(f"/api/v1/schedule-plans/{second['id']}/publish", json={}).status_code == 200
    states = {p["id"]: p["state"] for p in coord.get("/api/v1/schedule-plans").json["items"]}
    assert states == {first["id"]: "superseded", second["id"]: "published"}
    with app.app_context():
        row = db.session.scalar(select(VisitCarer).where(VisitCarer.visit_id == visit["visit_id"]))
        assert row.caregiver_id == other


def test_a_visit_nobody_can_do_is_unassigned_with_a_reason(app, api, world):
    small_station(api, world, residents=1)
    from tests.careplans.helpers import add_plan, add_resident, generate, item

    coord = api("coord_a")
    rid = add_resident(coord, world.station_a, 9)
    add_plan(coord, rid, item("MEDICAL", "每天"))
    generate(coord, days=3, station_id=world.station_a)
    draft = plan(api, world)
    assert draft["kpis"]["served"] == 1 and len(draft["unassigned"]) == 1
    (left,) = draft["unassigned"]
    assert left["code"] == "NO_SKILL" and "medical" in left["reason"]
    coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish", json={})
    with app.app_context():
        visit = db.session.get(Visit, left["visit_id"])
        assert visit.state == "planned" and visit.carers_on == []
