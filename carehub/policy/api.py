"""REST endpoints of policy versions, eligibility and funding splits. Each is one service call."""

from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, query_args
from carehub.api.idempotency import DOC as IDEMPOTENCY_DOC
from carehub.api.idempotency import idempotent
from carehub.common.schema import load
from carehub.imports.writing import XLSX_TYPE
from carehub.policy import schemas as s
from carehub.policy import services, sheet
from carehub.registry.api import body_doc, query_doc

blp = Blueprint("policy_api", __name__, description="Subsidy policy, eligibility, funding splits")


@blp.route("/policy-versions")
class PolicyVersions(MethodView):
    @blp.response(200, s.PolicyVersionList)
    def get(self):
        """Every version, drafts included, by district and start date."""
        return {"items": services.list_versions(actor())}

    @blp.doc(**body_doc(s.PolicyVersionIn))
    @blp.response(201, s.PolicyVersionOut)
    def post(self):
        """A draft version (admin); publish it to put it in force."""
        return services.create_version(actor(), json_body())


@blp.route("/policy-versions/<int:version_id>")
class PolicyVersionItem(MethodView):
    @blp.response(200, s.PolicyVersionOut)
    def get(self, version_id: int):
        return services.get_version(actor(), version_id)

    @blp.doc(**body_doc(s.PolicyVersionIn))
    @blp.response(200, s.PolicyVersionOut)
    def put(self, version_id: int):
        """Replace a draft (a published version is refused: write a new one)."""
        return services.update_version(actor(), version_id, json_body())


@blp.route("/policy-versions/<int:version_id>/publish")
class PublishVersion(MethodView):
    @blp.response(200, s.PolicyVersionOut)
    def post(self, version_id: int):
        """Put a draft in force: no overlap, no gap where visits exist (admin)."""
        return services.publish_version(actor(), version_id)


SHEET_DOC = {
    "responses": {
        "200": {
            "description": "The version as a sheet: one row per tier rule (the import's layout).",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


@blp.route("/policy-versions/<int:version_id>/export")
class ExportVersion(MethodView):
    @blp.doc(**query_doc(s.ExportQuery), **SHEET_DOC)
    def get(self, version_id: int):
        """The version as CSV or XLSX (admin, auditor); import it at /imports/policy-versions."""
        fmt = load(s.ExportQuery(), query_args())["format"]
        data, mimetype, name = sheet.export(actor(), version_id, fmt)
        return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=name)  # fmt: skip


@blp.route("/residents/<int:resident_id>/eligibility")
class ResidentEligibility(MethodView):
    @blp.doc(**query_doc(s.OnQuery))
    @blp.response(200, s.EligibilityOut)
    def get(self, resident_id: int):
        """Tier, reasons, allowance used and left, priority on ``on`` (default today)."""
        return services.resident_eligibility(actor(), resident_id, query_args())


@blp.route("/visits/<int:visit_id>/funding")
class VisitFunding(MethodView):
    @blp.response(200, s.FundingOut)
    def get(self, visit_id: int):
        """The frozen split of a verified visit, or the estimate while it is not verified."""
        return services.visit_funding(actor(), visit_id)


@blp.route("/visits/<int:visit_id>/funding/reversals")
class FundingReversals(MethodView):
    @idempotent
    @blp.doc(**body_doc(s.ReversalIn), **IDEMPOTENCY_DOC)
    @blp.response(201, s.FundingOut)
    def post(self, visit_id: int):
        """Reverse the frozen split (admin); the allowance it spent is given back."""
        return services.reverse_visit_funding(actor(), visit_id, json_body())


@blp.route("/policy-versions/<int:version_id>/what-if")
class WhatIf(MethodView):
    @blp.doc(**query_doc(s.WhatIfQuery))
    @blp.response(200, s.WhatIfOut)
    def get(self, version_id: int):
        """Past verified visits under this version, beside their frozen cost (admin, auditor)."""
        return services.what_if(actor(), version_id, query_args())
