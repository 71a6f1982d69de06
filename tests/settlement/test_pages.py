"""Pages: claims (scoped), the auditor's decision form, exports, the statement, the policy pages."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.extensions import db
from carehub.policy import services as policy
from carehub.registry.models import Resident
from carehub.settlement import services
from tests.careplans.helpers import add_resident
from tests.policy.helpers import add_visit, api_as, publish, verify, version_payload


@pytest.fixture
def claim(client, world, ctx):
    publish(world.user("admin"))
    resident = db.session.get(Resident, add_resident(api_as(client, world)("admin"),
                                                     world.station_a))  # fmt: skip
    verify(world.user("admin"), add_visit(resident, day=date(2026, 3, 2)))
    found = services.draft_claim(world.user("admin"),
                                 {"provider_id": world.provider, "month": "2026-03"})  # fmt: skip
    return {"id": found["id"], "resident": resident.id}


def test_claim_pages_and_exports(login, claim):
    client = login("manager")
    listing = client.get("/claims")
    assert listing.status_code == 200 and "2026-03" in listing.get_data(as_text=True)
    page = client.get(f"/claims/{claim['id']}").get_data(as_text=True)
    assert "颐养服务中心" in page and "政府" in page
    csv = client.get(f"/claims/{claim['id']}/export.csv")
    assert csv.data.startswith("\ufeff工单号".encode())
    xlsx = client.get(f"/claims/{claim['id']}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.post(f"/claims/{claim['id']}/submit").status_code == 302


def test_auditor_rejects_a_line_through_the_page(login, claim, world):
    services.submit_claim(world.user("admin"), claim["id"])
    line = services.show_claim(world.user("admin"), claim["id"])["lines"][0]
    client = login("auditor")
    assert 'value="reject"' in client.get(f"/claims/{claim['id']}").get_data(as_text=True)
    client.post(f"/claims/{claim['id']}/lines/{line.id}",
                data={"decision": "reject", "reason": "照片缺失"})  # fmt: skip
    assert services.show_claim(world.user("admin"), claim["id"])["lines"][0].state == "rejected"


def test_other_station_coordinator_sees_no_claim(login, claim):
    assert login("coord_b").get(f"/claims/{claim['id']}").status_code == 404


def test_statement_and_eligibility_block(login, claim):
    client = login("coord_a")
    statement = client.get(f"/residents/{claim['resident']}/statement?month=2026-03")
    text = statement.get_data(as_text=True)
    assert statement.status_code == 200 and "15.00" in text
    resident = client.get(f"/residents/{claim['resident']}").get_data(as_text=True)
    assert 'id="h-elig"' in resident


def test_policy_pages(login, claim, world):
    draft = policy.create_version(world.user("admin"), version_payload("2099-01-01"))
    client = login("admin")
    assert client.get("/policy").status_code == 200
    assert "§3.1a" in client.get(f"/policy/{draft.id}").get_data(as_text=True)
    whatif = client.get(f"/policy/{draft.id}/what-if?start=2026-03-01&end=2026-03-31")
    assert whatif.status_code == 200 and "<svg" in whatif.get_data(as_text=True)
    copied = client.post(f"/policy/{draft.id}/copy", data={"valid_from": "2100-01-01"})
    assert copied.status_code == 302
    assert login("coord_a").get("/policy").status_code == 403
