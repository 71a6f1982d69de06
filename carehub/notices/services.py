"""Post notices and read a carer's own; a domain adds its codes to MESSAGES with their text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.notices.models import Notice

# code -> message with %(name)s parameters; each domain that posts a code registers it here.
MESSAGES: dict[str, object] = {
    "route_changed": _l("Your route for %(day)s has changed."),
    "visit_cancelled": _l("The visit to %(resident)s on %(day)s is cancelled."),
    "complaint_escalated": _l(
        "Complaint %(id)s at %(station)s was due on %(due)s and is not closed: escalated."
    ),
    "hours_capped": _l(
        "%(minutes)s minutes served on %(day)s were not credited: the monthly cap is reached."
    ),
}


def post(station_id: int, code: str, params: dict | None = None, *, caregiver_id=None,
         volunteer_id=None, user_id=None) -> Notice:  # fmt: skip
    """Queue a notice for one carer or account in the caller's transaction (it appears once
    committed)."""
    if code not in MESSAGES:
        raise ValueError(f"unknown notice code {code!r}: add it to notices.services.MESSAGES")
    notice = Notice(station_id=station_id, code=code, params=params or {},
                    caregiver_id=caregiver_id, volunteer_id=volunteer_id,
                    user_id=user_id)  # fmt: skip
    db.session.add(notice)
    return notice


def unread_for(user, limit: int = 20) -> list[Notice]:
    """The account's unread notices (its carer's for a carer account), newest first."""
    query = _own(select(Notice), user)
    if query is None:
        return []
    query = query.where(Notice.read_at.is_(None)).order_by(Notice.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def mark_read(user, notice_ids: list[int]) -> int:
    """Mark the account's own notices read; others' ids are ignored. Returns how many."""
    query = _own(select(Notice), user)
    if query is None or not notice_ids:
        return 0
    notices = db.session.scalars(query.where(Notice.id.in_(notice_ids), Notice.read_at.is_(None)))
    count = 0
    for notice in notices:
        notice.read_at = utcnow()
        count += 1
    return count


def render(notice: Notice) -> str:
    """The notice in the reader's language."""
    return (
        str(MESSAGES[notice.code]) % notice.params if notice.params else str(MESSAGES[notice.code])
    )


def _own(query, user):
    if getattr(user, "caregiver_id", None):
        return query.where(Notice.caregiver_id == user.caregiver_id)
    if getattr(user, "volunteer_id", None):
        return query.where(Notice.volunteer_id == user.volunteer_id)
    if getattr(user, "id", None):
        return query.where(Notice.user_id == user.id)
    return None
