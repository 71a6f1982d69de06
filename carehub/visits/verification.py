"""Verification: a completed visit becomes billable (``verified``) only with proof.

Proof is check-in and check-out of every seat, a plausible duration, and a confirmation: the
resident's code from a printed card, the follow-up call, or the coordinator (who and how are
recorded). The card code is an HMAC of a per-resident secret (derived from the server's key, never
stored) and the visit's id and date: a carer cannot make it up, and the code of one visit is
refused for another visit or day; once verified, a visit accepts no code again. Corrections after
verification are new records with a reason.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write
from carehub.careplans.errors import conflict, invalid
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.services.common import lock
from carehub.visits.execution import checks_of, seat_of, setting
from carehub.visits.execution_models import Verification, VisitCorrection
from carehub.visits.execution_schemas import CorrectionIn, VerifyIn
from carehub.visits.models import Visit
from carehub.visits.states import transition

CODE_DIGITS = 6
# What a carer ticks per service type (unknown items are refused; unticked ones are False).
CHECKLISTS = {
    "MEAL": ("meal_delivered", "meal_warm", "diet_respected"),
    "CLEAN": ("rooms_cleaned", "kitchen_cleaned", "rubbish_out"),
    "BATH": ("two_carers", "water_temperature_checked", "skin_checked"),
    "MEDICAL": ("escorted_to_clinic", "medicine_checked"),
    "ESCORT": ("escorted_there_and_back",),
    "EMERGENCY": ("situation_resolved", "family_informed"),
    "COMPANION": ("talked_with_resident",),
    "ERRAND": ("errand_done", "receipt_given"),
    "REHAB": ("exercises_done",),
    "LEARNING": ("activity_done",),
}


def card_code(visit: Visit) -> str:
    """The resident's card code for this visit (printed on the card, never shown to the carer)."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(),
                   f"resident-card:{visit.resident_id}".encode(), hashlib.sha256).digest()  # fmt: skip
    digest = hmac.new(key, f"{visit.id}:{visit.visit_date.isoformat()}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest()[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def checked_minutes(visit: Visit) -> int:
    """From the first check-in to the last check-out; refused when a seat lacks either."""
    done = checks_of(visit.id)
    seats = {s.seat for s in visit.carers_on} or {1}
    if not all((s, "in") in done and (s, "out") in done for s in seats):
        raise conflict("state", "checks_missing",
                       _l("Every carer must check in and out before verification."))  # fmt: skip
    first = min(done[(s, "in")].at for s in seats)
    last = max(done[(s, "out")].at for s in seats)
    return int((last - first).total_seconds() // 60)


def plausible(visit: Visit, minutes: int) -> bool:
    low = visit.duration_minutes * setting("VERIFY_MIN_PERCENT", 50) // 100
    high = visit.duration_minutes * setting("VERIFY_MAX_PERCENT", 200) // 100
    return low <= minutes <= high


def verify(actor: User, visit_id: int, payload: dict) -> Verification:
    """Verify by the resident's card code (the carer or the coordinator types it) or by the
    coordinator's word; a follow-up call verifies through ``confirm_by_call``."""
    data = load(VerifyIn(), payload)
    visit = _visit_for_verifier(actor, visit_id, data["method"])
    code = str(data.get("code", ""))
    if data["method"] == "resident_code" and not hmac.compare_digest(code, card_code(visit)):
        raise invalid("code", "bad_code", _l("This is not the resident's code for this visit."))
    unknown = set(data["checklist"]) - set(CHECKLISTS.get(visit.service_code, ()))
    if unknown:
        raise invalid("checklist", "unknown_item",
                      _l("Not on this service's checklist: %(items)s.", items=", ".join(sorted(unknown))))  # fmt: skip
    with atomic():
        lock(visit, None)
        return _verify(actor, visit, data["method"], data)


def confirm_by_call(actor: User, visit: Visit, notes: str, rating: int | None) -> Verification:
    """The follow-up call confirmed the visit (called inside the call's own transaction)."""
    return _verify(actor, visit, "follow_up", {"notes": notes, "rating": rating})


def _verify(actor, visit: Visit, method: str, data: dict) -> Verification:
    if visit.state != "completed":
        raise conflict("state", "not_completed",
                       _l("Only a completed visit can be verified; this one is %(state)s.",
                          state=visit.state))  # fmt: skip
    minutes = checked_minutes(visit)
    odd = not plausible(visit, minutes)
    if odd and (method != "coordinator" or not data.get("duration_reason")):
        raise conflict("duration", "implausible_duration",
                       _l("%(minutes)s minutes is implausible for a %(planned)s-minute visit.",
                          minutes=minutes, planned=visit.duration_minutes))  # fmt: skip
    notes = data.get("notes", "")
    if odd:
        notes = f"{notes} [{data['duration_reason']}]".strip()[:500]
    checklist = {item: bool(data.get("checklist", {}).get(item))
                 for item in CHECKLISTS.get(visit.service_code, ())}  # fmt: skip
    proof = Verification(visit_id=visit.id, method=method, user_id=getattr(actor, "id", None),
                         username=getattr(actor, "username", "system"), checklist=checklist,
                         notes=notes, rating=data.get("rating"), minutes=minutes)  # fmt: skip
    db.session.add(proof)
    transition(actor, visit, "verified", method)
    record(actor, "verify", "visit", visit.id, visit.station_id,
           {"method": method, "minutes": minutes, "rating": proof.rating})  # fmt: skip
    db.session.flush()
    from carehub.visits.followups import after_rating

    after_rating(visit, proof.rating)
    return proof


def _visit_for_verifier(actor: User, visit_id: int, method: str) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    if method == "resident_code" and seat_of(actor, visit) is not None:
        return visit
    require_write(actor)
    check_station(actor, visit.station_id, "visit", visit_id)
    return visit


def get_verification(actor: User, visit_id: int) -> Verification:
    visit = db.session.get(Visit, visit_id)
    if visit is None or (seat_of(actor, visit) is None and _outside(actor, visit)):
        raise not_found("visit", visit_id)
    proof = db.session.scalar(select(Verification).where(Verification.visit_id == visit_id))
    if proof is None:
        raise not_found("visit", visit_id)
    return proof


def _outside(actor: User, visit: Visit) -> bool:
    from carehub.common.errors import CareHubError

    try:
        check_station(actor, visit.station_id, "visit", visit.id)
    except CareHubError:
        return True
    return False


def correct(actor: User, visit_id: int, payload: dict) -> VisitCorrection:
    """A correction of a verified visit: a new record with the reason, never an edit."""
    require_write(actor)
    data = load(CorrectionIn(), payload)
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    check_station(actor, visit.station_id, "visit", visit_id)
    if visit.state != "verified":
        raise conflict("state", "not_verified", _l("Only a verified visit takes corrections."))
    changes = {k: data[k] for k in ("minutes", "rating", "notes") if k in data}
    if not changes:
        raise invalid("minutes", "nothing_to_correct", _l("Say what to correct."))
    with atomic():
        fix = VisitCorrection(visit_id=visit.id, user_id=actor.id, username=actor.username,
                              reason=data["reason"], changes=changes)  # fmt: skip
        db.session.add(fix)
        db.session.flush()
        record(actor, "correct", "visit", visit.id, visit.station_id,
               {**changes, "reason": data["reason"]})  # fmt: skip
    return fix


@dataclass(frozen=True)
class VerifiedVisit:
    """One billable visit as settlement reads it: the six EVV elements, minutes, proof."""

    visit_id: int
    station_id: int
    resident_id: int
    service_code: str
    funding: str
    visit_date: date
    minutes: int
    method: str
    caregiver_ids: tuple[int, ...]
    volunteer_ids: tuple[int, ...]


def verified_visits(station_ids: set[int] | None, year: int, month: int) -> list[VerifiedVisit]:
    """The month's verified visits (of some stations, or all with None), corrections applied:
    the only visits settlement and the time bank may count."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    query = (
        select(Visit, Verification)
        .join(Verification, Verification.visit_id == Visit.id)
        .where(Visit.state == "verified", Visit.visit_date >= start, Visit.visit_date < end)
        .order_by(Visit.visit_date, Visit.id)
    )
    if station_ids is not None:
        query = query.where(Visit.station_id.in_(station_ids or {-1}))
    rows = db.session.execute(query).all()
    fixes = _corrected_minutes([visit.id for visit, _ in rows])
    return [
        VerifiedVisit(visit.id, visit.station_id, visit.resident_id, visit.service_code,
                      visit.funding, visit.visit_date, fixes.get(visit.id, proof.minutes),
                      proof.method,
                      tuple(s.caregiver_id for s in visit.carers_on if s.caregiver_id),
                      tuple(s.volunteer_id for s in visit.carers_on if s.volunteer_id))
        for visit, proof in rows
    ]  # fmt: skip


def _corrected_minutes(visit_ids: list[int]) -> dict[int, int]:
    """The latest correction of the minutes per visit (later records win)."""
    if not visit_ids:
        return {}
    rows = db.session.scalars(
        select(VisitCorrection).where(VisitCorrection.visit_id.in_(visit_ids))
        .order_by(VisitCorrection.id)
    )  # fmt: skip
    return {row.visit_id: row.changes["minutes"] for row in rows if "minutes" in row.changes}


def resident_card(actor: User, resident_id: int, start: date, days: int = 31) -> list[tuple]:
    """The printed card's lines: each coming visit of the resident with its code (for the
    coordinator to print and hand to the resident; a carer never sees it)."""
    from carehub.registry.services.residents import get_resident

    require_write(actor)
    resident = get_resident(actor, resident_id)
    visits = db.session.scalars(
        select(Visit).where(Visit.resident_id == resident.id, Visit.visit_date >= start,
                            Visit.visit_date < start + timedelta(days=days),
                            Visit.state.not_in(("cancelled", "missed")))
        .order_by(Visit.visit_date, Visit.window1_start, Visit.id)
    )  # fmt: skip
    return [(visit, card_code(visit)) for visit in visits]
