"""Property: whatever a later version says, a frozen split reads back exactly as it was frozen."""

from __future__ import annotations

from datetime import date
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from carehub.extensions import db
from carehub.policy import services
from carehub.policy.rules import DEFAULT_RULES
from carehub.registry.models import Resident
from carehub.visits.models import Visit
from tests.careplans.helpers import add_resident
from tests.factories import ApiClient
from tests.policy.helpers import add_visit, publish, verify, version_payload

YEARS = count(2030)
figures = st.fixed_dictionaries({
    "allowance": st.integers(0, 100000).map(lambda fen: f"{fen / 100:.2f}"),
    "low_cost_share_pct": st.integers(0, 100),
    "low_cost_cap": st.integers(0, 50000).map(lambda fen: f"{fen / 100:.2f}"),
    "min_age": st.integers(60, 100),
})  # fmt: skip


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(later=figures)
def test_a_new_version_never_alters_a_frozen_split(client, world, ctx, later):
    admin = world.user("admin")
    if not services.list_versions(admin):
        publish(admin, valid_from="2026-01-01")
        resident_id = add_resident(ApiClient(client, world.tokens["admin"]), world.station_a)
        verify(admin, add_visit(db.session.get(Resident, resident_id), day=date(2026, 3, 2)))
    visit_id = db.session.scalar(select(func.min(Visit.id)))
    before = services.visit_funding(admin, visit_id)
    later = dict(later)
    age = later.pop("min_age")
    rules = {**DEFAULT_RULES, "tiers": [dict(r, min_age=age) for r in DEFAULT_RULES["tiers"]]}
    draft = services.create_version(
        admin, version_payload(f"{next(YEARS)}-01-01", rules=rules, **later)
    )
    services.publish_version(admin, draft.id)
    services.what_if(admin, draft.id, {"start": "2026-03-01", "end": "2026-03-31"})
    assert services.visit_funding(admin, visit_id) == before
    assert before["frozen"] is True
