"""Station scoping on every registry endpoint: other stations' records do not exist for you."""

from __future__ import annotations

import pytest

from tests.factories import id_number, resident_payload


@pytest.fixture
def records(api, world):
    """One resident, caregiver and volunteer in station A, created by A's coordinator."""
    coord = api("coord_a")
    resident = coord.post("/api/v1/residents", json=resident_payload(world.station_a)).json
    caregiver = coord.post("/api/v1/caregivers", json=caregiver_payload(world)).json
    volunteer = coord.post("/api/v1/volunteers", json=volunteer_payload(world)).json
    assert {"id"} <= resident.keys() & caregiver.keys() & volunteer.keys(), (caregiver, volunteer)
    return {
        "residents": resident["id"],
        "caregivers": caregiver["id"],
        "volunteers": volunteer["id"],
        "stations": world.station_a,
    }


def caregiver_payload(world, **extra) -> dict:
    return {
        "provider_id": world.provider,
        "station_id": world.station_a,
        "name": "赵护理",
        "sex": "F",
        "phone": "13700000001",
        "skills": ["meal", "bathing"],
        "certificates": [
            {"kind": "养老护理员", "issued_on": "2024-01-01", "expires_on": "2027-01-01"}
        ],
        "working_hours": [{"weekday": 0, "start": "08:00", "end": "17:00"}],
        **extra,
    }


def volunteer_payload(world, **extra) -> dict:
    return {
        "station_id": world.station_a,
        "name": "钱志愿",
        "id_number": id_number(7, sex="M"),
        "joined_on": "2025-06-01",
        **extra,
    }


ITEM_KINDS = ["residents", "caregivers", "volunteers", "stations"]


@pytest.mark.parametrize("kind", ITEM_KINDS)
def test_other_stations_coordinator_gets_404(api, records, kind):
    response = api("coord_b").get(f"/api/v1/{kind}/{records[kind]}")
    assert response.status_code == 404
    assert api("coord_a").get(f"/api/v1/{kind}/{records[kind]}").status_code == 200


@pytest.mark.parametrize("kind", ["residents", "caregivers", "volunteers"])
def test_other_stations_coordinator_cannot_change(api, records, kind):
    response = api("coord_b").patch(f"/api/v1/{kind}/{records[kind]}", json={"name": "改名"})
    assert response.status_code == 404
    assert api("coord_a").get(f"/api/v1/{kind}/{records[kind]}").json["name"] != "改名"


@pytest.mark.parametrize("kind", ["residents", "caregivers", "volunteers"])
def test_lists_hold_only_own_stations(api, records, kind):
    assert api("coord_b").get(f"/api/v1/{kind}").json["total"] == 0
    assert api("coord_a").get(f"/api/v1/{kind}").json["total"] == 1
    assert api("auditor").get(f"/api/v1/{kind}").json["total"] == 1


def test_station_list_is_scoped(api, records, world):
    assert [s["id"] for s in api("coord_b").get("/api/v1/stations").json] == [world.station_b]
    assert len(api("auditor").get("/api/v1/stations").json) == 2


def test_cannot_create_in_another_station(api, world):
    response = api("coord_b").post("/api/v1/residents", json=resident_payload(world.station_a))
    assert response.status_code == 422 and "station_id" in response.json["errors"]
    response = api("coord_b").post("/api/v1/caregivers", json=caregiver_payload(world))
    assert response.status_code == 422 and "station_id" in response.json["errors"]


def test_cannot_move_a_record_into_another_station(api, records, world):
    url = f"/api/v1/residents/{records['residents']}"
    response = api("coord_a").patch(url, json={"station_id": world.station_b})
    assert response.status_code == 422 and "station_id" in response.json["errors"]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/residents", "resident"),
        ("patch", "/api/v1/residents/{residents}", {"name": "x"}),
        ("post", "/api/v1/residents/{residents}/assessments",
         {"assessed_on": "2026-01-01", "level": 1, "assessor": "x"}),
        ("post", "/api/v1/caregivers", "caregiver"),
        ("patch", "/api/v1/caregivers/{caregivers}", {"name": "x"}),
        ("post", "/api/v1/volunteers", "volunteer"),
        ("patch", "/api/v1/volunteers/{volunteers}", {"name": "x"}),
        ("post", "/api/v1/providers", {"name": "x", "credit_code": "91350100M000100Y43"}),
        ("patch", "/api/v1/providers/{provider}", {"name": "x"}),
        ("post", "/api/v1/stations", {"code": "X"}),
    ],
)  # fmt: skip
def test_auditor_reads_everything_and_writes_nothing(api, records, world, method, url, body):
    ids = {**records, "provider": world.provider}
    payloads = {
        "resident": resident_payload(world.station_a, seq=9),
        "caregiver": caregiver_payload(world),
        "volunteer": volunteer_payload(world, id_number=id_number(8)),
    }
    response = getattr(api("auditor"), method)(
        url.format(**ids), json=payloads[body] if isinstance(body, str) else body
    )
    assert response.status_code == 403, response.json
    for kind in ("residents", "caregivers", "volunteers"):
        assert api("auditor").get(f"/api/v1/{kind}/{records[kind]}").json["name"] != "x"


def test_provider_manager_sees_own_staff_but_no_residents(api, records, world):
    assert api("manager").get("/api/v1/residents").status_code == 403
    assert api("manager").get(f"/api/v1/residents/{records['residents']}").status_code == 403
    staff = api("manager").get("/api/v1/caregivers").json
    assert [c["id"] for c in staff["items"]] == [records["caregivers"]]
    assert api("manager").get(f"/api/v1/providers/{world.provider}").status_code == 200


def test_caregiver_role_cannot_read_the_registry(api, records):
    assert api("carer").get("/api/v1/residents").status_code == 403


def test_coordinator_sees_only_providers_contracted_for_own_stations(api, world):
    assert api("coord_a").get(f"/api/v1/providers/{world.provider}").status_code == 200
    assert api("coord_b").get(f"/api/v1/providers/{world.provider}").status_code == 404
    assert api("coord_b").get("/api/v1/providers").json["total"] == 0
