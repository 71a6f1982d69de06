"""REST endpoints of visits. Each is one service call."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.registry.api import body_doc, query_doc
from carehub.visits import schemas as s
from carehub.visits import services

blp = Blueprint("visits_api", __name__, description="Visits (服务工单)")


@blp.route("/visits")
class Visits(MethodView):
    @blp.doc(**query_doc(s.VisitQuery))
    @blp.response(200, s.VisitPage)
    def get(self):
        """Visits of the caller's stations, by date, service, state, funding, carers needed."""
        return page_body(services.list_visits(actor(), query_args()))

    @blp.doc(**body_doc(s.RequestIn))
    @blp.response(201, s.VisitOut)
    def post(self):
        """A one-off or urgent (助急) visit outside the plan."""
        return services.request_visit(actor(), json_body())


@blp.route("/visits/<int:visit_id>")
class VisitItem(MethodView):
    @blp.response(200, s.VisitOut)
    def get(self, visit_id: int):
        return services.get_visit(actor(), visit_id)


@blp.route("/visits/<int:visit_id>/cancel")
class VisitCancel(MethodView):
    @blp.doc(**body_doc(s.CancelIn))
    @blp.response(200, s.VisitOut)
    def post(self, visit_id: int):
        """Cancel with a reason (only a visit not yet started or done)."""
        return services.cancel_visit(actor(), visit_id, json_body())


@blp.route("/visits/generate")
class VisitGeneration(MethodView):
    @blp.doc(**body_doc(s.GenerateIn))
    @blp.response(200, s.GenerateOut)
    def post(self):
        """Generate the next days' visits (idempotent); counts and calendar warnings."""
        return services.run_generation(actor(), json_body())
