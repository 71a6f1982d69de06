"""Policy versions: validated when saved, no overlap, no gap where visits exist, frozen once published."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.policy import services
from carehub.registry.models import Resident
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient
from tests.policy.helpers import add_visit, publish, version_payload


def _code(call) -> str:
    with pytest.raises(CareHubError) as info:
        call()
    return info.value.code


def test_defaults_publish_and_rules_are_filled_in(ctx, world):
    version = publish(world.user("admin"))
    assert version.state == "published"
    assert version.allowance_fen == 60000 and version.low_cost_cap_fen == 30000
    assert version.rules["timebank"]["monthly_cap_minutes"] == 2400
    assert version.rules["tiers"][0]["services"] == []


def test_bad_rules_name_the_field(ctx, world):
    payload = version_payload(rules={"tiers": [{"clause": "x", "tier": "free"}]})
    with pytest.raises(CareHubError) as info:
        services.create_version(world.user("admin"), payload)
    assert "rules.tiers.0.tier" in info.value.errors


def test_only_admin_writes(ctx, world):
    assert _code(lambda: services.create_version(world.user("coord_a"), version_payload())) == (
        "forbidden"
    )
    assert _code(lambda: services.create_version(world.user("auditor"), version_payload())) == (
        "forbidden"
    )


def test_overlap_is_refused(ctx, world):
    admin = world.user("admin")
    publish(admin, valid_from="2026-01-01", valid_to="2026-06-30")
    draft = services.create_version(admin, version_payload("2026-06-01", "2026-12-31"))
    assert _code(lambda: services.publish_version(admin, draft.id)) == "policy_overlap"


def test_gap_with_visits_is_refused_without_visits_allowed(ctx, world, client):
    admin = world.user("admin")
    publish(admin, valid_from="2026-01-01", valid_to="2026-03-31")
    draft = services.create_version(admin, version_payload("2026-06-01", "2026-12-31"))
    resident_id = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a)
    add_visit(db.session.get(Resident, resident_id), day=date(2026, 5, 5))
    assert _code(lambda: services.publish_version(admin, draft.id)) == "policy_gap"
    later = services.create_version(admin, version_payload("2026-04-01", "2026-12-31"))
    assert services.publish_version(admin, later.id).state == "published"


def test_published_is_never_edited_a_draft_is(ctx, world):
    admin = world.user("admin")
    draft = services.create_version(admin, version_payload("2027-01-01"))
    edited = services.update_version(admin, draft.id, version_payload("2027-01-01", name="改"))
    assert edited.name == "改"
    published = publish(admin)
    update = lambda: services.update_version(admin, published.id, version_payload())  # noqa: E731
    assert _code(update) == "version_published"
    assert _code(lambda: services.publish_version(admin, published.id)) == "version_published"


def test_successor_closes_the_open_version_only_from_a_future_date(ctx, world, app):
    admin = world.user("admin")
    first = publish(admin, valid_from="2026-01-01")
    past = services.create_version(admin, version_payload("2026-02-01"))
    assert _code(lambda: services.publish_version(admin, past.id)) == "successor_in_past"
    future = services.create_version(admin, version_payload("2099-01-01"))
    services.publish_version(admin, future.id)
    assert first.valid_to == date(2098, 12, 31)


def test_timebank_rules_for_the_time_bank(ctx, world):
    rules = {**version_payload()["rules"],
             "timebank": {"weights": {"BATH": 150}, "monthly_cap_minutes": 1200}}  # fmt: skip
    publish(world.user("admin"), rules=rules)
    found = services.timebank_rules_on(date(2026, 3, 1))
    assert found["weights"]["BATH"] == 150 and found["weights"]["MEAL"] == 100
    assert found["monthly_cap_minutes"] == 1200 and found["storage_cap_minutes"] == 90000
    assert found["redeem_age"] == 60 and found["expiry_months"] is None


def test_the_time_bank_reads_the_version_in_force(ctx, world):
    from carehub.timebank.rules import DEFAULTS, rules_on

    assert services.timebank_rules_on(date(2026, 3, 1)) is None
    assert rules_on(date(2026, 3, 1)) is DEFAULTS
    rules = {**version_payload()["rules"],
             "timebank": {"weights": {"BATH": 150}, "monthly_cap_minutes": 1200,
                          "redeem_age": 65}}  # fmt: skip
    publish(world.user("admin"), rules=rules)
    found = rules_on(date(2026, 3, 1))
    assert (found.weight("BATH"), found.weight("MEAL")) == (150, 100)
    assert (found.monthly_cap_minutes, found.redeem_age) == (1200, 65)
    assert found.worth("BATH", 60) == 90
