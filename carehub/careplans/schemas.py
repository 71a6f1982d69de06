"""Input and output schemas of care plans, holidays and volunteers' offers (bounded fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.careplans.models import FUNDING_TIERS
from carehub.careplans.recurrence import describe
from carehub.common import fields, validate
from carehub.common.schema import Schema, choice, refuse, text
from carehub.registry.models import SERVICE_CODES, SEXES

MAX_ITEMS = 30
MAX_CAREGIVERS = 10
ID = {"strict": True, "validate": validate.Range(min=1, max=2**31 - 1)}


class WindowSchema(Schema):
    start = fields.Time(required=True, format="%H:%M")
    end = fields.Time(required=True, format="%H:%M")

    @validates_schema
    def _order(self, data, **_kw):
        if data["end"] <= data["start"]:
            raise refuse("window_order", _l("Must be after the start."), "end")


def windows_field(**kw) -> fields.List:
    return fields.List(fields.Nested(WindowSchema), validate=validate.Length(1, 2), **kw)


class ItemIn(Schema):
    line = fields.Integer(validate=validate.Range(1, 999), strict=True,
                          metadata={"description": "An item of the version before, continued"})  # fmt: skip
    service_code = choice(SERVICE_CODES, required=True)
    rrule = text(300, metadata={"description": "iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=TU,FR"})
    recurrence_words = text(
        60,
        metadata={"description": "每个工作日, 每周二和周五, 隔周六, 每月第一个周一 (or English)"},
    )
    workdays_only = fields.Boolean(load_default=False)
    windows = windows_field(required=True)
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(5, 480))
    carers = fields.Integer(strict=True, validate=validate.OneOf((1, 2)))
    preferred_caregivers = fields.List(
        fields.Integer(**ID), validate=validate.Length(max=MAX_CAREGIVERS), load_default=list
    )
    excluded_caregivers = fields.List(
        fields.Integer(**ID), validate=validate.Length(max=MAX_CAREGIVERS), load_default=list
    )
    sex_preference = choice(SEXES, allow_none=True)
    volunteer_suitable = fields.Boolean(load_default=False)
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    funding = choice(
        FUNDING_TIERS,
        metadata={
            "description": "Who pays; left out, the tier eligibility proposes on the item's first day"
        },
    )
    notes = text(500, load_default="")


class VersionIn(Schema):
    effective_from = fields.Date(metadata={"description": "Default: today"})
    reason = text(200, load_default="")
    items = fields.List(fields.Nested(ItemIn), required=True,
                        validate=validate.Length(max=MAX_ITEMS))  # fmt: skip


class PlanIn(VersionIn):
    resident_id = fields.Integer(required=True, **ID)


class PlanQuery(Schema):
    station_id = fields.Integer(**{**ID, "strict": False})
    resident_id = fields.Integer(**{**ID, "strict": False})
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 200))


class Words(Schema):
    zh = fields.String()
    en = fields.String()


class ItemOut(Schema):
    id = fields.Integer()
    line = fields.Integer()
    service_code = fields.String()
    rrule = fields.String()
    workdays_only = fields.Boolean()
    recurrence = fields.Method("_words", metadata={"description": "The rule in words"})
    windows = fields.Method("_windows")
    duration_minutes = fields.Integer()
    carers = fields.Integer()
    preferred_caregivers = fields.List(fields.Integer())
    excluded_caregivers = fields.List(fields.Integer())
    sex_preference = fields.String(allow_none=True)
    volunteer_suitable = fields.Boolean()
    start_date = fields.Date()
    end_date = fields.Date(allow_none=True)
    funding = fields.String()
    notes = fields.String()

    def _words(self, item) -> dict:
        return describe(item.rrule, item.workdays_only)

    def _windows(self, item) -> list[dict]:
        return windows_of(item)


ItemOut._declared_fields["recurrence"].metadata.update(
    {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}
)
ItemOut._declared_fields["windows"].metadata.update(
    {"type": "array", "items": {"type": "object", "properties": {
        "start": {"type": "string"}, "end": {"type": "string"}}}}
)  # fmt: skip


def windows_of(record) -> list[dict]:
    pairs = [(record.window1_start, record.window1_end)]
    if record.window2_start is not None:
        pairs.append((record.window2_start, record.window2_end))
    return [{"start": s.strftime("%H:%M"), "end": e.strftime("%H:%M")} for s, e in pairs]


class VersionOut(Schema):
    id = fields.Integer()
    number = fields.Integer()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    reason = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    items = fields.List(fields.Nested(ItemOut))


class PlanOut(Schema):
    id = fields.Integer()
    resident_id = fields.Integer()
    station_id = fields.Integer(attribute="resident.station_id")
    resident_name = fields.String(attribute="resident.name")
    current = fields.Nested(VersionOut, allow_none=True)
    versions = fields.List(fields.Nested(VersionOut))


class PlanPage(Schema):
    items = fields.List(fields.Nested(PlanOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class RecurrenceQuery(Schema):
    words = text(60)
    rrule = text(300)
    workdays_only = fields.Boolean(load_default=False)


class RecurrenceOut(Schema):
    rrule = fields.String()
    workdays_only = fields.Boolean()
    recurrence = fields.Nested(Words)


# --- holidays -------------------------------------------------------------------------------


class HolidayQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))


class HolidayDayOut(Schema):
    day = fields.Date()
    is_workday = fields.Boolean()
    holiday = fields.Boolean()
    name = fields.String()
    source = fields.String(metadata={"description": "package or override"})


class HolidayYearOut(Schema):
    year = fields.Integer()
    known = fields.Boolean(metadata={"description": "False: neither package nor overrides know it"})
    days = fields.List(fields.Nested(HolidayDayOut))


class HolidayIn(Schema):
    day = fields.Date(required=True)
    is_workday = fields.Boolean(required=True)
    name = text(40, load_default="")


# --- volunteers ---------------------------------------------------------------------------------


class AvailabilityIn(Schema):
    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(0, 6))
    start = fields.Time(required=True, format="%H:%M")
    end = fields.Time(required=True, format="%H:%M")

    @validates_schema
    def _order(self, data, **_kw):
        if data["end"] <= data["start"]:
            raise refuse("window_order", _l("Must be after the start."), "end")


class OfferIn(Schema):
    availability = fields.List(fields.Nested(AvailabilityIn), required=True,
                               validate=validate.Length(max=28))  # fmt: skip
    services = fields.List(choice(SERVICE_CODES), required=True, validate=validate.Length(max=10))


class AvailabilityOut(Schema):
    weekday = fields.Integer()
    start = fields.Time(format="%H:%M")
    end = fields.Time(format="%H:%M")


class OfferOut(Schema):
    volunteer_id = fields.Integer()
    availability = fields.List(fields.Nested(AvailabilityOut))
    services = fields.List(fields.String())
