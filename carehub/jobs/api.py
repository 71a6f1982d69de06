"""REST endpoints of jobs. Each is one service call."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.jobs import schemas as s
from carehub.jobs import services
from carehub.registry.api import body_doc, query_doc

blp = Blueprint("jobs_api", __name__, description="Jobs run by the worker (carehub worker)")


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.doc(**query_doc(s.JobQuery))
    @blp.response(200, s.JobPage)
    def get(self):
        """Jobs, newest first: state, progress, result or error, timings (scoped to stations)."""
        return page_body(services.list_jobs(actor(), query_args()))

    @blp.doc(**body_doc(s.JobIn))
    @blp.response(202, s.JobOut)
    def post(self):
        """Queue a run (a worker runs it; poll GET /jobs/{id}). An identical queued run is
        returned instead of a second one."""
        return services.request_job(actor(), json_body())


@blp.route("/jobs/<int:job_id>")
class JobItem(MethodView):
    @blp.response(200, s.JobOut)
    def get(self, job_id: int):
        return services.get_job(actor(), job_id)


@blp.route("/jobs/<int:job_id>/cancel")
class JobCancel(MethodView):
    @blp.response(200, s.JobOut)
    def post(self, job_id: int):
        """Cancel a queued job (409 not_queued once it runs or has finished)."""
        return services.cancel_job(actor(), job_id)
