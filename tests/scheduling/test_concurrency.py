"""Two coordinators publishing the same station-day at once: one after the other, never a 500,
and the visits' carers are exactly the plan that ends published."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from carehub.extensions import db
from carehub.visits.models import VisitCarer
from tests.scheduling.helpers import plan, small_station


@pytest.fixture
def on_postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is exercised against PostgreSQL (CI's second pass)")


@pytest.mark.postgres
def test_publishing_two_drafts_at_once(app, api, world, on_postgres):
    small_station(api, world, residents=3)
    drafts = [plan(api, world)["id"], plan(api, world)["id"]]
    headers = {"Authorization": f"Bearer {world.tokens['coord_a']}"}
    barrier = threading.Barrier(4)
    statuses: dict[int, list[int]] = {d: [] for d in drafts}

    def publish(plan_id: int):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/schedule-plans/{plan_id}/publish", json={},
                               headers=headers)  # fmt: skip
        statuses[plan_id].append(response.status_code)

    threads = [threading.Thread(target=publish, args=(drafts[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {d: sorted(s) for d, s in statuses.items()} == {d: [200, 409] for d in drafts}
    coord = api("coord_a")
    states = [coord.get(f"/api/v1/schedule-plans/{d}").json for d in drafts]
    (published,) = [p for p in states if p["state"] == "published"]
    assert [p["state"] for p in states if p is not published] == ["superseded"]
    with app.app_context():
        rows = {
            (r.visit_id, r.seat, r.caregiver_id) for r in db.session.scalars(select(VisitCarer))
        }
    assert rows == {(a["visit_id"], a["seat"], a["caregiver_id"]) for a in published["assignments"]}
