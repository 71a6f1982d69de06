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
