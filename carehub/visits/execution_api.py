"""REST endpoints of visit execution. Each is one service call; completing and verifying POSTs
take an ``Idempotency-Key``."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.api.idempotency import DOC as IDEMPOTENT_DOC
from carehub.api.idempotency import idempotent
from carehub.registry.api import body_doc, query_doc
from carehub.visits import complaints, execution, followups, verification
from carehub.visits import execution_schemas as s
from carehub.visits.schemas import VisitOut

blp = Blueprint("execution_api", __name__, description="Visit execution: EVV, proof, 回访, 投诉")


def _doc(schema) -> dict:
    return {**body_doc(schema), **IDEMPOTENT_DOC}


@blp.route("/visits/<int:visit_id>/check-in")
class CheckIn(MethodView):
    @idempotent
    @blp.doc(**_doc(s.CheckIn))
    @blp.response(201, s.CheckOut)
    def post(self, visit_id: int):
        """The carer's own check-in: server time (or the queued record's ``client_at``), place."""
        return execution.check(actor(), visit_id, "in", json_body())


@blp.route("/visits/<int:visit_id>/check-out")
class CheckOutOf(MethodView):
    @idempotent
    @blp.doc(**_doc(s.CheckIn))
    @blp.response(201, s.CheckOut)
    def post(self, visit_id: int):
        """The carer's check-out; the last seat's completes the visit."""
        return execution.check(actor(), visit_id, "out", json_body())


@blp.route("/visits/<int:visit_id>/evv")
class Evv(MethodView):
    @blp.response(200, s.EvvOut)
    def get(self, visit_id: int):
        """What was recorded of the visit: the six elements of electronic visit verification."""
        return execution.evv(actor(), visit_id)


@blp.route("/visits/<int:visit_id>/manual-checks")
class ManualCheck(MethodView):
    @idempotent
    @blp.doc(**_doc(s.ManualCheck))
    @blp.response(201, s.CheckOut)
    def post(self, visit_id: int):
        """A coordinator's entry when the phone failed: always flagged manual, with a reason."""
        return execution.manual(actor(), visit_id, json_body())


@blp.route("/visits/<int:visit_id>/missed")
class Missed(MethodView):
    @blp.doc(**body_doc(s.MissedIn))
    @blp.response(200, VisitOut)
    def post(self, visit_id: int):
        """A no-show: the visit becomes missed, with who decided and why."""
        return execution.mark_missed(actor(), visit_id, json_body())


@blp.route("/visits/<int:visit_id>/verification")
class Verify(MethodView):
    @blp.response(200, s.VerificationOut)
    def get(self, visit_id: int):
        return verification.get_verification(actor(), visit_id)

    @idempotent
    @blp.doc(**_doc(s.VerifyIn))
    @blp.response(201, s.VerificationOut)
    def post(self, visit_id: int):
        """Verify by the resident's card code or by the coordinator: billable from now on."""
        return verification.verify(actor(), visit_id, json_body())


@blp.route("/visits/<int:visit_id>/corrections")
class Corrections(MethodView):
    @blp.doc(**body_doc(s.CorrectionIn))
    @blp.response(201, s.CorrectionOut)
    def post(self, visit_id: int):
        """A correction of a verified visit: a new record with a reason, never an edit."""
        return verification.correct(actor(), visit_id, json_body())


@blp.route("/follow-ups")
class FollowUps(MethodView):
    @blp.doc(**query_doc(s.FollowUpQuery))
    @blp.response(200, s.FollowUpPage)
    def get(self):
        """Follow-up calls (回访) of the caller's stations."""
        return page_body(followups.list_follow_ups(actor(), query_args()))


@blp.route("/follow-ups/<int:follow_up_id>/call")
class FollowUpCall(MethodView):
    @idempotent
    @blp.doc(**_doc(s.FollowUpIn))
    @blp.response(200, s.FollowUpOut)
    def post(self, follow_up_id: int):
        """The call's outcome and satisfaction; "confirmed" verifies a completed visit."""
        return followups.record_call(actor(), follow_up_id, json_body())


@blp.route("/complaints")
class Complaints(MethodView):
    @blp.doc(**query_doc(s.ComplaintQuery))
    @blp.response(200, s.ComplaintPage)
    def get(self):
        return page_body(complaints.list_complaints(actor(), query_args()))

    @blp.doc(**body_doc(s.ComplaintIn))
    @blp.response(201, s.ComplaintOut)
    def post(self):
        """Receive a complaint (投诉); the caller is its first responsible (首问负责)."""
        return complaints.receive(actor(), json_body())


@blp.route("/complaints/<int:complaint_id>")
class ComplaintItem(MethodView):
    @blp.response(200, s.ComplaintOut)
    def get(self, complaint_id: int):
        return complaints.get_complaint(actor(), complaint_id)


@blp.route("/complaints/<int:complaint_id>/steps")
class ComplaintSteps(MethodView):
    @blp.doc(**body_doc(s.ComplaintStep))
    @blp.response(200, s.ComplaintOut)
    def post(self, complaint_id: int):
        """In progress, resolved, replied."""
        return complaints.step(actor(), complaint_id, json_body())
