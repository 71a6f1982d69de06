"""Every scheduling endpoint and page is station-scoped: another station's coordinator gets
404, an auditor reads but never writes, carers and provider managers get 403."""

from __future__ import annotations

import pytest

from tests.scheduling.helpers import DAY, plan, small_station


@pytest.fixture
def setup(api, world):
    small_station(api, world, residents=2)
    draft = plan(api, world)
    return draft, draft["assignments"][0]["visit_id"]


def reads(world, draft, visit_id):
    p = draft["id"]
    return [f"/api/v1/schedule-plans/{p}", f"/api/v1/schedule-plans/{p}/compare?other={p}",
            f"/api/v1/schedule-plans/{p}/recommend?visit_id={visit_id}",
            f"/api/v1/stations/{world.station_a}/scheduling"]  # fmt: skip


def writes(world, draft, visit_id):
    p = draft["id"]
    return [("post", f"/api/v1/schedule-plans/{p}/publish", {}),
            ("post", f"/api/v1/schedule-plans/{p}/replan", {}),
            ("post", "/api/v1/schedule-pins", {"visit_id": visit_id, "start": "09:00"}),
            ("delete", f"/api/v1/schedule-pins/{visit_id}", None),
            ("put", f"/api/v1/stations/{world.station_a}/scheduling", {"auto_publish": True}),
            ("post", "/api/v1/schedule-runs", {"station_id": world.station_a, "day": DAY})]  # fmt: skip


def call(api, who, method, url, body=None):
    client = api(who)
    return getattr(client.client, method)(url, json=body, headers=client.headers)


def test_another_stations_coordinator_finds_nothing(api, world, setup):
    draft, visit_id = setup
    for url in reads(world, draft, visit_id):
        assert call(api, "coord_b", "get", url).status_code == 404, url
    for method, url, body in writes(world, draft, visit_id):
        status = call(api, "coord_b", method, url, body).status_code
        assert status in (404, 422), (url, status)  # 422: station_id names no station of theirs
    listed = api("coord_b").get("/api/v1/schedule-plans").json
    assert listed["total"] == 0


def test_the_auditor_reads_and_cannot_write(api, world, setup):
    draft, visit_id = setup
    statuses = [
        call(api, "auditor", "get", url).status_code for url in reads(world, draft, visit_id)
    ]
    assert statuses == [200, 200, 409, 200]  # 409: that visit is on a route (access was granted)
    assert api("auditor").get("/api/v1/schedule-plans").json["total"] == 1
    for method, url, body in writes(world, draft, visit_id):
        assert call(api, "auditor", method, url, body).status_code == 403, url


@pytest.mark.parametrize("who", ["carer", "manager"])
def test_carers_and_managers_are_refused(api, world, setup, who):
    draft, visit_id = setup
    for url in [*reads(world, draft, visit_id), "/api/v1/schedule-plans"]:
        assert call(api, who, "get", url).status_code == 403, url
    for method, url, body in writes(world, draft, visit_id):
        assert call(api, who, method, url, body).status_code == 403, url


def test_the_coordinator_of_the_station_may_do_all_of_it(api, world, setup):
    draft, visit_id = setup
    statuses = [
        call(api, "coord_a", "get", url).status_code for url in reads(world, draft, visit_id)
    ]
    assert statuses == [200, 200, 409, 200]
    statuses = [
        call(api, "coord_a", m, u, b).status_code for m, u, b in writes(world, draft, visit_id)
    ]
    assert statuses == [200, 202, 200, 204, 200, 202]  # publish, then re-plan the published plan
