"""Claim pages (the same services as the API), exports, and a resident's monthly statement."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from carehub.careplans.clock import local_today
from carehub.common.errors import CareHubError
from carehub.extensions import db
from carehub.registry.models import Provider
from carehub.registry.views.common import actor, guarded
from carehub.settlement import exports, services, statements
from carehub.settlement.schemas import Month
from carehub.ui import LABELS

bp = Blueprint("settlement", __name__)


@bp.get("/claims")
@login_required
@guarded
def claims():
    me = actor()
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    if me.role == "provider_manager":
        providers = [p for p in providers if p.id == me.provider_id]
    last = local_today().replace(day=1) - timedelta(days=1)
    return render_template("settlement/claims.html", claims=services.list_claims(me, {})["items"],
                           providers=providers, can_draft=me.role in services.WRITERS,
                           last_month=f"{last:%Y-%m}")  # fmt: skip


@bp.post("/claims")
@login_required
@guarded
def draft():
    try:
        claim = services.draft_claim(
            actor(),
            {
                "provider_id": request.form.get("provider_id", 0, type=int),
                "month": request.form.get("month", ""),
            },
        )
    except CareHubError as err:
        if err.status == 403:
            raise
        flash(err.message, "error")
        return redirect(url_for("settlement.claims"))
    return redirect(url_for("settlement.claim", claim_id=claim["id"]))


@bp.get("/claims/<int:claim_id>")
@login_required
@guarded
def claim(claim_id: int):
    me = actor()
    shown = services.show_claim(me, claim_id)
    return render_template("settlement/claim.html", claim=shown, role=me.role,
                           bars=stacked(shown["totals"]["station"]))  # fmt: skip


def stacked(rows: list[dict], width: int = 240) -> list[tuple]:
    """Per station (key, government, copay, paid) bar widths, scaled to the largest total."""
    top = max([r["government_fen"] + r["copay_fen"] + r["paid_fen"] for r in rows] or [0])
    if top <= 0:
        return []
    return [(r["key"], *(round(width * r[k] / top, 1) for k in ("government_fen", "copay_fen",
             "paid_fen"))) for r in rows]  # fmt: skip


def _act(claim_id: int, call) -> Response:
    try:
        call()
        flash(_("Saved."), "ok")
    except CareHubError as err:
        if err.status in (403, 404):
            raise
        flash(err.message, "error")
    return redirect(url_for("settlement.claim", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/submit")
@login_required
@guarded
def submit(claim_id: int):
    return _act(claim_id, lambda: services.submit_claim(actor(), claim_id))


@bp.post("/claims/<int:claim_id>/pay")
@login_required
@guarded
def pay(claim_id: int):
    return _act(claim_id, lambda: services.pay_claim(actor(), claim_id))


@bp.post("/claims/<int:claim_id>/lines/<int:line_id>")
@login_required
@guarded
def decide(claim_id: int, line_id: int):
    body = {"decision": request.form.get("decision", ""), "reason": request.form.get("reason", "")}
    return _act(claim_id, lambda: services.decide_line(actor(), claim_id, line_id, body))


@bp.get("/claims/<int:claim_id>/export.<any(csv, xlsx):kind>")
@login_required
@guarded
def export(claim_id: int, kind: str):
    shown = services.show_claim(actor(), claim_id)
    name = f"claim-{shown['provider_id']}-{shown['month']:%Y-%m}.{kind}"
    if kind == "csv":
        data, mimetype = exports.to_csv(shown["lines"], shown["names"]), "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(shown["lines"], f"{shown['month']:%Y-%m}", shown["names"])
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@bp.get("/residents/<int:resident_id>/statement")
@login_required
@guarded
def statement(resident_id: int):
    try:
        month = Month().deserialize(request.args.get("month") or f"{local_today():%Y-%m}")
    except ValidationError:  # a hand-edited month: show this month
        month = local_today().replace(day=1)
    found = statements.statement(actor(), resident_id, month)
    return render_template("settlement/statement.html", **found)


LABELS.setdefault("claim_state", {"draft": _l("Draft"), "submitted": _l("Submitted"),
                                  "paid": _l("Paid")})  # fmt: skip
LABELS.setdefault("line_state", {"pending": _l("Pending"), "approved": _l("Approved"),
                                 "rejected": _l("Rejected")})  # fmt: skip
