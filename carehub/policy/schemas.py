"""Input and output schemas of policy versions, eligibility and funding splits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.common import fields
from carehub.common.schema import Day, Schema, Yuan, choice, integer, refuse, text
from carehub.policy.rules import Rules


class PolicyVersionIn(Schema):
    district_id = integer(1, required=True)
    name = text(80, required=True)
    valid_from = Day(required=True)
    valid_to = Day(allow_none=True, load_default=None)
    allowance = Yuan(required=True, metadata={"description": "monthly allowance, yuan"})
    low_cost_share_pct = integer(0, 100, required=True)
    low_cost_cap = Yuan(required=True, metadata={"description": "low-cost monthly cap, yuan"})
    elder_age = integer(60, 120, load_default=80)
    rules = fields.Nested(Rules, required=True)

    @validates_schema
    def _range(self, data, **_kw):
        end, start = data.get("valid_to"), data.get("valid_from")
        if end is not None and start is not None and end < start:
            raise refuse("bad_dates", _l("The end date must not be before the start date."),
                         "valid_to")  # fmt: skip


class PolicyVersionOut(Schema):
    id = fields.Integer()
    district_id = fields.Integer()
    name = fields.String()
    state = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    allowance = Yuan(attribute="allowance_fen")
    low_cost_share_pct = fields.Integer()
    low_cost_cap = Yuan(attribute="low_cost_cap_fen")
    elder_age = fields.Integer()
    rules = fields.Dict()
    version = fields.Integer()


class PolicyVersionList(Schema):
    items = fields.List(fields.Nested(PolicyVersionOut))


class OnQuery(Schema):
    on = Day()


class EligibilityOut(Schema):
    resident_id = fields.Integer()
    on = fields.Date()
    tier = fields.String()
    clause = fields.String()
    policy_version_id = fields.Integer(allow_none=True)
    age = fields.Integer()
    ability_level = fields.Integer(allow_none=True)
    categories = fields.List(fields.String())
    household = fields.String()
    status = fields.String()
    priority = fields.Integer()
    reasons = fields.Method("_reasons", metadata={"type": "array", "items": {"type": "string"}})
    allowance = Yuan(attribute="allowance_fen")
    allowance_used = Yuan(attribute="allowance_used_fen")
    allowance_left = Yuan(attribute="allowance_left_fen")
    low_cost_cap = Yuan(attribute="low_cost_cap_fen")
    low_cost_used = Yuan(attribute="low_cost_used_fen")

    def _reasons(self, found) -> list[str]:
        return [str(r) for r in found.reasons]


class FundingOut(Schema):
    visit_id = fields.Integer()
    frozen = fields.Boolean()
    funding_id = fields.Integer()
    tier = fields.String()
    clause = fields.String()
    policy_version_id = fields.Integer(allow_none=True)
    provider_id = fields.Integer(allow_none=True)
    unit_price = Yuan(attribute="unit_price_fen")
    unit_minutes = fields.Integer()
    price = Yuan(attribute="price_fen")
    government = Yuan(attribute="government_fen")
    copay = Yuan(attribute="copay_fen")
    paid = Yuan(attribute="paid_fen")
    time_credit_minutes = fields.Integer()


class ReversalIn(Schema):
    reason = text(200, required=True, min_len=1)


class ExportQuery(Schema):
    format = choice(("csv", "xlsx"), load_default="xlsx",
                    metadata={"description": "csv (UTF-8 with BOM) or xlsx"})  # fmt: skip


class WhatIfQuery(Schema):
    start = Day(metadata={"description": "first visit date (default: three months ago)"})
    end = Day(metadata={"description": "last visit date (default: yesterday)"})


class WhatIfTotal(Schema):
    key = fields.String()
    visits = fields.Integer()
    government = Yuan(attribute="government_fen")
    copay = Yuan(attribute="copay_fen")
    paid = Yuan(attribute="paid_fen")


class WhatIfSide(Schema):
    tier = fields.List(fields.Nested(WhatIfTotal))
    category = fields.List(fields.Nested(WhatIfTotal))
    station = fields.List(fields.Nested(WhatIfTotal))
    service = fields.List(fields.Nested(WhatIfTotal))


class CoverageChange(Schema):
    resident_id = fields.Integer()
    name = fields.String()
    in_force = fields.String()
    draft = fields.String()


class WhatIfOut(Schema):
    version_id = fields.Integer()
    start = fields.Date()
    end = fields.Date()
    visits = fields.Integer()
    in_force = fields.Nested(WhatIfSide)
    draft = fields.Nested(WhatIfSide)
    gain = fields.List(fields.Nested(CoverageChange))
    lose = fields.List(fields.Nested(CoverageChange))
