"""Another station's elder stays invisible: registering their ID number tells no more than reading.

The district rule: one ID number, one record in the whole district. Registering (or changing a
record to) a number that is already registered anywhere is a 409 with one neutral answer — the same
whether the record is at the coordinator's own station or at another one — that names no station
and no record, and says to ask the district administrator, who can move the resident.
"""

from __future__ import annotations

import csv
import io

from tests.api.test_scoping import volunteer_payload
from tests.factories import id_number, resident_payload

RESIDENTS = "/api/v1/residents"


def _refusal(response) -> dict:
    """What a refused request tells its caller (everything but nothing)."""
    assert response.status_code == 409, response.get_data(as_text=True)
    return response.json


def _reveals_nothing(body: dict, world, api) -> None:
    text = str(body)
    assert "already registered" not in text
    for station in api("admin").get("/api/v1/stations").json:
        assert station["code"] not in text and station["name"] not in text


def test_registering_another_stations_resident_answers_as_for_ones_own(api, world):
    at_a = resident_payload(world.station_a, 1)
    assert api("coord_a").post(RESIDENTS, json=at_a).status_code == 201

    elsewhere = _refusal(
        api("coord_b").post(RESIDENTS, json={**at_a, "station_id": world.station_b})
    )
    own = _refusal(api("coord_a").post(RESIDENTS, json={**at_a, "name": "重名"}))

    assert elsewhere == own
    assert list(elsewhere["errors"]) == ["id_number"]
    assert elsewhere["error"] == "id_number_unavailable"
    assert "district administrator" in elsewhere["errors"]["id_number"][0]
    _reveals_nothing(elsewhere, world, api)
    assert api("coord_b").get(RESIDENTS).json["total"] == 0


def test_changing_a_record_to_another_stations_number_answers_the_same(api, world):
    at_a = resident_payload(world.station_a, 1)
    assert api("coord_a").post(RESIDENTS, json=at_a).status_code == 201
    at_b = api("coord_b").post(RESIDENTS, json=resident_payload(world.station_b, 2)).json
    own_a2 = api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, 3)).json

    url_b, url_a2 = f"{RESIDENTS}/{at_b['id']}", f"{RESIDENTS}/{own_a2['id']}"
    elsewhere = _refusal(api("coord_b").patch(url_b, json={"id_number": at_a["id_number"]}))
    own = _refusal(api("coord_a").patch(url_a2, json={"id_number": at_a["id_number"]}))

    assert elsewhere == own
    _reveals_nothing(elsewhere, world, api)
    assert api("coord_b").get(url_b).json["id_number"] == at_b["id_number"]


def test_volunteers_follow_the_same_rule(api, world):
    at_a = volunteer_payload(world)
    assert api("coord_a").post("/api/v1/volunteers", json=at_a).status_code == 201
    elsewhere = api("coord_b").post(
        "/api/v1/volunteers", json={**at_a, "station_id": world.station_b}
    )
    own = api("coord_a").post("/api/v1/volunteers", json={**at_a, "name": "重名"})

    assert _refusal(elsewhere) == _refusal(own)
    assert elsewhere.json["error"] == "id_number_unavailable"
    _reveals_nothing(elsewhere.json, world, api)


def _roster(number: str, station: str) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "联系电话", "住址", "所属服务站"])
    writer.writerow(["王秀英", number, "13812345678", "鼓楼区宁海路5号", station])
    data = out.getvalue().encode()
    return {
        "data": {"file": (io.BytesIO(data), "roster.csv")},
        "content_type": "multipart/form-data",
    }


def test_the_import_preview_follows_the_same_rule(api, world):
    number = id_number(1)
    assert api("coord_a").post(RESIDENTS, json=resident_payload(world.station_a, 1)).status_code
    url = "/api/v1/imports/residents"

    elsewhere = api("coord_b").post(url, **_roster(number, "S-B")).json["rows"][0]["errors"]
    own = api("coord_a").post(url, **_roster(number, "S-A")).json["rows"][0]["errors"]

    assert elsewhere == own and elsewhere
    _reveals_nothing(elsewhere, world, api)
