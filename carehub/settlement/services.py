"""Monthly claims: drafted from the frozen splits, submitted, decided line by line, paid.

Who sees what: an admin and the bureau auditor every claim; a provider manager its provider's
claims; a coordinator the lines of its stations. Who changes what: admin and the provider's
manager draft and submit; only the auditor approves or rejects lines; admin marks a fully
decided claim paid. A submitted claim closes its month for that provider.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, literal, select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import require_read
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.policy.models import VisitFunding
from carehub.registry.models import Provider, ResidentCategory
from carehub.settlement import errors
from carehub.settlement.models import Claim, ClaimLine
from carehub.settlement.schemas import ClaimQuery, DecisionIn, DraftIn
from carehub.settlement.totals import sql_totals, totals
from carehub.visits.models import Visit

WRITERS = frozenset({"admin", "provider_manager"})


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def draft_claim(actor: User, payload: dict) -> dict:
    """Create or top up the draft claim of a provider's month (idempotent: each split once)."""
    data = load(DraftIn(), payload)
    _require_writer(actor, data["provider_id"])
    with atomic("month"):
        claim = _claim_for(data["provider_id"], data["month"])
        added = add_lines(claim)
        record(actor, "draft", "claim", claim.id, changes={"lines_added": added})
    return summary(actor, claim)


def _claim_for(provider_id: int, month: date) -> Claim:
    if db.session.get(Provider, provider_id) is None:
        raise errors.missing("provider", provider_id)
    claim = db.session.scalar(
        select(Claim).where(Claim.provider_id == provider_id, Claim.month == month)
    )
    if claim is None:
        claim = Claim(provider_id=provider_id, month=month, state="draft")
        db.session.add(claim)
        db.session.flush()
    if claim.state != "draft":
        raise errors.closed(month)
    return claim


def add_lines(claim: Claim) -> int:
    """Claim every unclaimed split of the provider dated up to the month's end (a reversal of
    a closed month lands in the next draft). One INSERT … SELECT; returns how many."""
    category = (
        select(func.min(ResidentCategory.category))
        .where(ResidentCategory.resident_id == Visit.resident_id)
        .scalar_subquery()
    )
    f = VisitFunding
    query = (
        select(f.id, f.visit_id, f.kind, f.visit_date, f.tier, f.price_fen, f.government_fen,
               f.copay_fen, f.paid_fen, f.time_credit_minutes, Visit.resident_id,
               Visit.station_id, Visit.service_code, func.coalesce(category, "none"),
               literal(claim.id), literal("pending"), literal(""))
        .join(Visit, Visit.id == f.visit_id)
        .outerjoin(ClaimLine, ClaimLine.funding_id == f.id)
        .where(f.provider_id == claim.provider_id, f.visit_date <= month_end(claim.month),
               ClaimLine.id.is_(None))
    )  # fmt: skip
    columns = ("funding_id", "visit_id", "kind", "visit_date", "tier", "price_fen",
               "government_fen", "copay_fen", "paid_fen", "time_credit_minutes", "resident_id",
               "station_id", "service_code", "category", "claim_id", "state", "reason")  # fmt: skip
    db.session.flush()
    counted = select(func.count(ClaimLine.id)).where(ClaimLine.claim_id == claim.id)
    before = db.session.scalar(counted)
    db.session.execute(insert(ClaimLine.__table__).from_select(columns, query))
    added = db.session.scalar(counted) - before  # (rowcount is -1 on some drivers)
    db.session.expire(claim, ["lines"])
    return added


def list_claims(actor: User, args: dict) -> dict:
    data = load(ClaimQuery(), args)
    query = _scoped(select(Claim), actor).order_by(Claim.month.desc(), Claim.provider_id)
    if "provider_id" in data:
        query = query.where(Claim.provider_id == data["provider_id"])
    if "month" in data:
        query = query.where(Claim.month == data["month"])
    return {"items": [summary(actor, claim) for claim in db.session.scalars(query)]}


def _scoped(query, actor: User):
    require_read(actor)
    if actor.role == "provider_manager":
        return query.where(Claim.provider_id == (actor.provider_id or -1))
    if actor.role == "coordinator":
        mine = select(ClaimLine.claim_id).where(ClaimLine.station_id.in_(actor.station_ids or {-1}))
        return query.where(Claim.id.in_(mine))
    return query


def get_claim(actor: User, claim_id: int) -> Claim:
    claim = db.session.scalar(_scoped(select(Claim), actor).where(Claim.id == claim_id))
    if claim is None:
        raise errors.missing("claim", claim_id)
    return claim


def claim_lines(actor: User, claim: Claim) -> list[ClaimLine]:
    """The lines the actor may see (a coordinator: its stations')."""
    if actor.role == "coordinator":
        return [line for line in claim.lines if line.station_id in actor.station_ids]
    return list(claim.lines)


def view(actor: User, claim: Claim) -> dict:
    """The claim with the lines the actor may see and their totals."""
    shown = claim_lines(actor, claim)
    return {**_head(claim), "lines": shown, "totals": totals(shown), "names": names_of(shown)}


def names_of(lines) -> dict[str, dict[str, str]]:
    """Station names by id and Chinese service names by code, for pages and sheets (an accountant
    reads 鼓楼站 and 助餐, not 1 and MEAL)."""
    from carehub.registry.models import ServiceType, Station

    ids = {line.station_id for line in lines}
    stations = db.session.execute(select(Station.id, Station.name).where(Station.id.in_(ids)))
    services = db.session.execute(select(ServiceType.code, ServiceType.name_zh))
    return {"station": {str(i): name for i, name in stations},
            "service": {code: name for code, name in services}}  # fmt: skip


def summary(actor: User, claim: Claim) -> dict:
    """The claim and its totals without its lines (summed in the database)."""
    stations = actor.station_ids if actor.role == "coordinator" else None
    return {**_head(claim), "totals": sql_totals(claim.id, stations)}


def _head(claim: Claim) -> dict:
    return {"id": claim.id, "provider_id": claim.provider_id, "provider": claim.provider,
            "month": claim.month, "state": claim.state}  # fmt: skip


def show_claim(actor: User, claim_id: int) -> dict:
    return view(actor, get_claim(actor, claim_id))


def submit_claim(actor: User, claim_id: int) -> dict:
    claim = get_claim(actor, claim_id)
    _require_writer(actor, claim.provider_id)
    if claim.state != "draft":
        raise errors.wrong_state(claim.state)
    with atomic():
        claim.state, claim.submitted_at = "submitted", utcnow()
        db.session.flush()
        record(actor, "submit", "claim", claim.id)
    return summary(actor, claim)


def decide_line(actor: User, claim_id: int, line_id: int, payload: dict) -> dict:
    """The auditor approves or rejects one line of a submitted claim; a decision is final."""
    if actor.role != "auditor":
        raise errors.auditor_only()
    data = load(DecisionIn(), payload)
    claim = get_claim(actor, claim_id)
    line = db.session.get(ClaimLine, line_id)
    if line is None or line.claim_id != claim.id:
        raise errors.missing("line", line_id)
    if claim.state != "submitted":
        raise errors.wrong_state(claim.state)
    if line.state != "pending":
        raise errors.decided()
    with atomic():
        line.state = "approved" if data["decision"] == "approve" else "rejected"
        line.reason, line.decided_by, line.decided_at = data["reason"], actor.username, utcnow()
        db.session.flush()
        record(actor, data["decision"], "claim_line", line.id, line.station_id,
               {"claim_id": claim.id, "reason": data["reason"]})  # fmt: skip
    return summary(actor, claim)


def pay_claim(actor: User, claim_id: int) -> dict:
    """Admin records the payment of a submitted claim whose every line is decided."""
    if actor.role != "admin":
        raise errors.not_allowed()
    claim = get_claim(actor, claim_id)
    if claim.state != "submitted":
        raise errors.wrong_state(claim.state)
    pending = select(ClaimLine.id).where(ClaimLine.claim_id == claim.id,
                                         ClaimLine.state == "pending")  # fmt: skip
    if db.session.scalar(pending.limit(1)) is not None:
        raise errors.undecided()
    with atomic():
        claim.state, claim.paid_at = "paid", utcnow()
        db.session.flush()
        found = summary(actor, claim)
        record(actor, "pay", "claim", claim.id, changes=found["totals"]["approved"])
    return found


def _require_writer(actor: User, provider_id: int) -> None:
    if actor.role not in WRITERS:
        raise errors.not_allowed()
    if actor.role == "provider_manager" and actor.provider_id != provider_id:
        raise errors.missing("provider", provider_id)
