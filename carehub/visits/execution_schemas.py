"""Input and output schemas of visit execution: check-in/out, verification, follow-ups, complaints."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l

from carehub.careplans.schemas import ID
from carehub.common import fields, validate
from carehub.common.schema import Schema, choice, refuse, text
from carehub.visits.execution_models import (
    COMPLAINT_CHANNELS,
    COMPLAINT_STATES,
    FOLLOW_UP_OUTCOMES,
    FOLLOW_UP_REASONS,
)


class AwareDateTime(fields.DateTime):
    """An ISO 8601 time with its offset (a phone's clock), returned in UTC; a naive one is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            raise refuse("naive_time", _l("Give the time with its UTC offset."))
        if not 2000 <= moment.year <= 2100:
            raise refuse("time_out_of_bounds", _l("Not a plausible time."))
        return moment.astimezone(UTC)


class CheckIn(Schema):
    """The phone's position (browser geolocation) and, for a queued record, its original time."""

    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    accuracy_m = fields.Float(allow_none=True, validate=validate.Range(0, 100_000))
    client_at = AwareDateTime(metadata={"description": "Set only for a record queued offline"})


class ManualCheck(Schema):
    kind = choice(("in", "out"), required=True)
    seat = fields.Integer(load_default=1, strict=True, validate=validate.OneOf((1, 2)))
    at = AwareDateTime(required=True)
    reason = text(200, required=True, min_len=1)


class MissedIn(Schema):
    reason = text(200, required=True, min_len=1)
    version = fields.Integer(strict=True, metadata={"description": "The version you read"})


class CheckOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    seat = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    received_at = fields.DateTime()
    caregiver_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    distance_m = fields.Integer(allow_none=True)
    far = fields.Boolean()
    inaccurate = fields.Boolean()
    offline = fields.Boolean()
    manual = fields.Boolean()
    manual_reason = fields.String()
    visit_state = fields.String(attribute="visit.state")


class EvvCarer(Schema):
    seat = fields.Integer()
    caregiver_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    check_in = fields.Nested(CheckOut, allow_none=True)
    check_out = fields.Nested(CheckOut, allow_none=True)


class EvvOut(Schema):
    """The six EVV elements: service type, resident, date, place, carer(s), start and end."""

    visit_id = fields.Integer()
    state = fields.String()
    service_code = fields.String()
    resident_id = fields.Integer()
    visit_date = fields.Date()
    address = fields.String()
    start = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    carers = fields.List(fields.Nested(EvvCarer))


class VerifyIn(Schema):
    method = choice(("resident_code", "coordinator"), required=True)
    code = fields.String(validate=validate.Length(min=1, max=12))
    checklist = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                            values=fields.Boolean(), load_default=dict)  # fmt: skip
    notes = text(500, load_default="")
    rating = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 5))
    duration_reason = text(200, load_default="",
                           metadata={"description": "Coordinator only: why an odd duration is right"})  # fmt: skip


class VerificationOut(Schema):
    visit_id = fields.Integer()
    method = fields.String()
    username = fields.String()
    at = fields.DateTime()
    checklist = fields.Dict()
    notes = fields.String()
    rating = fields.Integer(allow_none=True)
    minutes = fields.Integer()


class CorrectionIn(Schema):
    reason = text(200, required=True, min_len=1)
    minutes = fields.Integer(strict=True, validate=validate.Range(0, 1440))
    rating = fields.Integer(strict=True, validate=validate.Range(1, 5))
    notes = text(500)


class CorrectionOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    username = fields.String()
    at = fields.DateTime()
    reason = fields.String()
    changes = fields.Dict()


class FollowUpQuery(Schema):
    station_id = fields.Integer(**{**ID, "strict": False})
    open = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class FollowUpIn(Schema):
    outcome = choice(FOLLOW_UP_OUTCOMES, required=True)
    satisfaction = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 5))
    notes = text(500, load_default="")


class FollowUpOut(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    station_id = fields.Integer()
    reason = choice(FOLLOW_UP_REASONS)
    created_at = fields.DateTime()
    outcome = fields.String(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    notes = fields.String()
    done_at = fields.DateTime(allow_none=True)


class FollowUpPage(Schema):
    items = fields.List(fields.Nested(FollowUpOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ComplaintIn(Schema):
    station_id = fields.Integer(required=True, **ID)
    channel = choice(COMPLAINT_CHANNELS, required=True)
    complainant = text(40, required=True, min_len=1)
    summary = text(1000, required=True, min_len=1)
    visit_id = fields.Integer(**ID)
    caregiver_id = fields.Integer(**ID)
    provider_id = fields.Integer(**ID)


class ComplaintStep(Schema):
    to_state = choice(COMPLAINT_STATES[1:], required=True)
    notes = text(1000, load_default="")
    reply = text(1000, load_default="")
    version = fields.Integer(strict=True, metadata={"description": "The version you read"})


class ComplaintQuery(Schema):
    station_id = fields.Integer(**{**ID, "strict": False})
    state = choice(COMPLAINT_STATES)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ComplaintOut(Schema):
    id = fields.Integer()
    station_id = fields.Integer()
    received_by = fields.Integer()
    received_at = fields.DateTime()
    received_on = fields.Date()
    due_on = fields.Date()
    channel = fields.String()
    complainant = fields.String()
    summary = fields.String()
    visit_id = fields.Integer(allow_none=True)
    caregiver_id = fields.Integer(allow_none=True)
    provider_id = fields.Integer(allow_none=True)
    state = fields.String()
    handler_notes = fields.String()
    resolved_at = fields.DateTime(allow_none=True)
    reply = fields.String()
    replied_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)
    overdue = fields.Method("_overdue", metadata={"type": "boolean"})
    version = fields.Integer()

    def _overdue(self, complaint) -> bool:
        from carehub.careplans.clock import local_today
        from carehub.visits.complaints import overdue

        return overdue(complaint, local_today())


class ComplaintPage(Schema):
    items = fields.List(fields.Nested(ComplaintOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
