"""Volunteers, the nightly run, re-planning after an absence, candidates for an urgent visit."""

from __future__ import annotations

from sqlalchemy import select

from carehub.extensions import db
from carehub.jobs import queue
from carehub.notices.models import Notice
from tests.careplans.helpers import add_plan, add_resident, generate, item
from tests.scheduling.helpers import DAY, add_volunteer, plan, run_jobs, small_station


def test_volunteers_get_only_volunteer_suitable_visits(api, world):
    st = small_station(api, world, residents=1)
    coord = api("coord_a")
    st.volunteer = add_volunteer(coord, world, ["MEAL"])
    suitable = add_resident(coord, world.station_a, 5, latitude=32.051, longitude=118.771)
    add_plan(coord, suitable, item("MEAL", "每天", funding="volunteer", volunteer_suitable=True,
                                   windows=[{"start": "11:00", "end": "12:00"}]))  # fmt: skip
    other = add_resident(coord, world.station_a, 6, latitude=32.052, longitude=118.772)
    add_plan(coord, other, item("MEAL", "每天", windows=[{"start": "11:00", "end": "12:00"}]))
    generate(coord, days=3, station_id=world.station_a)
    draft = plan(api, world)
    assert draft["kpis"]["served"] == 3
    by_volunteer = [a for a in draft["assignments"] if a["volunteer_id"] is not None]
    assert [a["volunteer_id"] for a in by_volunteer] == [st.volunteer]
    day = coord.get("/api/v1/visits", query_string={"date_from": DAY, "date_to": DAY}).json
    resident_of = {v["id"]: v["resident_id"] for v in day["items"]}
    assert resident_of[by_volunteer[0]["visit_id"]] == suitable
    caregivers = {resident_of[a["visit_id"]] for a in draft["assignments"] if a["caregiver_id"]}
    assert caregivers == {st.residents[0], other}


def test_the_nightly_run_plans_every_station_and_publishes_where_asked(app, api, world):
    small_station(api, world)
    admin = api("admin")
    setting = admin.client.put(f"/api/v1/stations/{world.station_a}/scheduling",
                               json={"auto_publish": True}, headers=admin.headers)  # fmt: skip
    assert setting.status_code == 200 and setting.json["auto_publish"] is True
    with app.app_context():
        job, _ = queue.enqueue("plan-tomorrow", {"time_limit": 1}, period_key="plan-tomorrow:x")
        db.session.commit()
        job_id = job.id
    run_jobs(app)
    done = admin.get(f"/api/v1/jobs/{job_id}").json
    assert done["state"] == "succeeded", done
    assert done["result"] == {"day": DAY, "stations": 2, "queued": 2}
    plans = admin.get("/api/v1/schedule-plans", query_string={"day": DAY}).json["items"]
    assert sorted((p["station_id"], p["state"]) for p in plans) == [
        (world.station_a, "published"), (world.station_b, "draft")]  # fmt: skip
    assert plans[0]["kpis"]["served"] + plans[1]["kpis"]["served"] == 3
    jobs = admin.get("/api/v1/jobs", query_string={"kind": "plan-day"}).json["items"]
    assert sorted(j["period_key"] for j in jobs) == sorted(
        f"plan-day:{s}:{DAY}" for s in (world.station_a, world.station_b))  # fmt: skip
    with app.app_context():  # the same night again queues nothing new
        queue.enqueue("plan-tomorrow", {"time_limit": 1}, period_key="plan-tomorrow:y")
        db.session.commit()
    run_jobs(app)
    assert admin.get("/api/v1/schedule-plans", query_string={"day": DAY}).json["total"] == 2


def test_replan_after_an_absence_moves_only_the_absent_carers_visits(app, api, world):
    st = small_station(api, world, residents=4)
    coord = api("coord_a")
    first = plan(api, world)
    coord.post(f"/api/v1/schedule-plans/{first['id']}/publish", json={})
    absent = first["assignments"][0]["caregiver_id"]
    theirs = {a["visit_id"] for a in first["assignments"] if a["caregiver_id"] == absent}
    job = coord.post(f"/api/v1/schedule-plans/{first['id']}/replan",
                     json={"absent": [{"caregiver_id": absent}], "time_limit": 1})  # fmt: skip
    assert job.status_code == 202, job.json
    run_jobs(app)
    result = coord.get(f"/api/v1/jobs/{job.json['id']}").json
    assert result["state"] == "succeeded", result
    new = coord.get(f"/api/v1/schedule-plans/{result['result']['plan_id']}").json
    assert new["kind"] == "replan" and new["based_on_id"] == first["id"]
    assert all(a["caregiver_id"] != absent for a in new["assignments"])
    diff = coord.get(f"/api/v1/schedule-plans/{new['id']}/compare",
                     query_string={"other": first["id"]}).json  # fmt: skip
    changed = {m["visit_id"] for m in diff["moved"]} | {d["visit_id"] for d in diff["dropped"]}
    assert theirs <= changed
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Notice))
    assert coord.post(f"/api/v1/schedule-plans/{new['id']}/publish", json={}).status_code == 200
    with app.app_context():
        posted = db.session.scalars(select(Notice).order_by(Notice.id).offset(before)).all()
        assert absent in {n.caregiver_id for n in posted}
    assert set(st.caregivers) >= {a["caregiver_id"] for a in new["assignments"]}


def test_candidates_for_an_urgent_visit_are_ranked(app, api, world):
    small_station(api, world, residents=2)
    coord = api("coord_a")
    first = plan(api, world)
    coord.post(f"/api/v1/schedule-plans/{first['id']}/publish", json={})
    resident = add_resident(coord, world.station_a, 8, latitude=32.053, longitude=118.773)
    urgent = coord.post("/api/v1/visits", json={
        "resident_id": resident, "service_code": "CLEAN", "visit_date": DAY, "urgent": True,
        "windows": [{"start": "14:00", "end": "16:00"}], "funding": "paid"})  # fmt: skip
    assert urgent.status_code == 201, urgent.json
    found = coord.get(f"/api/v1/schedule-plans/{first['id']}/recommend",
                      query_string={"visit_id": urgent.json["id"]})  # fmt: skip
    assert found.status_code == 200, found.json
    candidates = found.json["candidates"]
    assert candidates and candidates[0]["feasible"] and candidates[0]["start"] >= "14:00"
    travel = [c["added_travel"] for c in candidates if c["feasible"]]
    assert len(travel) == 2 and candidates[0]["carers"][0]["name"] in {"张护理", "李护理"}
    assigned = first["assignments"][0]["visit_id"]
    taken = coord.get(f"/api/v1/schedule-plans/{first['id']}/recommend",
                      query_string={"visit_id": assigned})  # fmt: skip
    assert taken.status_code == 409 and taken.json["error"] == "assigned"


def test_the_cli_queues_a_published_day_for_every_station_once(app, api, world, runner):
    small_station(api, world)
    bad = runner.invoke(args=["schedule", "queue", "--day", "Tuesday"])
    assert bad.exit_code == 2 and "--day" in bad.output
    first = runner.invoke(
        args=["schedule", "queue", "--day", DAY, "--publish", "--time-limit", "1"]
    )
    assert first.exit_code == 0 and "2 of 2 stations queued" in first.output, first.output
    again = runner.invoke(args=["schedule", "queue", "--day", DAY, "--publish"])
    assert "0 of 2 stations queued" in again.output
    run_jobs(app)
    admin = api("admin")
    plans = admin.get("/api/v1/schedule-plans", query_string={"day": DAY}).json["items"]
    assert sorted(p["state"] for p in plans) == ["published", "published"]
    scheduled = admin.get("/api/v1/visits", query_string={"date_from": DAY, "date_to": DAY,
                                                           "state": "scheduled"}).json  # fmt: skip
    assert scheduled["total"] == 3
