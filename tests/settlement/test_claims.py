"""Monthly claims: idempotent drafts, line decisions by the auditor only, reversals, closed months."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.policy import services as policy
from carehub.registry.models import Resident
from carehub.settlement import services
from carehub.settlement.exports import to_csv, to_xlsx
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient
from tests.policy.helpers import add_visit, publish, verify


@pytest.fixture
def month(client, world, ctx):
    """Three verified March visits of one resident at station A under the default policy."""
    publish(world.user("admin"))
    resident_id = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a)
    resident = db.session.get(Resident, resident_id)
    return [verify(world.user("admin"), add_visit(resident, day=date(2026, 3, d)))
            for d in (2, 3, 4)]  # fmt: skip


def _draft(world, user="manager", month="2026-03"):
    """Draft (the answer is the claim's summary), then read the claim with its lines."""
    actor = world.user(user)
    drafted = services.draft_claim(actor, {"provider_id": world.provider, "month": month})
    found = services.show_claim(actor, drafted["id"])
    assert drafted["totals"] == found["totals"]  # summed in the database = summed in Python
    return found


def _code(call) -> str:
    with pytest.raises(CareHubError) as info:
        call()
    return info.value.code


def test_draft_claims_each_split_once(world, month):
    claim = _draft(world)
    assert len(claim["lines"]) == 3
    assert claim["totals"]["all"]["government_fen"] == 4500
    again = _draft(world)
    assert again["id"] == claim["id"] and len(again["lines"]) == 3
    assert [t["key"] for t in again["totals"]["tier"]] == ["government"]
    assert again["totals"]["category"][0]["key"] == "dibao"


def test_only_the_auditor_decides_and_a_decision_is_final(world, month):
    claim = _draft(world)
    line = claim["lines"][0].id
    decide = lambda user, body: services.decide_line(world.user(user), claim["id"], line, body)  # noqa: E731
    assert _code(lambda: decide("auditor", {"decision": "approve"})) == "claim_state"
    services.submit_claim(world.user("manager"), claim["id"])
    assert _code(lambda: decide("admin", {"decision": "approve"})) == "forbidden"
    assert _code(lambda: decide("manager", {"decision": "approve"})) == "forbidden"
    with pytest.raises(CareHubError) as info:
        decide("auditor", {"decision": "reject"})
    assert "reason" in info.value.errors
    decided = decide("auditor", {"decision": "approve"})
    assert decided["totals"]["approved"]["lines"] == 1
    assert services.show_claim(world.user("auditor"), claim["id"])["lines"][0].state == "approved"
    assert _code(lambda: decide("auditor", {"decision": "reject", "reason": "x"})) == (
        "line_decided"
    )
    assert _code(lambda: services.pay_claim(world.user("admin"), claim["id"])) == "lines_pending"


def test_a_closed_month_stays_closed_and_a_reversal_lands_in_the_next(world, month):
    claim = _draft(world)
    services.submit_claim(world.user("manager"), claim["id"])
    assert _code(lambda: _draft(world)) == "month_closed"
    policy.reverse_visit_funding(world.user("admin"), month[0].id, {"reason": "老人不在家"})
    april = _draft(world, month="2026-04")
    assert [(line.kind, line.price_fen) for line in april["lines"]] == [("reversal", -1500)]
    assert april["totals"]["all"]["price_fen"] == -1500


def test_paid_after_every_line_is_decided(world, month):
    claim = _draft(world)
    services.submit_claim(world.user("manager"), claim["id"])
    for line in claim["lines"]:
        body = {"decision": "reject", "reason": "无签到"} if line.visit_id == month[0].id else {
            "decision": "approve"}  # fmt: skip
        services.decide_line(world.user("auditor"), claim["id"], line.id, body)
    paid = services.pay_claim(world.user("admin"), claim["id"])
    assert paid["state"] == "paid"
    assert paid["totals"]["approved"]["government_fen"] == 3000


def test_scoping(world, month):
    claim = _draft(world, user="admin")
    assert _code(lambda: services.show_claim(world.user("coord_b"), claim["id"])) == "not_found"
    assert len(services.show_claim(world.user("coord_a"), claim["id"])["lines"]) == 3
    assert services.list_claims(world.user("manager"), {})["items"][0]["id"] == claim["id"]
    assert _code(lambda: services.submit_claim(world.user("auditor"), claim["id"])) == "forbidden"
    assert _code(lambda: _draft(world, user="coord_a")) == "forbidden"


def test_exports_have_chinese_headers_and_a_totals_row(world, month):
    claim = _draft(world)
    text = to_csv(claim["lines"]).decode("utf-8")
    assert text.startswith("\ufeff工单号,")
    assert text.strip().splitlines()[-1].startswith("合计,,,,,,,45.00,45.00,0.00,0.00,0")
    assert to_xlsx(claim["lines"], "2026-03")[:2] == b"PK"
