"""Every change of a registry record writes one audit event saying what changed; nothing else does.

ID and phone numbers appear in the log only masked. Saving a record unchanged writes nothing and
keeps its family members', certificates' and working hours' ids: nested rows are updated in place.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from carehub.audit.models import AuditEvent
from carehub.audit.services import history
from carehub.extensions import db
from tests.api.test_scoping import caregiver_payload, volunteer_payload
from tests.factories import resident_payload

RESIDENTS = "/api/v1/residents"


def _events(app, entity: str, entity_id: int) -> list[dict]:
    with app.app_context():
        return [{"action": e.action, "changes": e.changes} for e in history(entity, entity_id)]


def _updates(app, entity: str, entity_id: int) -> list[dict]:
    return [e["changes"] for e in _events(app, entity, entity_id) if e["action"] == "update"]


def _create_resident(api, world) -> dict:
    created = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a))
    assert created.status_code == 201, created.json
    return created.json


def test_a_phone_change_is_one_event_with_masked_numbers(app, api, world):
    resident = _create_resident(api, world)
    url = f"{RESIDENTS}/{resident['id']}"
    assert api("coord_a").patch(url, json={"phone": "13987654321"}).status_code == 200

    (changes,) = _updates(app, "resident", resident["id"])
    assert changes == {"phone": ["138****5678", "139****4321"]}
    assert "13987654321" not in json.dumps(changes)


def test_a_phone_change_that_keeps_the_mask_is_still_recorded(app, api, world):
    resident = _create_resident(api, world)
    url = f"{RESIDENTS}/{resident['id']}"
    assert api("coord_a").patch(url, json={"phone": "13800005678"}).status_code == 200
    assert list(_updates(app, "resident", resident["id"])[0]) == ["phone"]


def test_replacing_a_family_member_is_one_event(app, api, world):
    resident = _create_resident(api, world)
    url = f"{RESIDENTS}/{resident['id']}"
    other = {"name": "李红", "relationship": "女儿", "phone": "13600002222"}
    assert api("coord_a").patch(url, json={"family_members": [other]}).status_code == 200

    (changes,) = _updates(app, "resident", resident["id"])
    assert list(changes) == ["family_members"]
    old, new = changes["family_members"]
    assert [m["name"] for m in old] == ["李明"] and [m["name"] for m in new] == ["李红"]
    assert new[0]["phone"] == "136****2222"
    assert "13600002222" not in json.dumps(changes) and "13900001111" not in json.dumps(changes)


def test_saving_a_resident_unchanged_writes_nothing_and_keeps_the_rows(app, api, world):
    resident = _create_resident(api, world)
    url = f"{RESIDENTS}/{resident['id']}"
    same = {k: v for k, v in resident_payload(world.station_a).items() if k != "station_id"}
    after = api("coord_a").patch(url, json=same)
    assert after.status_code == 200, after.json
    assert api("coord_a").patch(url, json={}).status_code == 200

    assert _updates(app, "resident", resident["id"]) == []
    ids = [m["id"] for m in resident["family_members"]]
    assert [m["id"] for m in after.json["family_members"]] == ids
    assert after.json["version"] == resident["version"]


def test_editing_a_family_members_phone_keeps_the_row(app, api, world):
    resident = _create_resident(api, world)
    url = f"{RESIDENTS}/{resident['id']}"
    member = {**resident_payload(world.station_a)["family_members"][0], "phone": "13700001234"}
    member["id"] = resident["family_members"][0]["id"]
    after = api("coord_a").patch(url, json={"family_members": [member]}).json
    assert [m["id"] for m in after["family_members"]] == [member["id"]]
    assert after["family_members"][0]["phone"] == "137****1234"
    (changes,) = _updates(app, "resident", resident["id"])
    assert list(changes) == ["family_members"]


def test_a_caregiver_saved_unchanged_writes_nothing_and_keeps_its_certificates(app, api, world):
    created = api("coord_a").post("/api/v1/caregivers", json=caregiver_payload(world)).json
    url = f"/api/v1/caregivers/{created['id']}"
    same = caregiver_payload(world)
    del same["phone"]
    after = api("coord_a").patch(url, json=same)
    assert after.status_code == 200, after.json
    assert api("coord_a").patch(url, json={}).status_code == 200

    assert _updates(app, "caregiver", created["id"]) == []
    assert [c["id"] for c in after.json["certificates"]] == [
        c["id"] for c in created["certificates"]
    ]


def test_a_caregiver_change_is_one_event_naming_only_what_changed(app, api, world):
    created = api("coord_a").post("/api/v1/caregivers", json=caregiver_payload(world)).json
    url = f"/api/v1/caregivers/{created['id']}"
    certificate = {**caregiver_payload(world)["certificates"][0], "expires_on": "2028-01-01"}
    change = {"phone": "13700000002", "certificates": [certificate], "skills": ["meal"]}
    after = api("coord_a").patch(url, json=change).json

    (changes,) = _updates(app, "caregiver", created["id"])
    assert set(changes) == {"phone", "certificates", "skills"}
    assert changes["phone"] == ["137****0001", "137****0002"]
    assert changes["skills"] == [["bathing", "meal"], ["meal"]]
    assert after["certificates"][0]["id"] == created["certificates"][0]["id"]
    assert after["certificates"][0]["expires_on"] == "2028-01-01"


def test_volunteers_and_providers_log_changes_only(app, api, world):
    volunteer = api("coord_a").post("/api/v1/volunteers", json=volunteer_payload(world)).json
    url = f"/api/v1/volunteers/{volunteer['id']}"
    assert api("coord_a").patch(url, json={}).status_code == 200
    assert _updates(app, "volunteer", volunteer["id"]) == []
    assert api("coord_a").patch(url, json={"phone": "13512345678"}).status_code == 200
    (changes,) = _updates(app, "volunteer", volunteer["id"])
    assert changes == {"phone": [None, "135****5678"]}

    url = f"/api/v1/providers/{world.provider}"
    assert api("admin").patch(url, json={"name": "颐养服务中心"}).status_code == 200
    assert _updates(app, "provider", world.provider) == []
    assert api("admin").patch(url, json={"phone": "02583211234"}).status_code == 200
    (changes,) = _updates(app, "provider", world.provider)
    assert list(changes) == ["phone"]


def test_a_new_records_event_masks_its_numbers(app, api, world):
    resident = _create_resident(api, world)
    (event,) = _events(app, "resident", resident["id"])
    text = json.dumps(event["changes"])
    payload = resident_payload(world.station_a)
    for secret in (payload["id_number"], payload["phone"], "13900001111"):
        assert secret not in text
    assert event["changes"]["phone"] == "138****5678"


def test_the_timeline_shows_a_replaced_family_member_masked(api, world, login):
    rid = _create_resident(api, world)["id"]
    other = {"name": "李红", "relationship": "女儿", "phone": "13600002222"}
    assert api("coord_a").patch(f"{RESIDENTS}/{rid}", json={"family_members": [other]}).json
    page = login("coord_a").get(f"/residents/{rid}").get_data(as_text=True)
    assert "李明(儿子，139****1111) → 李红(女儿，136****2222)" in page
    assert "13600002222" not in page


def test_a_catalogue_entry_saved_unchanged_writes_nothing(app, api, world):
    meal = api("admin").get("/api/v1/service-types").json
    meal = next(s for s in meal if s["code"] == "MEAL")
    same = {"default_minutes": meal["default_minutes"], "skills": meal["skills"]}
    assert api("admin").patch("/api/v1/service-types/MEAL", json=same).status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "service_type"))
        assert list(events) == []
