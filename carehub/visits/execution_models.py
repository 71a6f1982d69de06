"""What happened on a visit: check-ins and -outs, verification, corrections, follow-ups, complaints.

Check events, verifications and corrections are append-only (the database refuses UPDATE and
DELETE through triggers, migration 0011); the one exception is the retention job, which clears a
check event's coordinates after 90 days and keeps its distance (``location_cleared_at``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.visits.models import Visit, _in

CHECK_KINDS = ("in", "out")
VERIFY_METHODS = ("resident_code", "follow_up", "coordinator")
FOLLOW_UP_REASONS = ("first_visit", "low_rating", "alert", "sample")
FOLLOW_UP_OUTCOMES = ("confirmed", "not_confirmed", "unreachable")
COMPLAINT_STATES = ("received", "in_progress", "resolved", "replied")
COMPLAINT_CHANNELS = ("phone", "visit", "letter", "online", "hotline_12345")


class CheckEvent(db.Model):
    """One check-in or check-out of one seat of a visit (EVV): when, where, how it was taken.

    ``at`` is the time the carer acted: the server's time, or the phone's original time for a
    record queued offline (``offline``, with ``received_at`` the server's). A coordinator's
    manual entry (``manual``) has no location and always a reason.
    """

    __tablename__ = "visit_check_events"
    __table_args__ = (
        UniqueConstraint("visit_id", "seat", "kind", name="uq_visit_check_events_visit_seat_kind"),
        CheckConstraint(_in("kind", CHECK_KINDS), name="kind"),
        CheckConstraint("seat IN (1, 2)", name="seat"),
        CheckConstraint("NOT manual OR manual_reason <> ''", name="manual_reason"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_lon"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy"),
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance"),
        CheckConstraint("NOT (manual AND offline)", name="manual_offline"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    seat: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    far: Mapped[bool] = mapped_column(Boolean, default=False)
    inaccurate: Mapped[bool] = mapped_column(Boolean, default=False)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    manual_reason: Mapped[str] = mapped_column(String(200), default="")
    location_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship()

    @property
    def flagged(self) -> bool:
        return self.far or self.inaccurate or self.manual or self.offline


class Verification(db.Model):
    """The proof that a visit happened: how, by whom, the checklist ticked and the notes."""

    __tablename__ = "visit_verifications"
    __table_args__ = (
        CheckConstraint(_in("method", VERIFY_METHODS), name="method"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(String(500), default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)  # the checked duration (first in, last out)


class VisitCorrection(db.Model):
    """A correction after verification: a new record with a reason, never an edit."""

    __tablename__ = "visit_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    __table_args__ = (CheckConstraint("reason <> ''", name="reason"),)


class FollowUp(db.Model):
    """A follow-up call (回访) for one visit: why it was generated, and what the call found."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(_in("reason", FOLLOW_UP_REASONS), name="reason"),
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", FOLLOW_UP_OUTCOMES), name="outcome"
        ),  # fmt: skip
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"
        ),  # fmt: skip
        CheckConstraint("(outcome IS NULL) = (done_at IS NULL)", name="done"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(String(500), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit: Mapped[Visit] = relationship()


class Complaint(db.Model):
    """A complaint (投诉): who took it first (首问负责), its deadline in workdays, its progress."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(_in("state", COMPLAINT_STATES), name="state"),
        CheckConstraint(_in("channel", COMPLAINT_CHANNELS), name="channel"),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint(
            "state IN ('received', 'in_progress') OR resolved_at IS NOT NULL", name="resolved_at"
        ),  # fmt: skip
        CheckConstraint("state <> 'replied' OR reply <> ''", name="reply"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    received_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    complainant: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(1000))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    state: Mapped[str] = mapped_column(String(12), default="received")
    handler_notes: Mapped[str] = mapped_column(String(1000), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str] = mapped_column(String(1000), default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class CalendarFeed(db.Model):
    """A carer's secret iCalendar link: only the token's hash is kept; a new link revokes it."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("(caregiver_id IS NULL) <> (volunteer_id IS NULL)", name="one_carer"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@event.listens_for(CheckEvent, "before_update")
@event.listens_for(CheckEvent, "before_delete")
@event.listens_for(Verification, "before_update")
@event.listens_for(Verification, "before_delete")
@event.listens_for(VisitCorrection, "before_update")
@event.listens_for(VisitCorrection, "before_delete")
def _append_only(_mapper, _connection, target) -> None:
    raise ValueError(f"{target.__tablename__} {target.id} is append-only")
