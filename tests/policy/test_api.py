"""The policy API: versions (admin writes), eligibility, the estimate and the frozen split."""

from __future__ import annotations

import pytest

from carehub.extensions import db
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.policy.helpers import add_visit, api_as, verify, version_payload


@pytest.fixture
def api(client, world):
    return api_as(client, world)


def _published(api, ctx_payload=None):
    admin = api("admin")
    created = admin.post("/api/v1/policy-versions", json=ctx_payload or version_payload())
    assert created.status_code == 201, created.json
    published = admin.post(f"/api/v1/policy-versions/{created.json['id']}/publish")
    assert published.status_code == 200, published.json
    return published.json


def test_versions_written_by_admin_read_by_others(api, world, ctx):
    version = _published(api)
    assert (version["state"], version["allowance"]) == ("published", "600.00")
    refused = api("coord_a").post("/api/v1/policy-versions", json=version_payload())
    assert refused.status_code == 403
    assert api("auditor").get("/api/v1/policy-versions").json["items"][0]["id"] == version["id"]
    put = api("admin").put(f"/api/v1/policy-versions/{version['id']}", json=version_payload())
    assert (put.status_code, put.json["error"]) == (409, "version_published")
    bad = api("admin").post("/api/v1/policy-versions", json=version_payload(allowance="1.234"))
    assert bad.status_code == 422 and "allowance" in bad.json["errors"]


def test_eligibility_in_words(api, world, ctx):
    _published(api)
    resident = add_resident(api("admin"), world.station_a)
    found = api("coord_a").get(f"/api/v1/residents/{resident}/eligibility?on=2026-03-01",
                               headers={"Accept-Language": "en"})  # fmt: skip
    assert found.status_code == 200, found.json
    assert (found.json["tier"], found.json["clause"], found.json["allowance_left"]) == (
        "government", "§3.1a", "600.00")  # fmt: skip
    assert found.json["reasons"] == [
        "aged 70 or over, Three-no elder (sanwu) / Five-guarantee (wubao) / "
        "Entitled veteran family (youfu) / Minimum living allowance (dibao) (clause §3.1a) → "
        "government purchase, 600 yuan a month"
    ]
    other = api("coord_b").get(f"/api/v1/residents/{resident}/eligibility")
    assert other.status_code == 404


def test_reasons_in_chinese_by_default(api, world, app):
    """No ``ctx`` here: a request inside a test's app context would reuse its cached locale."""
    with app.app_context():
        payload = version_payload()
    _published(api, payload)
    resident = add_resident(api("admin"), world.station_a)
    found = api("coord_a").get(f"/api/v1/residents/{resident}/eligibility?on=2026-03-01")
    reason = found.json["reasons"][0]
    assert reason.startswith("70 岁以上, 城镇") and reason.endswith("→ 政府购买服务, 每月 600 元")


def test_estimate_then_frozen_split(api, world, ctx):
    _published(api)
    resident = add_resident(api("admin"), world.station_a)
    visit = add_visit(db.session.get(Resident, resident))
    estimate = api("coord_a").get(f"/api/v1/visits/{visit.id}/funding").json
    assert (estimate["frozen"], estimate["price"], estimate["government"]) == (
        False, "15.00", "15.00")  # fmt: skip
    verify(world.user("admin"), visit)
    frozen = api("auditor").get(f"/api/v1/visits/{visit.id}/funding").json
    assert frozen["frozen"] is True and frozen["clause"] == "§3.1a"


def test_reversal_is_idempotent_by_key(api, world, ctx):
    _published(api)
    resident = add_resident(api("admin"), world.station_a)
    visit = verify(world.user("admin"),
                   add_visit(db.session.get(Resident, resident)))  # fmt: skip
    url = f"/api/v1/visits/{visit.id}/funding/reversals"
    key = {"Idempotency-Key": "rev-1"}
    first = api("admin").post(url, json={"reason": "录入错误"}, headers=key)
    again = api("admin").post(url, json={"reason": "录入错误"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    other = api("admin").post(url, json={"reason": "别的"}, headers=key)
    assert other.status_code == 422 and other.json["error"] == "idempotency_key_reused"
    fresh = api("admin").post(url, json={"reason": "录入错误"})
    assert (fresh.status_code, fresh.json["error"]) == (409, "no_split")
