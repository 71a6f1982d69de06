"""Refusals name the field and write nothing: pins, runs, publishing a stale version."""

from __future__ import annotations

from tests.scheduling.helpers import DAY, add_volunteer, plan, small_station


def test_pins_are_checked(api, world):
    st = small_station(api, world, residents=1)
    coord = api("coord_a")
    visit = coord.get("/api/v1/visits", query_string={"date_from": DAY, "date_to": DAY}).json
    visit_id = visit["items"][0]["id"]
    volunteer = add_volunteer(coord, world, ["MEAL"])
    cases = [({"visit_id": visit_id}, "caregiver_id", "carer_required"),
             ({"visit_id": visit_id, "caregiver_id": st.caregivers[0], "volunteer_id": volunteer},
              "volunteer_id", "one_carer"),
             ({"visit_id": visit_id, "volunteer_id": volunteer}, "volunteer_id",
              "not_volunteer_suitable"),
             ({"visit_id": visit_id, "caregiver_id": 99999}, "caregiver_id", "no_caregiver"),
             ({"visit_id": visit_id, "start": "25:00"}, "start", None)]  # fmt: skip
    for body, field, code in cases:
        response = coord.post("/api/v1/schedule-pins", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"], response.json
        if code:
            assert response.json["error"] == code
    assert coord.client.delete(f"/api/v1/schedule-pins/{visit_id}",
                               headers=coord.headers).status_code == 404  # fmt: skip


def test_runs_and_publishing_refuse_bad_input(api, world):
    small_station(api, world, residents=1)
    coord = api("coord_a")
    for body, field in [({"station_id": world.station_a}, "day"),
                        ({"station_id": world.station_a, "day": DAY, "time_limit": 0}, "time_limit"),
                        ({"station_id": world.station_b, "day": DAY}, "parameters.station_id")]:  # fmt: skip
        response = coord.post("/api/v1/schedule-runs", json=body)
        assert response.status_code == 422 and field in response.json["errors"], response.json
    draft = plan(api, world)
    stale = coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish",
                       json={"version": draft["version"] + 1})  # fmt: skip
    assert stale.status_code == 409 and stale.json["error"] == "stale"
    visits = coord.get("/api/v1/visits", query_string={"date_from": DAY, "date_to": DAY}).json
    assert all(v["state"] == "planned" for v in visits["items"])
    fresh = coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish",
                       json={"version": draft["version"]})  # fmt: skip
    assert fresh.status_code == 200
    replan = coord.post(f"/api/v1/schedule-plans/{draft['id']}/replan",
                        json={"absent": [{"start": "09:00"}]})  # fmt: skip
    assert replan.status_code == 422 and "absent.0.caregiver_id" in replan.json["errors"]
