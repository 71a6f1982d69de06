"""The claims API: scoped reads, idempotent drafts by key, the auditor's decisions."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.extensions import db
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.policy.helpers import add_visit, api_as, publish, verify


@pytest.fixture
def api(client, world):
    return api_as(client, world)


@pytest.fixture
def verified(api, world, ctx):
    publish(world.user("admin"))
    resident = db.session.get(Resident, add_resident(api("admin"), world.station_a))
    return [verify(world.user("admin"), add_visit(resident, day=date(2026, 3, d))) for d in (2, 9)]


def test_claim_lifecycle_through_the_api(api, world, verified):
    body = {"provider_id": world.provider, "month": "2026-03"}
    key = {"Idempotency-Key": "march"}
    draft = api("manager").post("/api/v1/claims", json=body, headers=key)
    assert draft.status_code == 200, draft.json
    totals = draft.json["totals"]["all"]
    assert (totals["lines"], totals["government"]) == (2, "30.00")
    assert api("manager").post("/api/v1/claims", json=body, headers=key).json == draft.json
    claim = draft.json["id"]
    lines = api("manager").get(f"/api/v1/claims/{claim}").json["lines"]
    assert api("coord_b").get(f"/api/v1/claims/{claim}").status_code == 404
    assert api("coord_a").get("/api/v1/claims").json["items"][0]["month"] == "2026-03"
    assert api("manager").post(f"/api/v1/claims/{claim}/submit").status_code == 200
    line = lines[0]["id"]
    url = f"/api/v1/claims/{claim}/lines/{line}/decision"
    assert api("admin").post(url, json={"decision": "approve"}).status_code == 403
    rejected = api("auditor").post(url, json={"decision": "reject", "reason": "无签到记录"})
    assert rejected.status_code == 200
    assert api("auditor").get(f"/api/v1/claims/{claim}").json["lines"][0]["state"] == "rejected"
    again = api("manager").post("/api/v1/claims", json=body)
    assert (again.status_code, again.json["error"]) == (409, "month_closed")


def test_bad_month_names_the_field(api, world):
    response = api("admin").post("/api/v1/claims", json={"provider_id": 1, "month": "2026-13"})
    assert response.status_code == 422 and "month" in response.json["errors"]


def test_a_manager_drafts_only_for_its_own_provider(api, world):
    response = api("manager").post("/api/v1/claims",
                                   json={"provider_id": world.provider + 1, "month": "2026-03"})  # fmt: skip
    assert (response.status_code, response.json["error"]) == (404, "not_found")
