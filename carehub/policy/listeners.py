"""Policy listens to the visit lifecycle: a verified visit's split is frozen in the same
transaction (imported by ``create_app``)."""

from __future__ import annotations

from carehub.policy.funding import freeze
from carehub.visits.hooks import FIRST, on_transition


@on_transition("verified", order=FIRST)  # the time bank posts the minutes this split freezes
def freeze_split(actor, visit, _from_state, _to_state) -> None:
    freeze(actor, visit)
