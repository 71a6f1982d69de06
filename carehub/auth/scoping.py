"""Station scoping: one place decides which records an account may see and change.

A record outside the account's stations is reported as not found, so that its existence leaks nothing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from carehub.auth.models import User
from carehub.common.errors import Forbidden, NotFound

READ_ROLES = frozenset({"admin", "auditor", "coordinator", "provider_manager"})
# Station-owned records (residents, volunteers, station staff lists) are not a provider's business.
STATION_READERS = frozenset({"admin", "auditor", "coordinator"})
WRITE_ROLES = frozenset({"admin", "coordinator"})
# What a missing record is called in "No resident with id 7." (pages show their own 404 page).
RECORDS = {
    "account": _l("account"),
    "care plan": _l("care plan"),
    "caregiver": _l("caregiver"),
    "complaint": _l("complaint"),
    "family member": _l("family member"),
    "follow-up call": _l("follow-up call"),
    "provider": _l("provider"),
    "resident": _l("resident"),
    "service type": _l("service type"),
    "station": _l("station"),
    "visit": _l("visit"),
    "volunteer": _l("volunteer"),
}


def require_read(actor: User, roles: frozenset[str] = READ_ROLES) -> None:
    if actor.role not in roles:
        raise Forbidden(_l("Your role cannot read the registry."), code="forbidden")


def require_write(actor: User, roles: frozenset[str] = WRITE_ROLES) -> None:
    if actor.role not in roles:
        raise Forbidden(_l("Your role cannot change the registry."), code="forbidden")


def station_filter(query: Select, column, actor: User) -> Select:
    """Restrict a query on a station-owned table to the actor's stations."""
    require_read(actor, STATION_READERS)
    if actor.district_wide:
        return query
    return query.where(column.in_(actor.station_ids or {-1}))


def own_stations(query: Select, column, actor: User) -> Select:
    """Restrict a query on stations to those the actor works in (any registry reader).

    Unlike ``station_filter`` this admits a provider manager: the stations its provider serves.
    """
    require_read(actor)
    if actor.district_wide:
        return query
    return query.where(column.in_(actor.station_ids or {-1}))


def check_station(actor: User, station_id: int, what: str, record_id: int | str) -> None:
    """Raise NotFound when a record lies outside the actor's stations."""
    require_read(actor, STATION_READERS)
    if not actor.district_wide and station_id not in actor.station_ids:
        raise not_found(what, record_id)


def not_found(what: str, record_id: int | str) -> NotFound:
    """One answer for a record that does not exist and for one outside the account's stations."""
    message = _l("No %(what)s with id %(id)s.", what=RECORDS[what], id=record_id)
    return NotFound(message, code="not_found")
