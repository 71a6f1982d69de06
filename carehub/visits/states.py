"""The visit's state machine (DESIGN.md §9): only legal transitions, each one recorded.

Later domains (scheduling, check-in/out, verification) add their transitions by calling
``transition``; the table below is the whole lifecycle, so none of them can skip a step.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from carehub.careplans.errors import conflict
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.visits import hooks
from carehub.visits.models import Visit, VisitEvent

LEGAL = {
    "planned": {"scheduled", "cancelled", "missed"},
    "scheduled": {"planned", "in_progress", "cancelled", "missed"},  # planned: unpublished
    "in_progress": {"completed", "cancelled"},
    "completed": {"verified"},
    "verified": set(),
    "cancelled": set(),
    "missed": set(),
}
NEEDS_REASON = {"cancelled", "missed"}
# Besides these, generation itself plans again a visit it cancelled because the resident was
# away (hospital, suspension) once the resident is back: cancelled -> planned, with that reason.


def transition(actor, visit: Visit, to_state: str, reason: str = "") -> VisitEvent:
    """Move ``visit`` to ``to_state`` if the lifecycle allows it and tell the listeners
    (``carehub.visits.hooks``); the caller commits."""
    if to_state not in LEGAL.get(visit.state, set()):
        raise conflict(
            "state",
            "illegal_transition",
            _l("A visit that is %(state)s cannot become %(to)s.", state=visit.state, to=to_state),
        )
    if to_state in NEEDS_REASON and not reason.strip():
        from carehub.careplans.errors import invalid

        raise invalid("reason", "reason_required", _l("Say why."))
    event = VisitEvent(
        visit_id=visit.id,
        from_state=visit.state,
        to_state=to_state,
        at=utcnow(),
        user_id=getattr(actor, "id", None),
        username=getattr(actor, "username", "system"),
        reason=reason[:200],
    )
    from_state = visit.state
    visit.state = to_state
    visit.cancel_reason = reason[:200] if to_state == "cancelled" else None
    db.session.add(event)
    hooks.announce(actor, visit, from_state, to_state)
    return event
