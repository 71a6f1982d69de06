"""Eligibility from the effective-dated facts, the priority score, the care plan's default tier."""

from __future__ import annotations

from datetime import date

import pytest

from carehub.extensions import db
from carehub.policy.eligibility import of_resident
from carehub.registry.models import Resident
from tests.careplans.helpers import add_plan, add_resident, item
from tests.factories import id_number
from tests.policy.helpers import api_as, publish


@pytest.fixture
def api(client, world):
    return api_as(client, world)


def _assess(api, resident_id: int, on: str, level: int) -> None:
    body = {"assessed_on": on, "level": level, "assessor": "张评估"}
    response = api("admin").post(f"/api/v1/residents/{resident_id}/assessments", json=body)
    assert response.status_code == 201, response.json


def test_an_assessment_counts_from_its_date_never_before(api, world, ctx):
    publish(world.user("admin"))
    young = add_resident(api("admin"), world.station_a, categories=["low_income"],
                         id_number=id_number(3, date(1955, 5, 1)))  # fmt: skip
    _assess(api, young, "2026-02-01", 3)
    resident = db.session.get(Resident, young)
    before, after = (
        of_resident(resident, date(2026, 1, 31)),
        of_resident(resident, date(2026, 2, 1)),
    )
    assert (before.tier, before.clause) == ("paid", "default")
    assert (after.tier, after.clause) == ("government", "§3.1b")
    assert after.priority > before.priority


def test_priority_orders_level_then_age_then_alone(api, world, ctx):
    publish(world.user("admin"))
    older = add_resident(api("admin"), world.station_a, seq=4, household="with_family",
                         id_number=id_number(4, date(1936, 1, 1)))  # fmt: skip
    alone = add_resident(api("admin"), world.station_a, seq=5, household="alone",
                         id_number=id_number(5, date(1946, 1, 1)))  # fmt: skip
    _assess(api, alone, "2025-12-01", 2)
    day = date(2026, 3, 1)
    found = {
        rid: of_resident(db.session.get(Resident, rid), day).priority for rid in (older, alone)
    }
    assert found[alone] > found[older]  # level 2 before age 90
    same = add_resident(api("admin"), world.station_a, seq=6, household="with_family",
                        id_number=id_number(6, date(1946, 1, 1)))  # fmt: skip
    _assess(api, same, "2025-12-01", 2)
    assert found[alone] > of_resident(db.session.get(Resident, same), day).priority


def test_no_policy_means_paid_with_a_reason(api, world, ctx):
    resident = db.session.get(Resident, add_resident(api("admin"), world.station_a))
    found = of_resident(resident, date(2026, 3, 1))
    assert (found.tier, found.clause, found.policy_version_id) == ("paid", "none", None)


def test_a_plan_item_without_funding_gets_the_proposed_tier(api, world, ctx):
    publish(world.user("admin"))
    free = add_resident(api("admin"), world.station_a)
    paying = add_resident(api("admin"), world.station_a, seq=7, categories=[],
                          id_number=id_number(7, date(1960, 1, 1)))  # fmt: skip
    without = {k: v for k, v in item("MEAL", "每个工作日").items() if k != "funding"}
    assert add_plan(api("admin"), free, without)["current"]["items"][0]["funding"] == "government"
    assert add_plan(api("admin"), paying, without)["current"]["items"][0]["funding"] == "paid"
    chosen = add_plan(api("admin"), add_resident(api("admin"), world.station_a, seq=8,
                      id_number=id_number(8)), item("MEAL", "每个工作日", funding="paid"))  # fmt: skip
    assert chosen["current"]["items"][0]["funding"] == "paid"
