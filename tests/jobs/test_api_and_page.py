"""The jobs API and page: who may read and start what, and the page's progress poll."""

from __future__ import annotations

from carehub.extensions import db
from carehub.jobs import queue
from tests.jobs.conftest import job


def test_admin_queues_a_run_and_the_client_never_waits(api):
    response = api("admin").post("/api/v1/jobs", json={"kind": "selftest",
                                                       "parameters": {"steps": 2}})  # fmt: skip
    assert response.status_code == 202, response.json
    body = response.json
    assert body["state"] == "queued" and body["parameters"] == {"steps": 2, "pause_ms": 0,
                                                                 "fail": False}  # fmt: skip
    assert body["requested_by"] == "admin" and body["progress"]["done"] == 0
    again = api("admin").post("/api/v1/jobs", json={"kind": "selftest", "parameters": {"steps": 2}})
    assert again.json["id"] == body["id"]  # a double click queues one run
    assert api("admin").get(f"/api/v1/jobs/{body['id']}").json["state"] == "queued"


def test_bad_parameters_are_named(api):
    response = api("admin").post("/api/v1/jobs", json={"kind": "generate-visits",
                                                       "parameters": {"days": 99}})  # fmt: skip
    assert response.status_code == 422 and "parameters.days" in response.json["errors"]
    unknown = api("admin").post("/api/v1/jobs", json={"kind": "nope"})
    assert unknown.status_code == 422 and "kind" in unknown.json["errors"]


def test_coordinator_starts_station_runs_of_its_own_stations_only(api, world):
    own = api("coord_a").post("/api/v1/jobs", json={
        "kind": "generate-visits", "parameters": {"station_id": world.station_a}})  # fmt: skip
    assert own.status_code == 202 and own.json["station_id"] == world.station_a
    other = api("coord_a").post("/api/v1/jobs", json={
        "kind": "generate-visits", "parameters": {"station_id": world.station_b}})  # fmt: skip
    assert other.status_code == 422 and "parameters.station_id" in other.json["errors"]
    district = api("coord_a").post("/api/v1/jobs", json={"kind": "generate-visits"})
    assert district.status_code == 403
    assert api("auditor").post("/api/v1/jobs", json={"kind": "selftest"}).status_code == 403


def test_reading_is_scoped_to_stations(app, api, world):
    with app.app_context():
        at_a = queue.enqueue("generate-visits", {"station_id": world.station_a},
                             station_id=world.station_a)[0].id  # fmt: skip
        district = queue.enqueue("generate-visits", {})[0].id
        db.session.commit()
    assert {j["id"] for j in api("admin").get("/api/v1/jobs").json["items"]} == {at_a, district}
    assert api("auditor").get("/api/v1/jobs").json["total"] == 2
    assert [j["id"] for j in api("coord_a").get("/api/v1/jobs").json["items"]] == [at_a]
    assert api("coord_b").get("/api/v1/jobs").json["total"] == 0
    assert api("coord_b").get(f"/api/v1/jobs/{at_a}").status_code == 404
    assert api("coord_a").get(f"/api/v1/jobs/{district}").status_code == 404
    assert api("carer").get("/api/v1/jobs").status_code == 403
    assert api("manager").get("/api/v1/jobs").status_code == 403


def test_cancel_a_queued_job(app, api, world):
    with app.app_context():
        queued = queue.enqueue("selftest", {})[0].id
        db.session.commit()
    assert api("coord_a").post(f"/api/v1/jobs/{queued}/cancel").status_code == 404
    assert api("auditor").post(f"/api/v1/jobs/{queued}/cancel").status_code == 403
    assert api("admin").post(f"/api/v1/jobs/{queued}/cancel").json["state"] == "cancelled"
    again = api("admin").post(f"/api/v1/jobs/{queued}/cancel")
    assert again.status_code == 409 and again.json["error"] == "not_queued"


def test_page_shows_schedule_and_runs_and_admin_runs_now(app, client, login, world):
    login("admin")
    page = client.get("/jobs?lang=zh").get_data(as_text=True)
    assert "generate-visits" in page and "js/jobs.js" in page and "<script>" not in page
    response = client.post("/jobs/run", data={"kind": "selftest"})
    assert response.status_code == 302
    with app.app_context():
        from carehub.jobs.models import Job

        (queued,) = db.session.scalars(db.select(Job.id)).all()
    page = client.get("/jobs").get_data(as_text=True)
    assert f'data-job-id="{queued}"' in page and "<progress" in page
    status = client.get(f"/jobs/status.json?ids={queued},x").json
    assert status == [{"id": queued, "state": "queued", "done": 0, "total": None,
                       "percent": None, "message": "", "duration": None}]  # fmt: skip
    assert job(app, queued).requested_by == "admin"


def test_auditor_reads_the_page_without_buttons_and_others_are_refused(client, login, world):
    login("auditor")
    page = client.get("/jobs").get_data(as_text=True)
    assert "/jobs/run" not in page
    assert client.post("/jobs/run", data={"kind": "selftest"}).status_code == 403
    client.post("/logout")
    login("coord_a")
    assert client.get("/jobs").status_code == 403
