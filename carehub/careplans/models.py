"""Care plans (versioned), their items, holiday overrides, resident history and volunteer offers.

A plan edit never rewrites a version: it adds a new one effective from a date and closes the
previous one the day before, so "what was planned on date D" stays answerable. Items carry a
``line`` that stays the same across versions, so generation can tell an edited item from a new one.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.registry.models import (
    HOUSEHOLDS,
    RESIDENT_STATUSES,
    SEXES,
    Resident,
    ServiceType,
)

FUNDING_TIERS = ("government", "low_cost", "paid", "time_credit", "volunteer")
VOLUNTEER_SERVICES = ("COMPANION", "ERRAND", "ESCORT", "MEAL")
PREFERENCE_KINDS = ("preferred", "excluded")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


WINDOWS_CHECK = (
    "window1_end > window1_start AND "
    "((window2_start IS NULL AND window2_end IS NULL) OR "
    "(window2_start IS NOT NULL AND window2_end > window2_start AND window2_start >= window1_end))"
)


class CarePlan(db.Model):
    """A resident's one care plan; its content lives in dated versions."""

    __tablename__ = "care_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resident: Mapped[Resident] = relationship()
    versions: Mapped[list[CarePlanVersion]] = relationship(
        back_populates="plan", order_by="CarePlanVersion.number"
    )

    @property
    def current(self) -> CarePlanVersion | None:
        return self.versions[-1] if self.versions else None


class CarePlanVersion(db.Model):
    """One version of a plan, in force from ``effective_from`` until ``effective_to`` (inclusive)."""

    __tablename__ = "care_plan_versions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="effective_dates"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    plan: Mapped[CarePlan] = relationship(back_populates="versions")
    items: Mapped[list[CarePlanItem]] = relationship(
        back_populates="version", order_by="CarePlanItem.line", cascade="all, delete-orphan"
    )


class CarePlanItem(db.Model):
    """A service the resident receives: what, how often (RRULE), when in the day, by whom."""

    __tablename__ = "care_plan_items"
    __table_args__ = (
        UniqueConstraint("version_id", "line"),
        CheckConstraint("line >= 1", name="line"),
        CheckConstraint(WINDOWS_CHECK, name="windows"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_minutes"),
        CheckConstraint("carers IN (1, 2)", name="carers"),
        CheckConstraint(_in("funding", FUNDING_TIERS), name="funding"),
        CheckConstraint(
            "sex_preference IS NULL OR " + _in("sex_preference", SEXES), name="sex_preference"
        ),  # fmt: skip
        CheckConstraint(
            "NOT volunteer_suitable OR " + _in("service_code", VOLUNTEER_SERVICES),
            name="volunteer_suitable",
        ),  # fmt: skip
        CheckConstraint("funding <> 'volunteer' OR volunteer_suitable", name="volunteer_funding"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="item_dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("care_plan_versions.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    service_code: Mapped[str] = mapped_column(ForeignKey("service_types.code"))
    rrule: Mapped[str] = mapped_column(String(300))
    workdays_only: Mapped[bool] = mapped_column(Boolean, default=False)
    window1_start: Mapped[time] = mapped_column(Time)
    window1_end: Mapped[time] = mapped_column(Time)
    window2_start: Mapped[time | None] = mapped_column(Time)
    window2_end: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    carers: Mapped[int] = mapped_column(Integer, default=1)
    sex_preference: Mapped[str | None] = mapped_column(String(1))
    volunteer_suitable: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    funding: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[CarePlanVersion] = relationship(back_populates="items")
    service: Mapped[ServiceType] = relationship()
    caregiver_rows: Mapped[list[ItemCaregiver]] = relationship(
        cascade="all, delete-orphan", order_by="ItemCaregiver.caregiver_id"
    )

    def caregivers(self, kind: str) -> list[int]:
        return [row.caregiver_id for row in self.caregiver_rows if row.kind == kind]

    @property
    def preferred_caregivers(self) -> list[int]:
        return self.caregivers("preferred")

    @property
    def excluded_caregivers(self) -> list[int]:
        return self.caregivers("excluded")


class ItemCaregiver(db.Model):
    """A caregiver the resident prefers, or must not be sent, for one item."""

    __tablename__ = "care_plan_item_caregivers"
    __table_args__ = (CheckConstraint(_in("kind", PREFERENCE_KINDS), name="kind"),)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("care_plan_items.id", ondelete="CASCADE"), primary_key=True
    )
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))


class HolidayOverride(db.Model):
    """An admin's correction or addition to the official calendar (a year the package lacks)."""

    __tablename__ = "holiday_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResidentHistory(db.Model):
    """What a resident's status, household and categories were from ``valid_from`` on.

    Written by the registry services on every change; ``valid_to`` is inclusive, NULL while open.
    """

    __tablename__ = "resident_history"
    __table_args__ = (
        UniqueConstraint("resident_id", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_dates"),
        CheckConstraint(_in("status", RESIDENT_STATUSES), name="status"),
        CheckConstraint(_in("household", HOUSEHOLDS), name="household"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    household: Mapped[str] = mapped_column(String(16))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)


class VolunteerAvailability(db.Model):
    """A weekly period a volunteer can serve; weekday 0 is Monday."""

    __tablename__ = "volunteer_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint('"end" > start', name="order"),
        UniqueConstraint("volunteer_id", "weekday", "start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)


class VolunteerService(db.Model):
    """A service a volunteer offers: only the volunteer-suitable ones."""

    __tablename__ = "volunteer_services"
    __table_args__ = (CheckConstraint(_in("service_code", VOLUNTEER_SERVICES), name="service"),)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    service_code: Mapped[str] = mapped_column(ForeignKey("service_types.code"), primary_key=True)
