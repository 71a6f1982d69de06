"""Input and output schemas of the time bank (minutes are integers, never hours as floats)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.careplans.schemas import ID, windows_field
from carehub.common import fields, validate
from carehub.common.schema import Day, Schema, Text, choice, refuse, text
from carehub.registry.models import SERVICE_CODES
from carehub.timebank.models import ACCOUNT_KINDS, RELATIONS, TX_KINDS

MINUTES = {"strict": True, "validate": validate.Range(1, 90000)}


class AccountQuery(Schema):
    kind = choice(ACCOUNT_KINDS)
    station_id = fields.Integer(**{**ID, "strict": False})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class TransactionQuery(Schema):
    account_id = fields.Integer(**{**ID, "strict": False})
    kind = choice(TX_KINDS)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class StatementQuery(Schema):
    date_from = Day()
    date_to = Day()


class ActivityIn(Schema):
    volunteer_id = fields.Integer(**ID, metadata={"description": "Coordinators only"})
    activity_date = Day(required=True)
    minutes = fields.Integer(strict=True, required=True, validate=validate.Range(5, 720))
    description = text(200, required=True)
    resident_id = fields.Integer(**ID)
    service_code = choice(SERVICE_CODES)


class DecideIn(Schema):
    activity_ids = fields.List(fields.Integer(**ID), required=True,
                               validate=validate.Length(1, 500))  # fmt: skip
    decision = choice(("verify", "reject"), load_default="verify")


class Pin(Text):
    """The last four characters of an ID number (digits, or an X check character)."""

    def _deserialize(self, value, attr, data, **kwargs):
        pin = super()._deserialize(value, attr, data, **kwargs).upper()
        if not re.fullmatch(r"[0-9X]{4}", pin):
            raise refuse("bad_pin", _l("Four digits (the last of an ID number may be X)."))
        return pin


class ConfirmIn(Schema):
    pin = Pin(required=True, metadata={"description": "Last four of the resident's ID number"})


class KinIn(Schema):
    volunteer_id = fields.Integer(required=True, **ID)
    resident_id = fields.Integer(required=True, **ID)
    relation = choice(RELATIONS, required=True)
    evidence = text(200, required=True)


class GiftIn(Schema):
    account_id = fields.Integer(required=True, **ID)
    resident_id = fields.Integer(required=True, **ID)
    minutes = fields.Integer(required=True, **MINUTES)


class DonateIn(Schema):
    account_id = fields.Integer(required=True, **ID)
    station_id = fields.Integer(**ID)
    minutes = fields.Integer(required=True, **MINUTES)


class ReverseIn(Schema):
    reason = text(200, required=True)


class RedeemIn(Schema):
    """A visit paid in hours: the visit request's fields and the account that pays."""

    account_id = fields.Integer(required=True, **ID)
    resident_id = fields.Integer(required=True, **ID)
    service_code = choice(SERVICE_CODES, required=True)
    visit_date = Day(required=True)
    windows = windows_field(required=True)
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(5, 480))
    carers = fields.Integer(strict=True, validate=validate.OneOf((1, 2)))
    notes = text(500, load_default="")
    # a visit whose resident share alone is paid in hours (policy.split.in_hours); government:
    # what the allowance and the low-cost cap leave
    share_of = choice(("government", "low_cost", "paid"), load_default=None)


class PoolRequestIn(Schema):
    resident_id = fields.Integer(required=True, **ID)
    minutes = fields.Integer(required=True, **MINUTES)


class PoolIn(Schema):
    station_id = fields.Integer(required=True, **ID)
    requests = fields.List(fields.Nested(PoolRequestIn), required=True,
                           validate=validate.Length(1, 200))  # fmt: skip


class AccountOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    volunteer_id = fields.Integer(allow_none=True)
    resident_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    balance_minutes = fields.Integer()
    held_minutes = fields.Integer()
    name = fields.String()


class AccountPage(Schema):
    items = fields.List(fields.Nested(AccountOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class EntryOut(Schema):
    account_id = fields.Integer()
    minutes = fields.Integer()


class TransactionOut(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    kind = fields.String()
    visit_id = fields.Integer(allow_none=True)
    activity_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    settles_id = fields.Integer(allow_none=True)
    service_date = fields.Date(allow_none=True)
    capped_minutes = fields.Integer()
    memo = fields.String()
    created_at = fields.DateTime()
    prev_hash = fields.String()
    hash = fields.String()
    entries = fields.List(fields.Nested(EntryOut))


class TransactionPage(Schema):
    items = fields.List(fields.Nested(TransactionOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class HoldOut(Schema):
    transaction_id = fields.Integer()
    visit_id = fields.Integer()
    account_id = fields.Integer()
    minutes = fields.Integer()
    visit_date = fields.Date(allow_none=True)


class StatementLine(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    minutes = fields.Integer()
    balance = fields.Integer()
    memo = fields.String()
    hash = fields.String()


class StatementOut(Schema):
    account = fields.Nested(AccountOut)
    date_from = fields.Date(allow_none=True)
    date_to = fields.Date(allow_none=True)
    opening_minutes = fields.Integer()
    closing_minutes = fields.Integer()
    lines = fields.List(fields.Nested(StatementLine))
    last_hash = fields.String(allow_none=True)
    head_hash = fields.String()
    head_seq = fields.Integer()


class ActivityOut(Schema):
    id = fields.Integer()
    volunteer_id = fields.Integer()
    station_id = fields.Integer()
    resident_id = fields.Integer(allow_none=True)
    activity_date = fields.Date()
    minutes = fields.Integer()
    description = fields.String()
    state = fields.String()
    confirmed_by = fields.String(allow_none=True)


class DecideOut(Schema):
    decided = fields.Integer()
    credited_minutes = fields.Integer()


class KinOut(Schema):
    id = fields.Integer()
    volunteer_id = fields.Integer()
    resident_id = fields.Integer()
    relation = fields.String()
    evidence = fields.String()


class PoolOut(Schema):
    granted = fields.List(fields.Nested(PoolRequestIn))
    refused = fields.List(fields.Nested(PoolRequestIn))
    pool_minutes = fields.Integer()


class RedeemOut(Schema):
    visit_id = fields.Integer()
    hold_transaction_id = fields.Integer()
    minutes = fields.Integer()


class LiabilityCell(Schema):
    station = fields.String()
    band = fields.String()
    minutes = fields.Integer()
    value_fen = fields.Integer()


class ProjectionOut(Schema):
    year = fields.Integer()
    reach_60 = fields.Integer()
    reach_70 = fields.Integer()
    reach_80 = fields.Integer()


class TrendOut(Schema):
    month = fields.String()
    minutes = fields.Integer()


class StationTrendOut(Schema):
    station = fields.String()
    months = fields.List(fields.String())
    minutes = fields.List(fields.Integer())


class LiabilityOut(Schema):
    as_of = fields.Date()
    outstanding_minutes = fields.Integer()
    value_fen = fields.Integer()
    hour_value_fen = fields.Integer()
    fund_fen = fields.Integer()
    cover = fields.String(allow_none=True, metadata={"description": "fund ÷ outstanding value"})
    by_station = fields.List(fields.Nested(LiabilityCell))
    projection = fields.List(fields.Nested(ProjectionOut))
    trend = fields.List(fields.Nested(TrendOut))
    station_trends = fields.List(fields.Nested(StationTrendOut))


class FundMovementIn(Schema):
    district_id = fields.Integer(required=True, **ID)
    effective_on = Day(required=True)
    amount_fen = fields.Integer(required=True, strict=True,
                                validate=validate.Range(-10**12, 10**12))  # fmt: skip
    reason = text(200, required=True)

    @validates_schema
    def _not_zero(self, data, **_kw):
        if data.get("amount_fen") == 0:
            raise refuse("zero_amount", _l("An amount of zero moves nothing."), "amount_fen")
