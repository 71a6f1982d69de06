"""The first job kinds: nightly visit generation, and a self-test for checking a worker."""

from __future__ import annotations

import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.careplans.generation import DEFAULT_DAYS, Result, generate
from carehub.common import fields, validate
from carehub.common.schema import Schema
from carehub.extensions import db
from carehub.jobs.registry import Cron, job
from carehub.registry.models import Station

ID = {"strict": True, "validate": validate.Range(1, 2**31 - 1)}


class GenerateParams(Schema):
    days = fields.Integer(strict=True, load_default=DEFAULT_DAYS, validate=validate.Range(1, 62))
    station_id = fields.Integer(**ID)


@job("generate-visits", label=_l("Generate visits"), schema=GenerateParams, station_scoped=True,
     cron=Cron(hour=1), timed_parameters={"days": DEFAULT_DAYS})  # fmt: skip
def generate_visits(ctx, days: int = DEFAULT_DAYS, station_id: int | None = None) -> dict:
    """The visits of the next ``days`` days from the care plans, station by station (one
    progress step each); idempotent, so a retried or repeated run creates nothing new."""
    query = select(Station.id, Station.name).order_by(Station.id)
    if station_id is not None:
        query = query.where(Station.id == station_id)
    stations = db.session.execute(query).all()
    total: Result | None = None
    for done, station in enumerate(stations):
        ctx.progress(done, len(stations), station.name)
        result = generate(None, days, {station.id})
        if total is None:
            total = result
        else:
            total.add(result)
    ctx.progress(len(stations), len(stations), "")
    if total is None:
        return {"stations": 0}
    summary = {**total.counts(), "start": total.start.isoformat(), "end": total.end.isoformat(),
               "stations": len(stations), "warnings": total.warnings}  # fmt: skip
    record(None, "generate", "visits", 0, station_id, {**summary, "job_id": ctx.job_id})
    return summary


class SelftestParams(Schema):
    steps = fields.Integer(strict=True, load_default=3, validate=validate.Range(0, 100))
    pause_ms = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 5000))
    fail = fields.Boolean(load_default=False)


@job("selftest", label=_l("Worker self-test"), schema=SelftestParams)
def selftest(ctx, steps: int = 3, pause_ms: int = 0, fail: bool = False) -> dict:
    """Counts to ``steps`` with a pause between steps, reporting progress; writes one audit
    event in the job's transaction, so a test can count how often a job's work was committed."""
    for step in range(steps):
        ctx.progress(step, steps, f"{step} / {steps}")
        time.sleep(pause_ms / 1000)
    if fail:
        raise RuntimeError("self-test asked to fail")
    record(None, "selftest", "job", ctx.job_id, None, {"steps": steps})
    return {"steps": steps}
