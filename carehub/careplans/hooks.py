"""What the registry tells care plans when a resident is saved (kept tiny on the registry side)."""

from __future__ import annotations

from carehub.careplans.clock import local_today

DATED = {"status", "household", "categories"}


def resident_saved(actor, resident, changed: dict | None) -> None:
    """Keep the resident's history; a status change brings the planned visits in line from its date.

    ``changed`` is the audit log's {field: [old, new]}, or None for a new resident.
    """
    from carehub.careplans.facts import record_resident
    from carehub.careplans.generation import resident_changed

    if changed is not None and not DATED & changed.keys():
        return
    status_changed = changed is not None and "status" in changed
    since = resident.deceased_on or resident.status_since
    day = since if (status_changed or changed is None) and since else local_today()
    record_resident(resident, day)
    if status_changed:
        resident_changed(actor, resident, day)
