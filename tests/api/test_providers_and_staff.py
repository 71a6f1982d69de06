"""Providers, contracts (money in yuan, stored in fen), caregivers and volunteers through the API."""

from __future__ import annotations

from carehub.registry.idnumbers import compose_credit_code
from tests.api.test_scoping import caregiver_payload, volunteer_payload
from tests.factories import resident_payload

CODE = compose_credit_code("91320106MA1YYYYY0")


def _contract(world, **extra) -> dict:
    return {
        "number": "C-2026-07",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "station_ids": [world.station_a, world.station_b],
        "prices": [
            {"service_code": "MEAL", "unit_price": "15.50"},
            {"service_code": "BATH", "unit_price": "80", "unit_minutes": 60},
        ],
        **extra,
    }


def test_provider_with_contract_prices_in_yuan(api, world):
    admin = api("admin")
    created = admin.post(
        "/api/v1/providers", json={"name": "安康护理", "credit_code": CODE.lower()}
    )
    assert created.status_code == 201, created.json
    assert created.json["credit_code"] == CODE
    url = f"/api/v1/providers/{created.json['id']}/contracts"
    contract = admin.post(url, json=_contract(world))
    assert contract.status_code == 201, contract.json
    prices = {p["service_code"]: p["unit_price"] for p in contract.json["prices"]}
    assert prices == {"BATH": "80.00", "MEAL": "15.50"}
    duplicate = admin.post("/api/v1/providers", json={"name": "x", "credit_code": CODE})
    assert duplicate.status_code == 409 and "credit_code" in duplicate.json["errors"]


def test_contract_rules_name_the_field(api, world):
    admin = api("admin")
    url = f"/api/v1/providers/{world.provider}/contracts"
    cases = [
        ({"prices": [{"service_code": "MEAL", "unit_price": "15.005"}]}, "prices.0.unit_price"),
        ({"prices": [{"service_code": "MEAL", "unit_price": "-1"}]}, "prices.0.unit_price"),
        ({"prices": [{"service_code": "MEAL", "unit_price": "abc"}]}, "prices.0.unit_price"),
        ({"prices": [{"service_code": "SPA", "unit_price": "1"}]}, "prices.0.service_code"),
        ({"prices": []}, "prices"),
        ({"valid_to": "2025-01-01"}, "valid_to"),
        ({"station_ids": [99999]}, "station_ids"),
    ]
    for change, field in cases:
        response = admin.post(url, json=_contract(world, **change))
        assert response.status_code == 422, (change, response.json)
        assert field in response.json["errors"], (change, response.json)
    provider = admin.get(f"/api/v1/providers/{world.provider}").json
    assert [c["number"] for c in provider["contracts"]] == ["C-1"]


def test_bad_credit_code_is_named(api):
    response = api("admin").post(
        "/api/v1/providers", json={"name": "x", "credit_code": CODE[:-1] + "0"}
    )
    assert response.status_code == 422 and "credit_code" in response.json["errors"]


def test_caregiver_lifecycle(api, world):
    coord = api("coord_a")
    created = coord.post("/api/v1/caregivers", json=caregiver_payload(world))
    assert created.status_code == 201, created.json
    body = created.json
    assert body["skills"] == ["bathing", "meal"] and body["phone"] == "137****0001"
    assert body["working_hours"] == [{"weekday": 0, "start": "08:00:00", "end": "17:00:00"}]
    changed = coord.patch(f"/api/v1/caregivers/{body['id']}", json={"skills": ["cleaning"]})
    assert changed.status_code == 200 and changed.json["skills"] == ["cleaning"]
    assert changed.json["certificates"][0]["kind"] == "养老护理员"


def test_caregiver_rules(api, world):
    coord = api("coord_a")
    cases = [
        ({"working_hours": [{"weekday": 0, "start": "17:00", "end": "08:00"}]}, "working_hours.0.end"),
        ({"working_hours": [{"weekday": 7, "start": "08:00", "end": "09:00"}]}, "working_hours.0.weekday"),
        ({"skills": ["flying"]}, "skills.0"),
        ({"certificates": [{"kind": "x", "issued_on": "2025-01-01", "expires_on": "2024-01-01"}]},
         "certificates.0.expires_on"),
        ({"provider_id": 424242}, "provider_id"),
        ({"max_minutes_per_day": 10}, "max_minutes_per_day"),
        ({"home_latitude": 32.0}, "home_longitude"),
    ]  # fmt: skip
    for change, field in cases:
        response = coord.post("/api/v1/caregivers", json=caregiver_payload(world, **change))
        assert response.status_code == 422 and field in response.json["errors"], (
            change,
            response.json,
        )
    assert coord.get("/api/v1/caregivers").json["total"] == 0


def test_volunteer_who_is_also_a_resident(api, world):
    coord = api("coord_a")
    resident = coord.post("/api/v1/residents", json=resident_payload(world.station_a)).json
    mismatch = coord.post(
        "/api/v1/volunteers", json=volunteer_payload(world, resident_id=resident["id"])
    )
    assert mismatch.status_code == 422 and "resident_id" in mismatch.json["errors"]
    same_person = volunteer_payload(
        world, resident_id=resident["id"], id_number=resident_payload(world.station_a)["id_number"]
    )
    created = coord.post("/api/v1/volunteers", json=same_person)
    assert created.status_code == 201, created.json
    assert created.json["resident_id"] == resident["id"] and created.json["sex"] == "F"
    again = coord.post("/api/v1/volunteers", json=same_person)
    assert again.status_code == 409 and "id_number" in again.json["errors"]


def test_search_and_paging(api, world):
    coord = api("coord_a")
    for seq in range(1, 8):
        assert (
            coord.post(
                "/api/v1/residents", json=resident_payload(world.station_a, seq=seq)
            ).status_code
            == 201
        )
    page = coord.get("/api/v1/residents", query_string={"per_page": 3, "page": 3}).json
    assert (page["total"], page["pages"], len(page["items"])) == (7, 3, 1)
    found = coord.get("/api/v1/residents", query_string={"q": "王秀英3"}).json
    assert [r["name"] for r in found["items"]] == ["王秀英3"]
    by_id = coord.get(
        "/api/v1/residents", query_string={"q": resident_payload(1, seq=5)["id_number"]}
    ).json
    assert [r["name"] for r in by_id["items"]] == ["王秀英5"]
    assert coord.get("/api/v1/residents", query_string={"category": "wubao"}).json["total"] == 0
    assert coord.get("/api/v1/residents", query_string={"household": "alone"}).json["total"] == 7


def test_service_catalogue_is_editable_by_admin_only(api, catalogue):
    meal = {"default_minutes": 40, "skills": ["meal", "nursing"]}
    assert api("coord_a").patch("/api/v1/service-types/MEAL", json=meal).status_code == 403
    changed = api("admin").patch("/api/v1/service-types/MEAL", json=meal)
    assert changed.status_code == 200, changed.json
    assert changed.json["default_minutes"] == 40
    assert changed.json["skills"] == ["meal", "nursing"]
    bad = api("admin").patch("/api/v1/service-types/MEAL", json={"carers": 3})
    assert bad.status_code == 422 and "carers" in bad.json["errors"]
    assert api("admin").patch("/api/v1/service-types/SPA", json=meal).status_code == 404
    listed = {s["code"]: s for s in api("coord_a").get("/api/v1/service-types").json}
    assert listed["MEAL"]["default_minutes"] == 40


def test_network_tree(api, world):
    tree = api("coord_a").get("/api/v1/districts").json
    assert tree[0]["name"] == "鼓楼区"
    assert tree[0]["streets"][0]["communities"][0]["name"] == "五台山社区"


def test_partial_caregiver_update_still_checks_nested_rows(api, world):
    coord = api("coord_a")
    created = coord.post("/api/v1/caregivers", json=caregiver_payload(world)).json
    url = f"/api/v1/caregivers/{created['id']}"
    response = coord.patch(url, json={"certificates": [{"number": "x"}]})
    assert response.status_code == 422
    assert {"certificates.0.kind", "certificates.0.issued_on"} <= response.json["errors"].keys()
    kept = coord.patch(url, json={"name": "赵新名"}).json
    assert kept["phone"] == "137****0001" and kept["certificates"][0]["kind"] == "养老护理员"
