"""The structured rules of a policy version: tiers, priority and the time bank, validated.

A tier rule says who qualifies (an age, categories, ability levels: each given one must match)
and which services it covers (none listed: all). Rules are tried in order; the first that
matches decides, and its ``clause`` is cited by every split it decides.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.common import fields, validate
from carehub.common.schema import Schema, choice, integer, refuse, text
from carehub.registry.models import CATEGORIES, SERVICE_CODES

TIERS = ("government", "low_cost")
PRIORITY_KEYS = ("ability_level", "age", "alone", "requested_on")


class TierRule(Schema):
    clause = text(40, required=True)
    tier = choice(TIERS, required=True)
    min_age = integer(60, 120, load_default=60)
    categories_any = fields.List(choice(CATEGORIES), validate=validate.Length(max=5),
                                 load_default=list)  # fmt: skip
    levels = fields.List(integer(0, 4), validate=validate.Length(max=5), load_default=list)
    services = fields.List(choice(SERVICE_CODES), validate=validate.Length(max=10),
                           load_default=list)  # fmt: skip


class TimebankRules(Schema):
    weights = fields.Dict(keys=choice(SERVICE_CODES), values=integer(0, 1000), load_default=dict)
    monthly_cap_minutes = integer(0, 44640, load_default=2400)
    storage_cap_minutes = integer(0, 10_000_000, load_default=90000)
    redeem_age = integer(0, 120, load_default=60)
    expiry_months = integer(1, 1200, allow_none=True, load_default=None)
    hour_value_fen = integer(0, 1_000_000, load_default=3000)  # an hour's market price (liability)


class Rules(Schema):
    tiers = fields.List(fields.Nested(TierRule), validate=validate.Length(1, 30), required=True)
    priority = fields.List(choice(PRIORITY_KEYS), load_default=lambda: list(PRIORITY_KEYS),
                           validate=validate.Length(max=4))  # fmt: skip
    timebank = fields.Nested(TimebankRules, load_default=lambda: TimebankRules().load({}))

    @validates_schema
    def _unique_clauses(self, data, **_kw):
        clauses = [rule["clause"] for rule in data.get("tiers", [])]
        if len(clauses) != len(set(clauses)):
            raise refuse("duplicate_clause", _l("Each clause may appear only once."), "tiers")


DEFAULT_RULES = {
    "tiers": [
        {"clause": "§3.1a", "tier": "government", "min_age": 70,
         "categories_any": ["sanwu", "wubao", "youfu", "dibao"]},
        {"clause": "§3.1b", "tier": "government", "levels": [3, 4],
         "categories_any": ["dibao", "low_income"]},
        {"clause": "§3.2a", "tier": "low_cost", "min_age": 80},
        {"clause": "§3.2b", "tier": "low_cost", "levels": [2, 3, 4]},
    ],
    "priority": list(PRIORITY_KEYS),
    "timebank": {"weights": {}, "monthly_cap_minutes": 2400, "storage_cap_minutes": 90000,
                 "redeem_age": 60, "expiry_months": None, "hour_value_fen": 3000},
}  # fmt: skip
DEFAULT_FIGURES = {"allowance_fen": 60000, "low_cost_share_pct": 50, "low_cost_cap_fen": 30000,
                   "elder_age": 80}  # fmt: skip


def clean(rules: dict) -> dict:
    """The rules with every default filled in (raises Invalid naming the bad field)."""
    from carehub.common.schema import load

    return load(Rules(), rules)
