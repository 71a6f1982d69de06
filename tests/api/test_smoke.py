def test_create_and_read_resident(api, world):
    from tests.factories import resident_payload

    created = api("coord_a").post("/api/v1/residents", json=resident_payload(world.station_a))
    assert created.status_code == 201, created.json
    body = created.json
    assert body["sex"] == "F" and body["birth_date"] == "1945-03-08"
    assert body["id_number"].startswith("3201") and "*" in body["id_number"]
    got = api("coord_a").get(f"/api/v1/residents/{body['id']}")
    assert got.status_code == 200 and got.json["name"] == body["name"]
    assert api("coord_b").get(f"/api/v1/residents/{body['id']}").status_code == 404
