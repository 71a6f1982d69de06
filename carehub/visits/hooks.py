"""Who hears of a visit's transitions: later domains listen instead of being called by name.

Policy freezes the funding split when a visit becomes ``verified``; the time bank credits a
volunteer's minutes then and releases a hold when a visit paid in hours is ``cancelled`` or
``missed``. A listener runs inside the transition's transaction, after the state has changed, and
may raise a ``carehub.common.errors`` error to refuse it: the caller's unit of work then rolls
back whole. Listeners register at import time; ``create_app`` imports the modules that hold them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

Listener = Callable[..., None]  # listener(actor, visit, from_state, to_state)
LISTENERS: dict[str, list[Listener]] = defaultdict(list)
ANY = "*"
FIRST, NORMAL = 10, 100  # ``order``: the policy's split is frozen FIRST, since others read it


def on_transition(*states: str, order: int = NORMAL) -> Callable[[Listener], Listener]:
    """Register ``listener(actor, visit, from_state, to_state)`` for transitions into ``states``
    (or every transition with ``ANY``); lower ``order`` runs first, then registration order.
    Registering the same function twice has no effect."""

    def register(listener: Listener) -> Listener:
        listener.transition_order = order
        for state in states or (ANY,):
            if listener not in LISTENERS[state]:
                LISTENERS[state].append(listener)
                LISTENERS[state].sort(key=lambda fn: getattr(fn, "transition_order", NORMAL))
        return listener

    return register


def announce(actor, visit, from_state: str | None, to_state: str) -> None:
    """Tell every listener of ``to_state`` (then those of every state), by order."""
    for listener in (*LISTENERS.get(to_state, ()), *LISTENERS.get(ANY, ())):
        listener(actor, visit, from_state, to_state)
