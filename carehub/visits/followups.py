"""Follow-up calls (回访): which visits get one, and what the coordinator's call found.

Generated when a visit is completed, for the resident's first visit, a visit with an alert (a
late start, a far, inaccurate or manual check) and a share of the rest (``FOLLOW_UP_PERCENT``,
default 10 %) chosen by a hash of the visit id, so a re-run picks the same visits; and when a
visit is rated 2 or lower at verification. A call that confirms a completed visit verifies it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import check_station, not_found, require_write, station_filter
from carehub.careplans.errors import conflict
from carehub.common import clock
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.services.common import lock
from carehub.visits.execution import checks_of, setting
from carehub.visits.execution_models import FollowUp
from carehub.visits.execution_schemas import FollowUpIn, FollowUpQuery
from carehub.visits.hooks import on_transition
from carehub.visits.models import Visit


def sampled(visit_id: int, percent: int) -> bool:
    """Whether a visit falls in the random share: stable for a visit id, about ``percent`` %."""
    digest = hashlib.sha256(f"follow-up:{visit_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def late_start(visit: Visit, first_in: datetime) -> bool:
    opened = datetime.combine(visit.visit_date, visit.window1_start, tzinfo=clock.timezone())
    return first_in > opened + timedelta(minutes=setting("LATE_START_MIN", 30))


def has_alert(visit: Visit) -> bool:
    checks = checks_of(visit.id).values()
    if any(c.far or c.inaccurate or c.manual for c in checks):
        return True
    starts = [c.at for c in checks if c.kind == "in"]
    return bool(starts) and late_start(visit, min(starts))


def first_visit(visit: Visit) -> bool:
    earlier = select(func.count(Visit.id)).where(
        Visit.resident_id == visit.resident_id, Visit.id != visit.id,
        Visit.state.in_(("completed", "verified")),
        Visit.visit_date <= visit.visit_date,
    )  # fmt: skip
    return db.session.scalar(earlier) == 0


def reason_for(visit: Visit) -> str | None:
    """Why this completed visit gets a call (the first rule that holds), or None."""
    if first_visit(visit):
        return "first_visit"
    if has_alert(visit):
        return "alert"
    if sampled(visit.id, setting("FOLLOW_UP_PERCENT", 10)):
        return "sample"
    return None


@on_transition("completed")
def on_completed(actor, visit: Visit, from_state, to_state) -> None:
    reason = reason_for(visit)
    if reason is not None:
        _add(visit, reason)


def after_rating(visit: Visit, rating: int | None) -> None:
    """A visit rated 2 or lower gets a call, whatever else it had."""
    if rating is not None and rating <= 2:
        _add(visit, "low_rating")


def _add(visit: Visit, reason: str) -> None:
    found = db.session.scalar(select(FollowUp).where(FollowUp.visit_id == visit.id))
    if found is None:
        db.session.add(FollowUp(visit_id=visit.id, station_id=visit.station_id, reason=reason))
        db.session.flush()


def list_follow_ups(actor: User, args: dict) -> Page:
    args = load(FollowUpQuery(), args)
    query = station_filter(select(FollowUp), FollowUp.station_id, actor)
    if "station_id" in args:
        query = query.where(FollowUp.station_id == args["station_id"])
    if "open" in args:
        query = query.where(FollowUp.done_at.is_(None) if args["open"] else
                            FollowUp.done_at.is_not(None))  # fmt: skip
    return paginate(query.order_by(FollowUp.id), args["page"], args["per_page"])


def record_call(actor: User, follow_up_id: int, payload: dict) -> FollowUp:
    """The call's outcome and satisfaction; a confirmed, completed visit becomes verified."""
    require_write(actor)
    data = load(FollowUpIn(), payload)
    call = db.session.get(FollowUp, follow_up_id)
    if call is None:
        raise not_found("follow-up call", follow_up_id)
    check_station(actor, call.station_id, "follow-up call", follow_up_id)
    if call.done_at is not None:
        raise conflict("outcome", "already_recorded", _l("Already recorded."))
    with atomic():
        call.outcome, call.satisfaction, call.notes = (data["outcome"], data.get("satisfaction"),
                                                        data["notes"])  # fmt: skip
        call.done_at, call.done_by = clock.utc_now(), actor.id
        visit = call.visit
        if data["outcome"] == "confirmed" and visit.state == "completed":
            from carehub.visits.verification import confirm_by_call

            lock(visit, None)
            confirm_by_call(actor, visit, data["notes"], data.get("satisfaction"))
        record(actor, "follow_up", "visit", visit.id, visit.station_id,
               {"outcome": call.outcome, "satisfaction": call.satisfaction})  # fmt: skip
    return call
