"""Absences and lateness as stored facts: recorded through the API and the page, audited,
scoped, refused when malformed, and read by the day's new plans and re-plans."""

from __future__ import annotations

from sqlalchemy import select

from carehub.audit.models import AuditEvent
from carehub.extensions import db
from carehub.jobs.models import Job
from tests.scheduling.helpers import DAY, plan, small_station


def _absent(api, carer: int, role="coord_a", **extra):
    body = {"caregiver_id": carer, "day": DAY, "kind": "absent", "reason": "病假", **extra}
    return api(role).post("/api/v1/carer-absences", json=body)


def test_an_absent_carer_is_left_out_of_the_days_new_plans(app, api, world):
    st = small_station(api, world)
    recorded = _absent(api, st.caregivers[0])
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["kind"] == "absent" and recorded.json["recorded_by"] == "coord_a"
    draft = plan(api, world)
    used = {a["caregiver_id"] for a in draft["assignments"]}
    assert draft["kpis"]["served"] >= 1 and used == {st.caregivers[1]}
    listed = api("coord_a").get(f"/api/v1/carer-absences?station_id={world.station_a}&day={DAY}")
    assert [a["reason"] for a in listed.json] == ["病假"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record_absence"))
        assert event.entity_id == recorded.json["id"] and event.changes["reason"] == "病假"


def test_an_absence_from_a_time_keeps_the_morning(app, api, world):
    st = small_station(api, world)
    assert _absent(api, st.caregivers[1], start="12:00").status_code == 201
    assert _absent(api, st.caregivers[0], start="08:00", end="17:00").status_code == 201
    draft = plan(api, world)
    assert {a["caregiver_id"] for a in draft["assignments"]} == {st.caregivers[1]}


def test_a_replan_starts_from_the_stored_facts(app, api, world):
    st = small_station(api, world)
    draft = plan(api, world)
    coord = api("coord_a")
    assert coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish", json={}).status_code == 200
    late = {"caregiver_id": st.caregivers[1], "day": DAY, "kind": "late", "minutes": 30,
            "start": "08:10", "reason": "堵车"}  # fmt: skip
    assert coord.post("/api/v1/carer-absences", json=late).status_code == 201
    assert _absent(api, st.caregivers[0], start="10:00").status_code == 201
    job = coord.post(f"/api/v1/schedule-plans/{draft['id']}/replan", json={})
    assert job.status_code == 202, job.json
    with app.app_context():
        parameters = db.session.get(Job, job.json["id"]).parameters
    assert parameters["absent"] == [{"caregiver_id": st.caregivers[0], "from_minute": 600}]
    assert parameters["late"] == [{"caregiver_id": st.caregivers[1], "minutes": 30,
                                   "at_minute": 490}]  # fmt: skip


def test_bad_absences_are_refused_naming_the_field(api, world):
    st = small_station(api, world, residents=1)
    carer = st.caregivers[0]
    cases = [({"kind": "late"}, "minutes"), ({"minutes": 5}, "minutes"),
             ({"start": "10:00", "end": "09:00"}, "end"), ({"reason": ""}, "reason"),
             ({"kind": "late", "minutes": 5, "start": "08:00", "end": "09:00"}, "end")]  # fmt: skip
    for extra, field in cases:
        response = _absent(api, carer, **extra)
        assert response.status_code in (400, 422), (extra, response.json)
        assert field in str(response.json), (extra, response.json)
    assert _absent(api, 999_999).status_code in (404, 422)
    assert _absent(api, carer, role="coord_b").status_code == 404
    assert _absent(api, carer, role="auditor").status_code == 403


def test_the_page_records_and_shows_an_absence(app, api, world, login):
    st = small_station(api, world, residents=1)
    draft = plan(api, world)
    client = login("coord_a")
    posted = client.post("/schedule/absences", data={
        "station": world.station_a, "day": DAY, "plan": draft["id"], "kind": "absent",
        "carer": f"caregiver:{st.caregivers[0]}", "start": "13:00", "reason": "家中有事"})  # fmt: skip
    assert posted.status_code == 302
    page = client.get(f"/schedule?day={DAY}&plan={draft['id']}").get_data(as_text=True)
    assert "缺勤与迟到 (1)" in page and "家中有事" in page and "13:00" in page
    assert 'class="absence-absent"' in page
    assert 'class="bar off"' in page and "13:00–17:00" in page  # drawn on the carer's row
