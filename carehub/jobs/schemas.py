"""Input and output schemas of jobs."""

from __future__ import annotations

from carehub.common import fields, validate
from carehub.common.schema import Schema, choice
from carehub.jobs.models import STATES
from carehub.jobs.registry import load_kinds


class JobQuery(Schema):
    state = choice(STATES)
    kind = fields.String(validate=validate.Length(max=40))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 200))


class JobIn(Schema):
    kind = choice(sorted(load_kinds()), required=True)
    parameters = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "The kind's parameters: generate-visits takes days (1-62, default 14) "
                       "and station_id; selftest takes steps, pause_ms and fail."})  # fmt: skip


class ProgressOut(Schema):
    done = fields.Integer(attribute="progress_done")
    total = fields.Integer(attribute="progress_total", allow_none=True)
    message = fields.String(attribute="progress_message")
    percent = fields.Integer(allow_none=True)


class JobOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    parameters = fields.Dict()
    period_key = fields.String(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    state = fields.String()
    progress = fields.Method("_progress", metadata={"type": "object"})
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    queued_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    worker_id = fields.String(allow_none=True)
    lease_expires_at = fields.DateTime(allow_none=True)
    requested_by = fields.String()

    def _progress(self, job) -> dict:
        return ProgressOut().dump(job)


class JobPage(Schema):
    items = fields.List(fields.Nested(JobOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
