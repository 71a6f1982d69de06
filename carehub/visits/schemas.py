"""Input and output schemas of visits."""

from __future__ import annotations

from carehub.careplans.models import FUNDING_TIERS
from carehub.careplans.schemas import ID, windows_field, windows_of
from carehub.common import fields, validate
from carehub.common.schema import Schema, choice, text
from carehub.registry.models import SERVICE_CODES, SEXES
from carehub.visits.models import STATES


class VisitQuery(Schema):
    date_from = fields.Date()
    date_to = fields.Date()
    station_id = fields.Integer(**{**ID, "strict": False})
    resident_id = fields.Integer(**{**ID, "strict": False})
    service_code = choice(SERVICE_CODES)
    state = choice(STATES)
    funding = choice(FUNDING_TIERS)
    carers = fields.Integer(validate=validate.OneOf((1, 2)))
    source = choice(("plan", "request", "urgent"))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class RequestIn(Schema):
    """A one-off visit, or an urgent one (助急), outside the plan."""

    resident_id = fields.Integer(required=True, **ID)
    service_code = choice(SERVICE_CODES, required=True)
    visit_date = fields.Date(required=True)
    windows = windows_field(required=True)
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(5, 480))
    carers = fields.Integer(strict=True, validate=validate.OneOf((1, 2)))
    sex_preference = choice(SEXES, allow_none=True)
    funding = choice(FUNDING_TIERS, required=True)
    urgent = fields.Boolean(load_default=False)
    notes = text(500, load_default="")


class CancelIn(Schema):
    reason = text(200, required=True, min_len=1)
    version = fields.Integer(strict=True, metadata={"description": "The version you read"})


class EventOut(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    at = fields.DateTime()
    username = fields.String()
    reason = fields.String()
    reason_code = fields.String(allow_none=True)
    reason_params = fields.Dict(allow_none=True)


class VisitOut(Schema):
    id = fields.Integer()
    resident_id = fields.Integer()
    resident_name = fields.String(attribute="resident.name")
    station_id = fields.Integer()
    service_code = fields.String()
    visit_date = fields.Date()
    windows = fields.Method("_windows", metadata={"type": "array", "items": {"type": "object"}})
    duration_minutes = fields.Integer()
    carers = fields.Integer()
    sex_preference = fields.String(allow_none=True)
    funding = fields.String()
    source = fields.String()
    plan_item_id = fields.Integer(allow_none=True)
    plan_version_id = fields.Integer(allow_none=True)
    state = fields.String()
    cancel_reason = fields.String(allow_none=True)
    cancel_code = fields.String(allow_none=True, metadata={"description": "carehub.visits.reasons"})
    cancel_params = fields.Dict(allow_none=True)
    notes = fields.String()
    version = fields.Integer()
    events = fields.List(fields.Nested(EventOut))

    def _windows(self, visit) -> list[dict]:
        return windows_of(visit)


class VisitPage(Schema):
    items = fields.List(fields.Nested(VisitOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class GenerateIn(Schema):
    days = fields.Integer(load_default=14, strict=True, validate=validate.Range(1, 62))
    station_id = fields.Integer(**ID)


class GenerateOut(Schema):
    start = fields.Date()
    end = fields.Date()
    created = fields.Integer()
    updated = fields.Integer()
    cancelled = fields.Integer()
    unchanged = fields.Integer()
    warnings = fields.List(fields.String())
