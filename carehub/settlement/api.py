"""REST endpoints of monthly claims. Each is one service call."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, query_args
from carehub.api.idempotency import DOC as IDEMPOTENCY_DOC
from carehub.api.idempotency import idempotent
from carehub.registry.api import body_doc, query_doc
from carehub.settlement import schemas as s
from carehub.settlement import services

blp = Blueprint("settlement_api", __name__, description="Monthly claims and their review")


@blp.route("/claims")
class Claims(MethodView):
    @blp.doc(**query_doc(s.ClaimQuery))
    @blp.response(200, s.ClaimList)
    def get(self):
        """Claims the caller may see (a provider manager: its provider's)."""
        return services.list_claims(actor(), query_args())

    @idempotent
    @blp.doc(**body_doc(s.DraftIn), **IDEMPOTENCY_DOC)
    @blp.response(200, s.ClaimSummary)
    def post(self):
        """Draft (or top up) a provider's month; running it again adds nothing twice."""
        return services.draft_claim(actor(), json_body())


@blp.route("/claims/<int:claim_id>")
class ClaimItem(MethodView):
    @blp.response(200, s.ClaimOut)
    def get(self, claim_id: int):
        return services.show_claim(actor(), claim_id)


@blp.route("/claims/<int:claim_id>/submit")
class SubmitClaim(MethodView):
    @blp.response(200, s.ClaimSummary)
    def post(self, claim_id: int):
        """Submit a draft to the bureau; the month is then closed for the provider."""
        return services.submit_claim(actor(), claim_id)


@blp.route("/claims/<int:claim_id>/lines/<int:line_id>/decision")
class LineDecision(MethodView):
    @blp.doc(**body_doc(s.DecisionIn))
    @blp.response(200, s.ClaimSummary)
    def post(self, claim_id: int, line_id: int):
        """Approve or reject (with a reason) one line (the bureau auditor)."""
        return services.decide_line(actor(), claim_id, line_id, json_body())


@blp.route("/claims/<int:claim_id>/payment")
class ClaimPayment(MethodView):
    @idempotent
    @blp.doc(**IDEMPOTENCY_DOC)
    @blp.response(200, s.ClaimSummary)
    def post(self, claim_id: int):
        """Record the payment of a fully decided claim (admin)."""
        return services.pay_claim(actor(), claim_id)
