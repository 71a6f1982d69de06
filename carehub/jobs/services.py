"""Jobs as users see them: list and read (scoped), request a run, cancel a queued one.

Who may do what: admins and auditors read every job; a coordinator reads the jobs of its stations.
A run of a station-scoped kind for one station may be requested by an admin or that station's
coordinator; any other run (the whole district, the self-test) by an admin. The request only
writes a queued row: a worker runs it, so the browser or API client never waits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import require_read, require_write
from carehub.common.errors import Conflict, Forbidden, Invalid, NotFound
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.jobs import queue
from carehub.jobs.models import Job
from carehub.jobs.registry import kind as kind_named
from carehub.jobs.schemas import JobIn, JobQuery
from carehub.registry.services.common import station_for_write

READERS = frozenset({"admin", "auditor", "coordinator"})


def _scoped(actor: User, query):
    require_read(actor, READERS)
    if actor.district_wide:
        return query
    return query.where(Job.station_id.in_(actor.station_ids or {-1}))


def list_jobs(actor: User, args: dict) -> Page:
    args = load(JobQuery(), args)
    query = _scoped(actor, select(Job))
    for name in ("state", "kind"):
        if name in args:
            query = query.where(getattr(Job, name) == args[name])
    return paginate(query.order_by(Job.queued_at.desc(), Job.id.desc()), args["page"],
                    args["per_page"])  # fmt: skip


def get_job(actor: User, job_id: int) -> Job:
    job = db.session.scalar(_scoped(actor, select(Job).where(Job.id == job_id)))
    if job is None:
        raise NotFound(_l("No job with id %(id)s.", id=job_id), code="not_found")
    return job


def jobs_by_id(actor: User, ids: list[int]) -> list[Job]:
    """Several jobs at once (the page's progress poll), those the actor may read."""
    return list(db.session.scalars(_scoped(actor, select(Job).where(Job.id.in_(ids[:100])))))


def request_job(actor: User, payload: dict) -> Job:
    """Queue a run of a kind with its parameters; an identical run still queued is returned
    instead of a second one (a double click queues one run)."""
    data = load(JobIn(), payload)
    kind = kind_named(data["kind"])
    parameters = _parameters(kind, data.get("parameters") or {})
    station_id = parameters.get("station_id") if kind.station_scoped else None
    if station_id is not None:
        require_write(actor)
        station_for_write(actor, station_id, "parameters.station_id")
    elif actor.role != "admin":
        raise Forbidden(_l("Only an administrator can start this job."), code="forbidden")
    same_station = Job.station_id.is_(None) if station_id is None else Job.station_id == station_id
    waiting = db.session.scalars(
        select(Job)
        .where(Job.kind == kind.name, Job.state == "queued", Job.period_key.is_(None), same_station)
        .order_by(Job.id)
    )
    for queued in waiting:
        if queued.parameters == parameters:
            return queued
    with atomic():
        job, _ = queue.enqueue(kind.name, parameters, station_id=station_id,
                               requested_by=actor.username, max_attempts=kind.max_attempts)  # fmt: skip
        record(actor, "enqueue", "job", job.id, station_id, {"kind": kind.name, **parameters})
    return job


def _parameters(kind, given: dict) -> dict:
    if kind.schema is None:
        return {}
    try:
        return load(kind.schema(), given)
    except Invalid as err:
        errors = {f"parameters.{k}": v for k, v in err.lazy_errors.items()}
        raise Invalid(err.lazy_message, errors, code=err.code) from None


def cancel_job(actor: User, job_id: int) -> Job:
    """Cancel a queued job (one that runs finishes; one that finished stays as it ended)."""
    job = get_job(actor, job_id)
    if job.station_id is not None:
        require_write(actor)
    elif actor.role != "admin":
        raise Forbidden(_l("Only an administrator can cancel this job."), code="forbidden")
    with atomic():
        if not queue.cancel(job.id):
            raise Conflict(_l("Only a queued job can be cancelled."), code="not_queued")
        record(actor, "cancel", "job", job.id, job.station_id, {"kind": job.kind})
    db.session.refresh(job)
    return job
