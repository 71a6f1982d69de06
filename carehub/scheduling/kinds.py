"""Job kinds of scheduling: plan one station-day, re-plan it, and plan every station's tomorrow
each night (after generate-visits at 01:00)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.careplans.clock import local_today
from carehub.common import fields, validate
from carehub.common.schema import Day, Schema
from carehub.extensions import db
from carehub.jobs import queue
from carehub.jobs.registry import Cron, job
from carehub.registry.models import Station
from carehub.scheduling.models import SchedulePlan, StationScheduling
from carehub.scheduling.publish import publish_plan
from carehub.scheduling.solving import DEFAULT_TIME_LIMIT, plan_day, replan_from

ID = {"strict": True, "validate": validate.Range(1, 2**31 - 1)}


class DayText(Day):
    """A date, kept as its ISO text: job parameters are stored as JSON."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


class PlanDayParams(Schema):
    station_id = fields.Integer(required=True, **ID)
    day = DayText(required=True)
    time_limit = fields.Float(load_default=DEFAULT_TIME_LIMIT, validate=validate.Range(0.5, 120))
    seed = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 2**31 - 1))
    publish = fields.Boolean(load_default=False, metadata={"description": "publish the draft"})


def _summary(plan: SchedulePlan) -> dict:
    return {"plan_id": plan.id, "number": plan.number, "served": plan.kpis.get("served", 0),
            "visits": plan.kpis.get("visits", 0)}  # fmt: skip


@job("plan-day", label=_l("Plan a station's day"), schema=PlanDayParams, station_scoped=True)
def plan_day_job(ctx, station_id: int, day, time_limit: float = DEFAULT_TIME_LIMIT,
                 seed: int = 0, publish: bool = False) -> dict:  # fmt: skip
    """Solve one station-day into a new draft (published at once when asked: the nightly run
    for a station whose setting says so)."""
    day = day if isinstance(day, date) else date.fromisoformat(day)
    plan = plan_day(station_id, day, time_limit=time_limit, seed=seed, job_id=ctx.job_id,
                    progress=ctx.progress)  # fmt: skip
    record(None, "plan", "schedule_plan", plan.id, station_id, {"day": day.isoformat(),
           "job_id": ctx.job_id, **plan.kpis})  # fmt: skip
    if publish:
        publish_plan(None, plan)
    return {**_summary(plan), "published": publish}


class ChangeParams(Schema):
    caregiver_id = fields.Integer(allow_none=True, **ID)
    volunteer_id = fields.Integer(allow_none=True, **ID)
    from_minute = fields.Integer(allow_none=True, validate=validate.Range(0, 1439))
    minutes = fields.Integer(validate=validate.Range(1, 480))
    at_minute = fields.Integer(validate=validate.Range(0, 1439))


class ReplanParams(Schema):
    station_id = fields.Integer(required=True, **ID)
    plan_id = fields.Integer(required=True, **ID)
    time_limit = fields.Float(load_default=5.0, validate=validate.Range(0.5, 60))
    absent = fields.List(fields.Nested(ChangeParams), load_default=list)
    late = fields.List(fields.Nested(ChangeParams), load_default=list)
    now_minute = fields.Integer(allow_none=True, validate=validate.Range(0, 1439))


@job("replan-day", label=_l("Re-plan a station's day"), schema=ReplanParams, station_scoped=True)
def replan_day_job(ctx, station_id: int, plan_id: int, **changes) -> dict:
    """A new draft from the published plan after the day's changes."""
    published = db.session.get(SchedulePlan, plan_id)
    if published is None or published.station_id != station_id:
        raise LookupError(f"plan {plan_id} is not a plan of station {station_id}")
    ctx.progress(0, 1, "re-planning")
    plan = replan_from(published, changes, created_by="replan")
    plan.job_id = ctx.job_id
    ctx.progress(1, 1, "")
    return {**_summary(plan), "changes": plan.kpis.get("replan", {})}


class TomorrowParams(Schema):
    time_limit = fields.Float(load_default=DEFAULT_TIME_LIMIT, validate=validate.Range(0.5, 120))


@job("plan-tomorrow", label=_l("Plan every station's tomorrow"), schema=TomorrowParams,
     cron=Cron(hour=2), timed_parameters={"time_limit": DEFAULT_TIME_LIMIT})  # fmt: skip
def plan_tomorrow(ctx, time_limit: float = DEFAULT_TIME_LIMIT) -> dict:
    """Fan out: one ``plan-day`` job per station for tomorrow, so that every worker (on every
    host) takes stations from the queue and the solves spread over their cores. Each station's
    job has its period key (``plan-day:<station>:<day>``), so a repeated or retried night queues
    no station twice; a station whose setting says so gets its plan published at once."""
    day = local_today() + timedelta(days=1)
    auto = set(db.session.scalars(select(StationScheduling.station_id).where(
        StationScheduling.auto_publish.is_(True))))  # fmt: skip
    stations, queued = queue_station_days(day, time_limit, auto, "plan-tomorrow", ctx.progress)
    summary = {"day": day.isoformat(), "stations": stations, "queued": queued}
    record(None, "plan", "schedule_plan", 0, None, {**summary, "job_id": ctx.job_id})
    return summary


def queue_station_days(day: date, time_limit: float, publish: set[int] | bool, requested_by: str,
                       progress=None) -> tuple[int, int]:  # fmt: skip
    """One ``plan-day`` job per station for ``day`` (publishing where ``publish`` says: a set of
    station ids, or all/none); returns (stations, newly queued). Idempotent by period key."""
    stations = db.session.scalars(select(Station.id).order_by(Station.id)).all()
    queued = 0
    for n, station_id in enumerate(stations):
        if progress is not None:
            progress(n, len(stations), "")
        publish_it = publish if isinstance(publish, bool) else station_id in publish
        parameters = {"station_id": station_id, "day": day.isoformat(), "time_limit": time_limit,
                      "seed": 0, "publish": publish_it}  # fmt: skip
        _job, created = queue.enqueue("plan-day", parameters, station_id=station_id,
                                      period_key=f"plan-day:{station_id}:{day.isoformat()}",
                                      requested_by=requested_by)  # fmt: skip
        queued += created
    if progress is not None:
        progress(len(stations), len(stations), "")
    return len(stations), queued
