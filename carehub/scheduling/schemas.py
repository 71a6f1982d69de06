"""Input and output schemas of schedule runs, plans, pins and re-planning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import validates_schema

from carehub.careplans.schemas import ID
from carehub.common import fields, validate
from carehub.common.schema import Day, Schema, choice, refuse
from carehub.scheduling.models import PLAN_STATES

HHMM = {"format": "%H:%M"}
OPT_ID = {**ID, "allow_none": True}


class RunIn(Schema):
    station_id = fields.Integer(required=True, **ID)
    day = Day(required=True)
    time_limit = fields.Float(load_default=10.0, validate=validate.Range(0.5, 120))
    seed = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 2**31 - 1))


class SchedulePlanQuery(Schema):
    station_id = fields.Integer(**{**ID, "strict": False})
    day = Day()
    state = choice(PLAN_STATES)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


def _one_carer(data: dict, required: bool) -> None:
    both = data.get("caregiver_id") is not None and data.get("volunteer_id") is not None
    if both:
        raise refuse("one_carer", _l("Give a caregiver or a volunteer, not both."), "volunteer_id")
    if required and data.get("caregiver_id") is None and data.get("volunteer_id") is None:
        raise refuse("carer_required", _l("Give a caregiver or a volunteer."), "caregiver_id")


class PinIn(Schema):
    visit_id = fields.Integer(required=True, **ID)
    caregiver_id = fields.Integer(**OPT_ID)
    volunteer_id = fields.Integer(**OPT_ID)
    start = fields.Time(allow_none=True, **HHMM)

    @validates_schema
    def _something(self, data, **_kw):
        _one_carer(data, required=data.get("start") is None)


class PublishIn(Schema):
    version = fields.Integer(strict=True, metadata={"description": "The plan version you read"})


class CompareQuery(Schema):
    other = fields.Integer(required=True, **{**ID, "strict": False})


class AbsentIn(Schema):
    caregiver_id = fields.Integer(**OPT_ID)
    volunteer_id = fields.Integer(**OPT_ID)
    start = fields.Time(
        allow_none=True, **HHMM, metadata={"description": "absent from (none: all day)"}
    )

    @validates_schema
    def _carer(self, data, **_kw):
        _one_carer(data, required=True)


class LateIn(Schema):
    caregiver_id = fields.Integer(**OPT_ID)
    volunteer_id = fields.Integer(**OPT_ID)
    minutes = fields.Integer(strict=True, required=True, validate=validate.Range(1, 480))
    at = fields.Time(required=True, **HHMM)

    @validates_schema
    def _carer(self, data, **_kw):
        _one_carer(data, required=True)


class ReplanIn(Schema):
    absent = fields.List(
        fields.Nested(AbsentIn), load_default=list, validate=validate.Length(0, 50)
    )
    late = fields.List(fields.Nested(LateIn), load_default=list, validate=validate.Length(0, 50))
    now = fields.Time(
        allow_none=True, **HHMM, metadata={"description": "visits started before stay"}
    )
    time_limit = fields.Float(load_default=5.0, validate=validate.Range(0.5, 60))


class RecommendQuery(Schema):
    visit_id = fields.Integer(required=True, **{**ID, "strict": False})
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 20))


class SettingIn(Schema):
    auto_publish = fields.Boolean(required=True)


class SettingOut(Schema):
    station_id = fields.Integer()
    auto_publish = fields.Boolean()


class CarerRef(Schema):
    kind = fields.String()
    id = fields.Integer()
    name = fields.String()


class AssignmentOut(Schema):
    visit_id = fields.Integer()
    seat = fields.Integer()
    caregiver_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    route_order = fields.Integer()
    planned_start = fields.DateTime()
    planned_end = fields.DateTime()
    travel_minutes = fields.Integer()
    waiting_minutes = fields.Integer()
    late_minutes = fields.Integer()
    meal_round = fields.Boolean(metadata={"description": "a handover on a lunch round (助餐)"})


class UnassignedOut(Schema):
    visit_id = fields.Integer()
    code = fields.String()
    reason = fields.String(metadata={"description": "in the reader's language"})
    details = fields.Dict()


class SchedulePlanSummaryOut(Schema):
    id = fields.Integer()
    station_id = fields.Integer()
    day = fields.Date()
    number = fields.Integer()
    state = fields.String()
    kind = fields.String()
    based_on_id = fields.Integer(allow_none=True)
    job_id = fields.Integer(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    parameters = fields.Dict()
    kpis = fields.Dict()
    version = fields.Integer()


class SchedulePlanOut(SchedulePlanSummaryOut):
    assignments = fields.List(fields.Nested(AssignmentOut))
    unassigned = fields.Method(
        "_unassigned", metadata={"type": "array", "items": {"type": "object"}}
    )

    def _unassigned(self, plan) -> list[dict]:
        from carehub.scheduling.reasons import render

        return [UnassignedOut().dump({"visit_id": u.visit_id, "code": u.code,
                                      "reason": render(u.code, u.params),
                                      "details": (u.params or {}).get("details", {})})
                for u in plan.unassigned]  # fmt: skip


class SchedulePlanPage(Schema):
    items = fields.List(fields.Nested(SchedulePlanSummaryOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class PlanDiffOut(Schema):
    from_plan = fields.Integer()
    to_plan = fields.Integer()
    moved = fields.List(fields.Dict())
    added = fields.List(fields.Dict())
    dropped = fields.List(fields.Dict())
    unchanged = fields.Integer()


class PublishOut(Schema):
    plan = fields.Nested(SchedulePlanSummaryOut)
    scheduled = fields.Integer()
    unscheduled = fields.Integer()
    notified = fields.Integer()
    visits = fields.Integer()


class PinOut(Schema):
    visit_id = fields.Integer()
    caregiver_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    start = fields.Method("_start", metadata={"type": "string", "nullable": True})
    created_by = fields.String()

    def _start(self, pin) -> str | None:
        if pin.start_minute is None:
            return None
        return f"{pin.start_minute // 60:02d}:{pin.start_minute % 60:02d}"


class FitOut(Schema):
    carers = fields.List(fields.Nested(CarerRef))
    feasible = fields.Boolean()
    start = fields.String(allow_none=True)
    added_travel = fields.Integer()
    lateness = fields.Integer()
    knock_on = fields.List(fields.Dict())
    reason = fields.String(allow_none=True)


class RecommendOut(Schema):
    visit_id = fields.Integer()
    candidates = fields.List(fields.Nested(FitOut))


class AbsenceIn(Schema):
    caregiver_id = fields.Integer(**OPT_ID)
    volunteer_id = fields.Integer(**OPT_ID)
    day = Day(required=True)
    kind = choice(("absent", "late"), required=True)
    start = fields.Time(allow_none=True, **HHMM,
                        metadata={"description": "absent from (none: all day); late: reported at"})  # fmt: skip
    end = fields.Time(allow_none=True, **HHMM, metadata={"description": "absent until"})
    minutes = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 480))
    reason = fields.String(required=True, validate=validate.Length(1, 200))

    @validates_schema
    def _fields(self, data, **_kw):
        _one_carer(data, required=True)
        if data["kind"] == "late" and (data.get("minutes") is None or data.get("start") is None):
            raise refuse("late_fields", _l("Lateness needs minutes and the time reported."),
                         "minutes")  # fmt: skip
        if data["kind"] == "late" and data.get("end") is not None:
            raise refuse("late_fields", _l("Lateness has no end time."), "end")
        if data["kind"] == "absent" and data.get("minutes") is not None:
            raise refuse("absent_fields", _l("An absence has no minutes late."), "minutes")
        end, start = data.get("end"), data.get("start")
        if end is not None and (start is None or end <= start):
            raise refuse("end_before_start", _l("The end must be after the start."), "end")


class AbsenceQuery(Schema):
    station_id = fields.Integer(required=True, **{**ID, "strict": False})
    day = Day(required=True)


class AbsenceOut(Schema):
    id = fields.Integer()
    station_id = fields.Integer()
    day = fields.Date()
    caregiver_id = fields.Integer(allow_none=True)
    volunteer_id = fields.Integer(allow_none=True)
    kind = fields.String()
    from_minute = fields.Integer(allow_none=True)
    to_minute = fields.Integer(allow_none=True)
    minutes_late = fields.Integer(allow_none=True)
    reason = fields.String()
    recorded_by = fields.String()
    created_at = fields.DateTime()
