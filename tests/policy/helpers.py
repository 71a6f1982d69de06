"""Builders for the policy and settlement tests: a published default policy, visits, verification."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from carehub.extensions import db
from carehub.policy import services
from carehub.policy.rules import DEFAULT_FIGURES, DEFAULT_RULES
from carehub.registry.models import District
from carehub.visits.models import Visit
from carehub.visits.states import transition
from tests.factories import ApiClient

LIFECYCLE = ("scheduled", "in_progress", "completed", "verified")


def district_id() -> int:
    return db.session.scalar(select(District.id).order_by(District.id).limit(1))


def version_payload(valid_from="2026-01-01", valid_to=None, **overrides) -> dict:
    payload = {
        "district_id": district_id(), "name": "2026 鼓楼区居家养老服务补贴",
        "valid_from": valid_from, "valid_to": valid_to,
        "allowance": str(DEFAULT_FIGURES["allowance_fen"] / 100),
        "low_cost_share_pct": DEFAULT_FIGURES["low_cost_share_pct"],
        "low_cost_cap": str(DEFAULT_FIGURES["low_cost_cap_fen"] / 100),
        "elder_age": 80, "rules": DEFAULT_RULES,
    }  # fmt: skip
    payload.update(overrides)
    return payload


def publish(admin, **overrides):
    """A published version (default: DESIGN §3 from 2026-01-01, open-ended)."""
    version = services.create_version(admin, version_payload(**overrides))
    return services.publish_version(admin, version.id)


def add_visit(resident, day=date(2026, 3, 2), service="MEAL", funding="government",
              minutes=60, carers=1) -> Visit:  # fmt: skip
    visit = Visit(
        resident_id=resident.id, station_id=resident.station_id, service_code=service,
        visit_date=day, window1_start=time(9), window1_end=time(11), duration_minutes=minutes,
        carers=carers, funding=funding, source="request", state="planned",
    )  # fmt: skip
    db.session.add(visit)
    db.session.commit()
    return visit


def verify(actor, visit: Visit) -> Visit:
    """Move a planned visit through the whole lifecycle to verified (committing)."""
    for state in LIFECYCLE:
        transition(actor, visit, state)
    db.session.commit()
    return visit


class Api(ApiClient):
    """``tests.factories.ApiClient`` that also PUTs and takes extra headers."""

    def _headers(self, kw: dict) -> dict:
        return {**self.headers, **kw.pop("headers", {})}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(kw), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(kw), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(kw), **kw)


def api_as(client, world):
    return lambda username: Api(client, world.tokens[username])
