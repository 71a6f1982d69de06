"""Two web processes racing on the same record: one wins, the other gets a clear 409, never a 500."""

from __future__ import annotations

import threading

import pytest

from tests.factories import resident_payload


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL (CI's second pass)")


def test_same_id_number_registered_twice_at_once(app, world, on_postgres):
    payload = resident_payload(world.station_a)
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def register(station_id: int):
        client = app.test_client()  # each thread: own request context, own DB connection
        barrier.wait()
        response = client.post(
            "/api/v1/residents", json={**payload, "station_id": station_id}, headers=headers
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=register, args=(world.station_a if i % 2 else world.station_b,))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201] + [409] * 7
    listing = app.test_client().get("/api/v1/residents", headers=headers).json
    assert listing["total"] == 1


def _concurrently(app, count: int, send) -> list:
    """Run ``send(client, i)`` in ``count`` threads released at once; their responses, in order."""
    barrier = threading.Barrier(count)
    responses: list = [None] * count

    def run(i: int):
        client = app.test_client()
        barrier.wait()
        responses[i] = send(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _body(i: int) -> dict:
    """Request ``i``'s change: its own categories and one family member of its own."""
    categories = [["dibao"], ["sanwu"], ["wubao", "youfu"], ["low_income"]][i % 4]
    member = {"name": f"亲属{i}", "relationship": "女儿", "phone": f"1390000{i:04d}",
              "lives_away": bool(i % 2), "emergency_contact": True}  # fmt: skip
    return {"categories": categories, "family_members": [member], "address": f"新街口{i}号"}


def _shown(resident: dict) -> dict:
    member = resident["family_members"]
    return {"categories": resident["categories"], "address": resident["address"],
            "family_members": [(m["name"], m["lives_away"]) for m in member]}  # fmt: skip


def _sent(body: dict) -> dict:
    return {"categories": sorted(body["categories"]), "address": body["address"],
            "family_members": [(m["name"], m["lives_away"]) for m in body["family_members"]]}  # fmt: skip


def test_simultaneous_updates_leave_exactly_one_requests_record(app, world, on_postgres):
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    created = app.test_client().post(
        "/api/v1/residents", json=resident_payload(world.station_a), headers=headers
    )
    url = f"/api/v1/residents/{created.json['id']}"

    responses = _concurrently(
        app, 8, lambda client, i: client.patch(url, json=_body(i), headers=headers)
    )

    for response in responses:
        assert response.status_code in (200, 409), response.get_data(as_text=True)
        if response.status_code == 409:  # changed by someone else: no field is wrong
            assert response.json["error"] == "stale" and "errors" not in response.json
    assert any(r.status_code == 200 for r in responses)
    final = _shown(app.test_client().get(url, headers=headers).json)
    assert final in [_sent(_body(i)) for i in range(8)], final


def test_updates_that_read_the_same_version_one_wins_the_other_is_told(app, world, on_postgres):
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    created = app.test_client().post(
        "/api/v1/residents", json=resident_payload(world.station_a), headers=headers
    )
    url, version = f"/api/v1/residents/{created.json['id']}", created.json["version"]

    responses = _concurrently(
        app,
        4,
        lambda client, i: client.patch(
            url, json=_body(i), headers={**headers, "If-Match": f'"{version}"'}
        ),
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    final = app.test_client().get(url, headers=headers).json
    assert _shown(final) == _sent(_body(winner))
    assert final["version"] == version + 1
