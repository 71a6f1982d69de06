"""Every error the API gives is DESIGN.md §5 JSON naming the field, and nothing is half-written."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.registry.idnumbers import compose_id_number
from tests.factories import id_number, resident_payload

RESIDENTS = "/api/v1/residents"
YOUNG = compose_id_number("320106", date(1990, 1, 1), 1, "F")


def _count(api, who="admin") -> int:
    return api(who).get(RESIDENTS).json["total"]


def _assert_error(response, code: int, field: str | None = None):
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.json
    assert body["code"] == code and body["status"] and body["message"]
    if field:
        assert field in body["errors"], body


def test_bad_check_digit_names_the_field(api, world):
    bad = id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1")
    response = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, id_number=bad))
    _assert_error(response, 422, "id_number")
    assert "check digit" in response.json["errors"]["id_number"][0]
    assert _count(api) == 0


def test_duplicate_id_number_is_409(api, world):
    payload = resident_payload(world.station_a)
    assert api("coord_a").post(RESIDENTS, json=payload).status_code == 201
    again = api("admin").post(RESIDENTS, json={**payload, "station_id": world.station_b})
    _assert_error(again, 409, "id_number")
    assert _count(api) == 1


def test_unknown_id_is_404(api, world):
    _assert_error(api("admin").get(f"{RESIDENTS}/999999"), 404)
    _assert_error(api("admin").patch(f"{RESIDENTS}/999999", json={"name": "x"}), 404)
    _assert_error(api("admin").get("/api/v1/caregivers/424242"), 404)
    _assert_error(api("admin").get("/api/v1/providers/424242"), 404)


def test_no_token_is_401_and_bad_token_too(client, world):
    _assert_error(client.get(RESIDENTS), 401)
    response = client.get(RESIDENTS, headers={"Authorization": "Bearer nope"})
    _assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_body_that_is_not_json_is_400(api, world):
    response = api("coord_a").client.post(
        RESIDENTS, data="name=x", headers={**api("coord_a").headers, "Content-Type": "text/plain"}
    )
    _assert_error(response, 400)
    _assert_error(api("coord_a").post(RESIDENTS, json=[1, 2]), 400)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "王" * 41}, "name"),  # never silently truncated
        ({"name": ""}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"sex": "M"}, "sex"),  # the ID number says F
        ({"birth_date": "1950-01-01"}, "birth_date"),
        ({"latitude": 95}, "latitude"),
        ({"latitude": None, "longitude": 118.7}, "latitude"),
        ({"categories": ["rich"]}, "categories.0"),
        ({"categories": ["dibao", "dibao"]}, "categories"),
        ({"status": "deceased"}, "deceased_on"),
        ({"household": "castle"}, "household"),
        ({"station_id": "one"}, "station_id"),
        ({"station_id": 999}, "station_id"),
        ({"favourite_colour": "red"}, "favourite_colour"),
        ({"id_number": YOUNG}, "id_number"),
        ({"family_members": [{"name": "李", "relationship": "女儿", "phone": "1"}]},
         "family_members.0.phone"),
    ],
)  # fmt: skip
def test_invalid_fields_are_named_and_nothing_is_written(api, world, change, field):
    response = api("coord_a").post(RESIDENTS, json={**resident_payload(world.station_a), **change})
    _assert_error(response, 422, field)
    assert _count(api) == 0


def test_failed_update_leaves_the_record_unchanged(api, world):
    created = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a)).json
    url = f"{RESIDENTS}/{created['id']}"
    bad = {"name": "新名字", "family_members": [{"name": "x", "relationship": "y", "phone": "0"}]}
    _assert_error(api("coord_a").patch(url, json=bad), 422, "family_members.0.phone")
    after = api("coord_a").get(url).json
    assert after["name"] == created["name"]
    assert len(after["family_members"]) == 1


def test_patch_merges_and_keeps_history(api, world):
    created = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a)).json
    url = f"{RESIDENTS}/{created['id']}"
    changed = api("coord_a").patch(url, json={"status": "hospitalised", "address": "新街口1号"})
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "hospitalised" and changed.json["status_since"]
    assert changed.json["categories"] == ["dibao"]
    history = api("coord_a").get(f"{url}/history").json
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["changes"]["status"] == ["active", "hospitalised"]
    assert "id_number" not in history[0]["changes"]


def test_assessments_are_history_not_edits(api, world):
    created = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a)).json
    url = f"{RESIDENTS}/{created['id']}/assessments"
    first = {"assessed_on": "2025-03-01", "level": 1, "assessor": "张评估"}
    second = {"assessed_on": "2026-03-01", "level": 3, "assessor": "张评估", "self_care": 12}
    assert api("coord_a").post(url, json=first).status_code == 201
    assert api("coord_a").post(url, json=second).status_code == 201
    _assert_error(api("coord_a").post(url, json={**first, "level": 5}), 422, "level")
    _assert_error(
        api("coord_a").post(url, json={**first, "assessed_on": "2999-01-01"}), 422, "assessed_on"
    )
    levels = [a["level"] for a in api("coord_a").get(url).json]
    assert levels == [3, 1]
    resident = api("coord_a").get(f"{RESIDENTS}/{created['id']}").json
    assert resident["ability_level"] == 3
    only_level_3 = api("coord_a").get(RESIDENTS, query_string={"ability_level": 3}).json
    assert only_level_3["total"] == 1
    assert api("coord_a").get(RESIDENTS, query_string={"ability_level": 1}).json["total"] == 0


def test_bad_query_parameters_are_named(api, world):
    _assert_error(api("admin").get(RESIDENTS, query_string={"per_page": 1000}), 422, "per_page")
    _assert_error(api("admin").get(RESIDENTS, query_string={"category": "x"}), 422, "category")
    _assert_error(api("admin").get(RESIDENTS, query_string={"page": "two"}), 422, "page")


def test_validation_messages_are_english_whatever_the_readers_language(api, world, client):
    """The API answers in English even to a client that chose Chinese (pages translate them)."""
    client.set_cookie("carehub_lang", "zh")
    admin = api("admin")
    body = admin.get(RESIDENTS, query_string={"per_page": 1000}).json
    assert body["errors"] == {"per_page": ["Must be between 1 and 200."]}
    body = admin.get(RESIDENTS, query_string={"page": "two"}).json
    assert body["errors"] == {"page": ["Enter a whole number."]}
    body = admin.post(RESIDENTS, json={"nickname": "x"}).json
    assert body["errors"]["nickname"] == ["Unknown field."]
    assert body["errors"]["name"] == ["Required."]
