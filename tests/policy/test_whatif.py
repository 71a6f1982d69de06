"""What-if: a draft over past verified visits, beside the frozen cost; who gains or loses."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.extensions import db
from carehub.policy import services
from carehub.policy.rules import DEFAULT_RULES
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.factories import id_number
from tests.policy.helpers import add_visit, api_as, publish, verify, version_payload


@pytest.fixture
def api(client, world):
    return api_as(client, world)


def test_a_stricter_draft_costs_less_and_names_who_loses(api, world, ctx):
    admin = world.user("admin")
    publish(admin, valid_from="2026-01-01", valid_to="2026-12-31")
    poor = db.session.get(Resident, add_resident(api("admin"), world.station_a))  # 81, 低保
    old = db.session.get(Resident, add_resident(api("admin"), world.station_a, seq=2,
                         categories=[], id_number=id_number(2, date(1940, 1, 1))))  # fmt: skip
    for resident in (poor, old):
        verify(admin, add_visit(resident, day=date(2026, 3, 2)))
    strict = {**DEFAULT_RULES, "tiers": [dict(DEFAULT_RULES["tiers"][0], min_age=85)]}
    draft = services.create_version(admin, version_payload("2027-01-01", rules=strict))
    found = (
        api("auditor")
        .get(f"/api/v1/policy-versions/{draft.id}/what-if?start=2026-03-01&end=2026-03-31")
        .json
    )
    assert found["visits"] == 2
    by_tier = lambda side: {t["key"]: t["government"] for t in found[side]["tier"]}  # noqa: E731
    assert by_tier("in_force") == {"government": "15.00", "low_cost": "7.50"}
    assert by_tier("draft") == {"paid": "0.00"}
    assert sorted(x["resident_id"] for x in found["lose"]) == sorted([poor.id, old.id])
    assert found["gain"] == []
    assert api("coord_a").get(f"/api/v1/policy-versions/{draft.id}/what-if").status_code == 403
