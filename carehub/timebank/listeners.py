"""The time bank hears the visit lifecycle (``carehub.visits.hooks``), inside its transaction.

Verified: every volunteer seat earns the visit's minutes (weighted), and a visit paid in hours
spends its hold. Cancelled or missed: the hold goes back to whoever paid it.
"""

from __future__ import annotations

from sqlalchemy import select

from carehub.extensions import db
from carehub.policy.funding import SHARE_IN_HOURS, current_split
from carehub.registry.models import Volunteer
from carehub.timebank import flows
from carehub.visits.hooks import on_transition
from carehub.visits.models import VisitCarer


@on_transition("verified")
def credit_volunteers(actor, visit, from_state, to_state) -> None:
    seats = db.session.scalars(
        select(VisitCarer).where(VisitCarer.visit_id == visit.id,
                                 VisitCarer.volunteer_id.is_not(None)).order_by(VisitCarer.seat)
    )  # fmt: skip
    for seat in list(seats):
        volunteer = db.session.get(Volunteer, seat.volunteer_id)
        flows.credit(actor, volunteer, visit.duration_minutes, visit.service_code,
                     visit.visit_date, visit.station_id, visit_id=visit.id)  # fmt: skip
    if visit.funding == "time_credit":
        flows.settle(actor, visit, "post")
    elif visit.funding in SHARE_IN_HOURS:
        split = current_split(visit.id)  # frozen just before (policy listeners run first)
        flows.settle(actor, visit, "post", split.time_credit_minutes if split else 0)


@on_transition("cancelled", "missed")
def release_hold(actor, visit, from_state, to_state) -> None:
    if visit.funding == "time_credit" or visit.funding in SHARE_IN_HOURS:
        flows.settle(actor, visit, "release")
