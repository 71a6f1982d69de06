"""Optimistic locking through the API: the ETag a client read, sent back as If-Match (or version)."""

from __future__ import annotations

import pytest

from tests.api.test_scoping import caregiver_payload, volunteer_payload
from tests.factories import resident_payload


def patch_if_match(client, url: str, body: dict, etag: str):
    """A PATCH with the caller's token and an If-Match header."""
    return client.client.patch(url, json=body, headers={**client.headers, "If-Match": etag})


KINDS = {
    "residents": lambda world: resident_payload(world.station_a),
    "caregivers": caregiver_payload,
    "volunteers": volunteer_payload,
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_based_on_an_old_version_is_refused_as_stale(api, world, kind):
    client = api("coord_a")
    created = client.post(f"/api/v1/{kind}", json=KINDS[kind](world)).json
    url = f"/api/v1/{kind}/{created['id']}"
    read = client.get(url)
    assert read.headers["ETag"] == f'"{created["version"]}"'

    first = patch_if_match(client, url, {"name": "第一次"}, read.headers["ETag"])
    assert first.status_code == 200, first.json
    assert first.json["version"] == created["version"] + 1
    assert first.headers["ETag"] == f'"{first.json["version"]}"'

    late = patch_if_match(client, url, {"name": "晚了"}, read.headers["ETag"])
    assert late.status_code == 409
    assert late.json["error"] == "stale" and "errors" not in late.json
    assert "someone else" in late.json["message"]
    late_body = client.patch(url, json={"name": "晚了", "version": created["version"]})
    assert late_body.status_code == 409 and late_body.json["error"] == "stale"
    assert client.get(url).json["name"] == "第一次"

    current = client.patch(url, json={"name": "再改", "version": first.json["version"]})
    assert current.status_code == 200 and current.json["name"] == "再改"


def test_a_provider_is_versioned_too(api, world):
    url = f"/api/v1/providers/{world.provider}"
    version = api("admin").get(url).json["version"]
    assert api("admin").patch(url, json={"address": "新址", "version": version}).status_code == 200
    stale = api("admin").patch(url, json={"address": "旧址", "version": version})
    assert stale.status_code == 409 and stale.json["error"] == "stale"


def test_an_if_match_that_is_no_version_is_named(api, world):
    created = api("coord_a").post("/api/v1/residents", json=resident_payload(world.station_a))
    url = f"/api/v1/residents/{created.json['id']}"
    bad = patch_if_match(api("coord_a"), url, {}, "yesterday")
    assert bad.status_code == 422 and "If-Match" in bad.json["errors"]
    bad = api("coord_a").patch(url, json={"version": "two"})
    assert bad.status_code == 422 and "version" in bad.json["errors"]
    anything = patch_if_match(api("coord_a"), url, {"name": "任意"}, "*")
    assert anything.status_code == 200
