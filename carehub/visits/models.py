"""The visit record and its append-only event log (DESIGN.md §9)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.careplans.models import FUNDING_TIERS, SEXES, WINDOWS_CHECK, CarePlanItem
from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.registry.models import Resident, ServiceType

STATES = ("planned", "scheduled", "in_progress", "completed", "verified", "cancelled", "missed")
SOURCES = ("plan", "request", "urgent")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Visit(db.Model):
    """A 服务工单: wanted on a date in a window; later scheduled, done, verified and billed.

    One visit per plan item and date (the unique key makes generation idempotent, also when two
    processes generate at once). ``version`` guards every change: generation updates or cancels a
    visit only if nobody (a coordinator, a publish) changed it since it was read.
    """

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("plan_item_id", "visit_date", name="uq_visits_plan_item_id_visit_date"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(_in("funding", FUNDING_TIERS), name="funding"),
        CheckConstraint(WINDOWS_CHECK, name="windows"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_minutes"),
        CheckConstraint("carers IN (1, 2)", name="carers"),
        CheckConstraint(
            "sex_preference IS NULL OR " + _in("sex_preference", SEXES), name="sex_preference"
        ),  # fmt: skip
        CheckConstraint(
            "(source = 'plan') = (plan_item_id IS NOT NULL AND plan_version_id IS NOT NULL)",
            name="plan_source",
        ),
        CheckConstraint(
            "(state = 'cancelled') = (cancel_reason IS NOT NULL)", name="cancel_reason"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    service_code: Mapped[str] = mapped_column(ForeignKey("service_types.code"))
    visit_date: Mapped[date] = mapped_column(Date)
    window1_start: Mapped[time] = mapped_column(Time)
    window1_end: Mapped[time] = mapped_column(Time)
    window2_start: Mapped[time | None] = mapped_column(Time)
    window2_end: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    carers: Mapped[int] = mapped_column(Integer, default=1)
    sex_preference: Mapped[str | None] = mapped_column(String(1))
    funding: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_items.id"))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("care_plan_versions.id"))
    state: Mapped[str] = mapped_column(String(12), default="planned")
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # why generation cancelled it, as a code and parameters (carehub.visits.reasons)
    cancel_code: Mapped[str | None] = mapped_column(String(40))
    cancel_params: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    notes: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    resident: Mapped[Resident] = relationship()
    service: Mapped[ServiceType] = relationship()
    plan_item: Mapped[CarePlanItem | None] = relationship()
    events: Mapped[list[VisitEvent]] = relationship(order_by="VisitEvent.id")
    carers_on: Mapped[list[VisitCarer]] = relationship(
        order_by="VisitCarer.seat", back_populates="visit", cascade="all, delete-orphan"
    )


db.Index("ix_visits_station_id_visit_date", Visit.station_id, Visit.visit_date)
db.Index("ix_visits_visit_date_state", Visit.visit_date, Visit.state)


class VisitEvent(db.Model):
    """One transition of a visit: from, to, who, when, why. Rows are never changed or removed."""

    __tablename__ = "visit_events"
    __table_args__ = (
        CheckConstraint("from_state IS NULL OR " + _in("from_state", STATES), name="from_state"),
        CheckConstraint(_in("to_state", STATES), name="to_state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200), default="")
    reason_code: Mapped[str | None] = mapped_column(String(40))  # carehub.visits.reasons
    reason_params: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class VisitCarer(db.Model):
    """Who is on a visit, as published: one row per seat (a two-carer visit has seats 1 and 2).

    Exactly one of caregiver or volunteer per seat. Written by scheduling when a plan is
    published (and replaced by a re-plan), read by the carer's day, check-in and the time bank.
    """

    __tablename__ = "visit_carers"
    __table_args__ = (
        CheckConstraint("seat IN (1, 2)", name="seat"),
        CheckConstraint("(caregiver_id IS NULL) <> (volunteer_id IS NULL)", name="one_carer"),
        CheckConstraint("planned_end > planned_start", name="planned_span"),
    )
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="carers_on")


db.Index("ix_visit_carers_caregiver_id_planned_start", VisitCarer.caregiver_id,
         VisitCarer.planned_start)  # fmt: skip
db.Index("ix_visit_carers_volunteer_id_planned_start", VisitCarer.volunteer_id,
         VisitCarer.planned_start)  # fmt: skip


@event.listens_for(VisitEvent, "before_update")
@event.listens_for(VisitEvent, "before_delete")
def _append_only(_mapper, _connection, target) -> None:
    raise ValueError(f"visit event {target.id} is append-only")
