"""The jobs page (admin; auditors read): recent runs, the timed schedule, "run now".

Thin: every read and write is a service call, as in the API. The page's script polls
``/jobs/status.json`` (the session's cookie, no token) to move the progress bars of running jobs.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from carehub.common.errors import CareHubError
from carehub.jobs import schedule, services
from carehub.jobs.models import STATES
from carehub.jobs.registry import load_kinds
from carehub.registry.views.common import actor, guarded
from carehub.ui import LABELS

bp = Blueprint("jobs", __name__)
PAGE_ROLES = frozenset({"admin", "auditor"})
LABELS.setdefault("job_state", {
    "queued": _l("Queued"), "running": _l("Running"), "succeeded": _l("Succeeded"),
    "failed": _l("Failed"), "cancelled": _l("Cancelled"),
})  # fmt: skip


def _page_reader() -> None:
    if actor().role not in PAGE_ROLES:
        abort(403)


@bp.get("/jobs")
@login_required
@guarded
def jobs():
    _page_reader()
    args = {k: v for k, v in request.args.items() if v and k in ("state", "kind", "page")}
    try:
        page = services.list_jobs(actor(), args)
    except CareHubError:
        page = services.list_jobs(actor(), {})
    return render_template("jobs/list.html", page=page, kinds=load_kinds(), states=STATES,
                           timed=schedule.next_runs(), args=args,
                           can_run=actor().role == "admin")  # fmt: skip


@bp.post("/jobs/run")
@login_required
@guarded
def run_now():
    _page_reader()
    try:
        job = services.request_job(actor(), {"kind": request.form.get("kind", "")})
        flash(_("Job %(id)s is queued; a worker runs it.", id=job.id), "ok")
    except CareHubError as err:
        if err.status == 403:
            raise
        flash(err.message, "error")
    return redirect(url_for("jobs.jobs"))


@bp.post("/jobs/<int:job_id>/cancel")
@login_required
@guarded
def cancel(job_id: int):
    _page_reader()
    try:
        services.cancel_job(actor(), job_id)
        flash(_("Cancelled."), "ok")
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
    return redirect(url_for("jobs.jobs"))


@bp.get("/jobs/status.json")
@login_required
@guarded
def status():
    """State and progress of the jobs named in ``ids`` (comma separated), for the page's poll."""
    _page_reader()
    ids = [int(i) for i in request.args.get("ids", "").split(",") if i.isdigit()]
    return jsonify([
        {"id": job.id, "state": job.state, "done": job.progress_done, "total": job.progress_total,
         "percent": job.percent, "message": job.progress_message,
         "duration": job.duration_seconds} for job in services.jobs_by_id(actor(), ids)
    ])  # fmt: skip
