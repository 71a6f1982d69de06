"""The demo district's policy: DESIGN §3's defaults, in force from the first of the year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from carehub.extensions import db
from carehub.policy.rules import DEFAULT_FIGURES, DEFAULT_RULES
from carehub.policy.services import create_version, publish_version
from carehub.registry.models import District


def load_policy(admin, district_code: str, today: date) -> None:
    district_id = db.session.scalar(select(District.id).where(District.code == district_code))
    payload = {
        "district_id": district_id, "name": f"{today.year} 年居家养老服务补贴政策",
        "valid_from": f"{today.year}-01-01", "valid_to": None,
        "allowance": f"{DEFAULT_FIGURES['allowance_fen'] / 100:.2f}",
        "low_cost_share_pct": DEFAULT_FIGURES["low_cost_share_pct"],
        "low_cost_cap": f"{DEFAULT_FIGURES['low_cost_cap_fen'] / 100:.2f}",
        "elder_age": DEFAULT_FIGURES["elder_age"], "rules": DEFAULT_RULES,
    }  # fmt: skip
    publish_version(admin, create_version(admin, payload).id)
