"""Effective-dated facts of caregivers and providers: what held on a given date."""

from __future__ import annotations

from datetime import date

from tests.careplans.helpers import add_plan, add_resident, item


def test_certificates_and_contracts_on_a_date(app, api, world):
    admin = api("admin")
    body = {"provider_id": world.provider, "station_id": world.station_a, "name": "周护理",
            "sex": "F", "certificates": [
                {"kind": "养老护理员", "issued_on": "2024-01-01", "expires_on": "2025-12-31"},
                {"kind": "健康证", "issued_on": "2026-01-10"}]}  # fmt: skip
    caregiver = admin.post("/api/v1/caregivers", json=body)
    assert caregiver.status_code == 201, caregiver.json
    from carehub.careplans.facts import certificates_on, contracts_on
    from carehub.extensions import db
    from carehub.registry.models import Caregiver, Provider

    with app.app_context():
        record = db.session.get(Caregiver, caregiver.json["id"])
        assert [c.kind for c in certificates_on(record, date(2025, 6, 1))] == ["养老护理员"]
        assert certificates_on(record, date(2026, 1, 5)) == []
        assert [c.kind for c in certificates_on(record, date(2026, 2, 1))] == ["健康证"]
        provider = db.session.get(Provider, world.provider)
        assert [c.number for c in contracts_on(provider, date(2026, 6, 1))] == ["C-1"]
        assert contracts_on(provider, date(2027, 1, 1)) == []
        assert contracts_on(provider, date(2026, 6, 1), station_id=world.station_b) == []


def test_preferred_and_excluded_caregivers_of_the_station_only(api, world):
    admin, coord = api("admin"), api("coord_a")
    ids = []
    for station in (world.station_a, world.station_b):
        body = {"provider_id": world.provider, "station_id": station, "name": "护理员", "sex": "F"}
        ids.append(admin.post("/api/v1/caregivers", json=body).json["id"])
    resident = add_resident(coord, world.station_a, 1)
    plan = add_plan(coord, resident, item("MEAL", "每天", preferred_caregivers=[ids[0]]))
    assert plan["current"]["items"][0]["preferred_caregivers"] == [ids[0]]
    body = {"effective_from": "2026-02-01",
            "items": [item("MEAL", "每天", excluded_caregivers=[ids[1]])]}  # fmt: skip
    other = coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=body)
    assert other.status_code == 422 and "items.0.excluded_caregivers" in other.json["errors"]
    both = {"effective_from": "2026-02-01",
            "items": [item("MEAL", "每天", preferred_caregivers=[ids[0]],
                           excluded_caregivers=[ids[0]])]}  # fmt: skip
    response = coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=both)
    assert response.json["error"] == "caregiver_both"
