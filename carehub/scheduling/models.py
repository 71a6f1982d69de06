"""Stored plans of a station's day (排班): drafts, the published one, and what each assigns.

A plan is never edited once stored: a re-run or a re-plan is a new draft of the same station-day
(``number`` counts them), and publishing makes one draft the station-day's plan and the previous
published one ``superseded``. ``version`` guards publishing against two coordinators at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

PLAN_STATES = ("draft", "published", "superseded")
PLAN_KINDS = ("plan", "replan")
ONE_CARER = "(caregiver_id IS NULL) <> (volunteer_id IS NULL)"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SchedulePlan(db.Model):
    """One solve of one station-day: its parameters, KPIs and per-carer route summaries."""

    __tablename__ = "schedule_plans"
    __table_args__ = (
        UniqueConstraint(
            "station_id", "day", "number", name="uq_schedule_plans_station_day_number"
        ),
        CheckConstraint(_in("state", PLAN_STATES), name="state"),
        CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("(state = 'draft') = (published_at IS NULL)", name="published_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    kind: Mapped[str] = mapped_column(String(8), default="plan")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_plans.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_by: Mapped[str] = mapped_column(String(40), default="system")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    kpis: Mapped[dict] = mapped_column(JSON, default=dict)
    routes: Mapped[list] = mapped_column(JSON, default=list)  # per carer: span, travel, breaks
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    assignments: Mapped[list[PlanAssignment]] = relationship(
        order_by="(PlanAssignment.caregiver_id, PlanAssignment.volunteer_id, "
        "PlanAssignment.route_order)",
        cascade="all, delete-orphan",
    )
    unassigned: Mapped[list[PlanUnassigned]] = relationship(
        order_by="PlanUnassigned.visit_id", cascade="all, delete-orphan"
    )


db.Index("ix_schedule_plans_station_id_day", SchedulePlan.station_id, SchedulePlan.day)


class PlanAssignment(db.Model):
    """One carer at one visit in a plan: seat, when (UTC), travel before it, waiting, lateness."""

    __tablename__ = "plan_assignments"
    __table_args__ = (
        UniqueConstraint("plan_id", "visit_id", "seat", name="uq_plan_assignments_plan_visit_seat"),
        CheckConstraint("seat IN (1, 2)", name="seat"),
        CheckConstraint(ONE_CARER, name="one_carer"),
        CheckConstraint("planned_end > planned_start", name="planned_span"),
        CheckConstraint(
            "travel_minutes >= 0 AND waiting_minutes >= 0 AND late_minutes >= 0", name="minutes"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_plans.id", ondelete="CASCADE"), index=True
    )
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    seat: Mapped[int] = mapped_column(Integer, default=1)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    shift: Mapped[int] = mapped_column(Integer, default=0)
    route_order: Mapped[int] = mapped_column(Integer)
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    waiting_minutes: Mapped[int] = mapped_column(Integer, default=0)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    meal_round: Mapped[bool] = mapped_column(Boolean, default=False)  # a handover on a 助餐 round


class PlanUnassigned(db.Model):
    """A visit the plan leaves out, and why (a ``scheduler.explain`` code and its parameters)."""

    __tablename__ = "plan_unassigned"
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_plans.id", ondelete="CASCADE"), primary_key=True
    )
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)


class SchedulePin(db.Model):
    """A coordinator's pin of a visit to a carer and/or a start (minutes after local midnight);
    every later run of that day keeps it."""

    __tablename__ = "schedule_pins"
    __table_args__ = (
        CheckConstraint(
            "NOT (caregiver_id IS NOT NULL AND volunteer_id IS NOT NULL)", name="one_carer"
        ),  # fmt: skip
        CheckConstraint(
            "caregiver_id IS NOT NULL OR volunteer_id IS NOT NULL OR start_minute IS NOT NULL",
            name="something_pinned",
        ),
        CheckConstraint(
            "start_minute IS NULL OR start_minute BETWEEN 0 AND 1439", name="start_minute"
        ),  # fmt: skip
    )
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    start_minute: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StationScheduling(db.Model):
    """A station's scheduling setting: whether the nightly plan of tomorrow is published at once."""

    __tablename__ = "station_scheduling"
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    auto_publish: Mapped[bool] = mapped_column(Boolean, default=False)


ABSENCE_KINDS = ("absent", "late")


class CarerAbsence(db.Model):
    """A carer absent (all day, or from a time, or between two times) or late on one day, as a
    coordinator recorded it: that day's plans leave the carer out for those hours, a re-plan
    starts from it. Times are minutes after the station's local midnight."""

    __tablename__ = "carer_absences"
    __table_args__ = (
        CheckConstraint(ONE_CARER, name="one_carer"),
        CheckConstraint(_in("kind", ABSENCE_KINDS), name="kind"),
        CheckConstraint(
            "kind <> 'late' OR (minutes_late BETWEEN 1 AND 480 AND from_minute IS NOT NULL"
            " AND to_minute IS NULL)",
            name="late_fields",
        ),  # fmt: skip
        CheckConstraint("kind <> 'absent' OR minutes_late IS NULL", name="absent_fields"),
        CheckConstraint(
            "from_minute IS NULL OR from_minute BETWEEN 0 AND 1439", name="from_minute"
        ),
        CheckConstraint(
            "to_minute IS NULL OR (from_minute IS NOT NULL AND to_minute > from_minute"
            " AND to_minute <= 1440)",
            name="to_minute",
        ),  # fmt: skip
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    kind: Mapped[str] = mapped_column(String(10))
    from_minute: Mapped[int | None] = mapped_column(Integer)  # late: when it was reported
    to_minute: Mapped[int | None] = mapped_column(Integer)
    minutes_late: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
