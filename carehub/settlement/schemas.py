"""Input and output schemas of claims and statements (money as yuan strings, signed on output)."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.common import fields
from carehub.common.schema import Schema, Yuan, choice, integer, refuse, text

MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


def money(**kw) -> Yuan:
    """Yuan that may be negative (reversal lines and the totals that include them)."""
    return Yuan(metadata={"pattern": r"^-?\d+\.\d{2}$"}, **kw)


class Month(fields.String):
    """ "2026-03" → the first of that month."""

    def _deserialize(self, value, attr, data, **kwargs):
        text_value = super()._deserialize(value, attr, data, **kwargs)
        if not MONTH.match(text_value):
            raise refuse("bad_month", _l("Give a month as YYYY-MM."))
        return date(int(text_value[:4]), int(text_value[5:]), 1)


class DraftIn(Schema):
    provider_id = integer(1, required=True)
    month = Month(required=True, metadata={"example": "2026-03", "pattern": MONTH.pattern})


class DecisionIn(Schema):
    decision = choice(("approve", "reject"), required=True)
    reason = text(200, load_default="")

    @validates_schema
    def _reason(self, data, **_kw):
        if data.get("decision") == "reject" and not data.get("reason"):
            raise refuse("reason_required", _l("Say why the line is rejected."), "reason")


class ClaimQuery(Schema):
    provider_id = integer(1)
    month = Month(metadata={"pattern": MONTH.pattern})


class StatementQuery(Schema):
    month = Month(required=True, metadata={"pattern": MONTH.pattern})


class LineOut(Schema):
    id = fields.Integer()
    funding_id = fields.Integer()
    visit_id = fields.Integer()
    kind = fields.String()
    visit_date = fields.Date()
    resident_id = fields.Integer()
    station_id = fields.Integer()
    service_code = fields.String()
    category = fields.String()
    tier = fields.String()
    price = money(attribute="price_fen")
    government = money(attribute="government_fen")
    copay = money(attribute="copay_fen")
    paid = money(attribute="paid_fen")
    time_credit_minutes = fields.Integer()
    state = fields.String()
    reason = fields.String()
    decided_by = fields.String(allow_none=True)


class TotalOut(Schema):
    key = fields.String()
    lines = fields.Integer()
    price = money(attribute="price_fen")
    government = money(attribute="government_fen")
    copay = money(attribute="copay_fen")
    paid = money(attribute="paid_fen")
    time_credit_minutes = fields.Integer()


class TotalsOut(Schema):
    all = fields.Nested(TotalOut)
    approved = fields.Nested(TotalOut)
    tier = fields.List(fields.Nested(TotalOut))
    station = fields.List(fields.Nested(TotalOut))
    service = fields.List(fields.Nested(TotalOut))
    category = fields.List(fields.Nested(TotalOut))


class ClaimOut(Schema):
    id = fields.Integer()
    provider_id = fields.Integer()
    provider_name = fields.String(attribute="provider.name")
    month = fields.Method("_month", metadata={"type": "string"})
    state = fields.String()
    lines = fields.List(fields.Nested(LineOut))
    totals = fields.Nested(TotalsOut)

    def _month(self, claim) -> str:
        return f"{claim['month']:%Y-%m}"


class ClaimSummary(ClaimOut):
    class Meta:
        exclude = ("lines",)


class ClaimList(Schema):
    items = fields.List(fields.Nested(ClaimSummary))
