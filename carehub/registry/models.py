"""The registry: the care network, residents, providers, caregivers, volunteers and services.

Constraints live in the database as well as in the schemas so that a script or a second web process
cannot store what the forms would refuse.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.clock import local_today
from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

SEXES = ("M", "F")
CATEGORIES = ("sanwu", "wubao", "youfu", "dibao", "low_income")
HOUSEHOLDS = ("alone", "empty_nest", "with_family", "with_carer")
RESIDENT_STATUSES = ("active", "suspended", "hospitalised", "deceased")
ABILITY_LEVELS = (0, 1, 2, 3, 4)
SERVICE_CODES = (
    "MEAL", "CLEAN", "BATH", "MEDICAL", "ESCORT", "EMERGENCY",
    "COMPANION", "ERRAND", "REHAB", "LEARNING",
)  # fmt: skip
SKILLS = ("meal", "cleaning", "bathing", "nursing", "medical", "escort", "rehab", "companion")
TRAVEL_MODES = ("walk", "ebike")
STAFF_STATUSES = ("active", "inactive")
# "assessment": by an assessor on the date given; "reported": a level a station's ledger states,
# with no assessment behind it that CareHub knows of (dated the day it was imported).
ASSESSMENT_SOURCES = ("assessment", "reported")
# A certificate this close to its expiry is flagged, so that the station renews it in time.
EXPIRY_WARNING = timedelta(days=60)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class District(db.Model):
    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    city: Mapped[str] = mapped_column(String(60))
    streets: Mapped[list[Street]] = relationship(back_populates="district", order_by="Street.code")


class Street(db.Model):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    district: Mapped[District] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street")


class Community(db.Model):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    street: Mapped[Street] = relationship(back_populates="communities")


class Station(db.Model):
    """A 居家养老服务站: serves one community, or a whole street when community is empty."""

    __tablename__ = "stations"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    street: Mapped[Street] = relationship()
    community: Mapped[Community | None] = relationship()


class Resident(db.Model):
    """An older person (60+) registered with a station; ID and phone are encrypted at rest."""

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("household", HOUSEHOLDS), name="household"),
        CheckConstraint(_in("status", RESIDENT_STATUSES), name="status"),
        CheckConstraint(
            "caregiver_sex_preference IS NULL OR " + _in("caregiver_sex_preference", SEXES),
            name="caregiver_sex_preference",
        ),
        CheckConstraint("(status = 'deceased') = (deceased_on IS NOT NULL)", name="deceased_on"),
        CheckConstraint(
            "deceased_on IS NULL OR deceased_on >= birth_date", name="deceased_after_birth"
        ),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    household: Mapped[str] = mapped_column(String(16), default="with_family")
    health_notes: Mapped[str] = mapped_column(Text, default="")
    caregiver_sex_preference: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_since: Mapped[date | None] = mapped_column(Date)
    deceased_on: Mapped[date | None] = mapped_column(Date)
    consent_signed_on: Mapped[date | None] = mapped_column(Date)
    consent_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: every UPDATE checks and bumps it; a client that read version N may
    # only change the record while it is still N (If-Match / the form's hidden field).
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    station: Mapped[Station] = relationship()
    category_rows: Mapped[list[ResidentCategory]] = relationship(
        cascade="all, delete-orphan", order_by="ResidentCategory.category"
    )
    family_members: Mapped[list[FamilyMember]] = relationship(
        cascade="all, delete-orphan", order_by="FamilyMember.id"
    )
    assessments: Mapped[list[AbilityAssessment]] = relationship(
        order_by="(AbilityAssessment.assessed_on.desc(), AbilityAssessment.id.desc())"
    )

    @property
    def categories(self) -> list[str]:
        return [row.category for row in self.category_rows]

    @property
    def current_assessment(self) -> AbilityAssessment | None:
        return self.assessments[0] if self.assessments else None


class ResidentCategory(db.Model):
    __tablename__ = "resident_categories"
    __table_args__ = (CheckConstraint(_in("category", CATEGORIES), name="category"),)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class FamilyMember(db.Model):
    """A relative or emergency contact; a home-care agreement (居家养老协议) may be signed with them."""

    __tablename__ = "family_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    relationship_: Mapped[str] = mapped_column("relationship", String(20))
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20))
    lives_away: Mapped[bool] = mapped_column(default=False)
    emergency_contact: Mapped[bool] = mapped_column(default=False)
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)


class AbilityAssessment(db.Model):
    """老年人能力评估 (GB/T 42195-2022). Append-only: a new assessment supersedes, never edits."""

    __tablename__ = "ability_assessments"
    __table_args__ = (
        CheckConstraint("level BETWEEN 0 AND 4", name="level"),
        CheckConstraint("self_care IS NULL OR self_care BETWEEN 0 AND 32", name="self_care"),
        CheckConstraint("mobility IS NULL OR mobility BETWEEN 0 AND 28", name="mobility"),
        CheckConstraint("mental IS NULL OR mental BETWEEN 0 AND 24", name="mental"),
        CheckConstraint("perception IS NULL OR perception BETWEEN 0 AND 16", name="perception"),
        CheckConstraint(_in("source", ASSESSMENT_SOURCES), name="source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    self_care: Mapped[int | None] = mapped_column(Integer)
    mobility: Mapped[int | None] = mapped_column(Integer)
    mental: Mapped[int | None] = mapped_column(Integer)
    perception: Mapped[int | None] = mapped_column(Integer)
    assessor: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(
        String(16), default="assessment", server_default="assessment"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceType(db.Model):
    """The service catalogue (DESIGN.md §2)."""

    __tablename__ = "service_types"
    __table_args__ = (
        CheckConstraint(_in("code", SERVICE_CODES), name="code"),
        CheckConstraint("default_minutes BETWEEN 5 AND 480", name="default_minutes"),
        CheckConstraint("carers IN (1, 2)", name="carers"),
    )
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(40))
    default_minutes: Mapped[int] = mapped_column(Integer)
    carers: Mapped[int] = mapped_column(Integer, default=1)
    skills: Mapped[list[ServiceSkill]] = relationship(cascade="all, delete-orphan")

    @property
    def skill_codes(self) -> list[str]:
        return sorted(s.skill for s in self.skills)


class ServiceSkill(db.Model):
    __tablename__ = "service_skills"
    __table_args__ = (CheckConstraint(_in("skill", SKILLS), name="skill"),)
    service_code: Mapped[str] = mapped_column(
        ForeignKey("service_types.code", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(16), primary_key=True)


class Provider(db.Model):
    """A 定点服务单位, identified by its unified social credit code."""

    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # see Resident.version
    __mapper_args__ = {"version_id_col": version}
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="provider", order_by="Contract.valid_from.desc()"
    )

    @property
    def contracts_in_force(self) -> list[Contract]:
        """The contracts in force on the district's today."""
        return [c for c in self.contracts if c.state == "current"]


contract_stations = Table(
    "contract_stations",
    db.Model.metadata,
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("stations.id"), primary_key=True),
)


class Contract(db.Model):
    """Which services a provider may deliver, where, when and at what unit price (fen)."""

    __tablename__ = "contracts"
    __table_args__ = (CheckConstraint("valid_to >= valid_from", name="validity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    provider: Mapped[Provider] = relationship(back_populates="contracts")
    stations: Mapped[list[Station]] = relationship(secondary=contract_stations)
    prices: Mapped[list[ContractPrice]] = relationship(
        cascade="all, delete-orphan", order_by="ContractPrice.service_code"
    )

    @property
    def state(self) -> str:
        """future / current / expired on the district's today (both end days included)."""
        today = local_today()
        if today < self.valid_from:
            return "future"
        return "expired" if today > self.valid_to else "current"


class ContractPrice(db.Model):
    __tablename__ = "contract_prices"
    __table_args__ = (
        CheckConstraint("unit_price_fen >= 0", name="unit_price_fen"),
        CheckConstraint("unit_minutes > 0", name="unit_minutes"),
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True
    )
    service_code: Mapped[str] = mapped_column(ForeignKey("service_types.code"), primary_key=True)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    unit_minutes: Mapped[int] = mapped_column(Integer, default=60)


class Caregiver(db.Model):
    """A 护理员 employed by a provider and based at one station."""

    __tablename__ = "caregivers"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("travel_mode", TRAVEL_MODES), name="travel_mode"),
        CheckConstraint(_in("status", STAFF_STATUSES), name="status"),
        CheckConstraint("max_minutes_per_day BETWEEN 60 AND 720", name="max_minutes_per_day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    home_latitude: Mapped[float | None] = mapped_column(Float)
    home_longitude: Mapped[float | None] = mapped_column(Float)
    travel_mode: Mapped[str] = mapped_column(String(8), default="ebike")
    max_minutes_per_day: Mapped[int] = mapped_column(Integer, default=480)
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # see Resident.version
    __mapper_args__ = {"version_id_col": version}
    provider: Mapped[Provider] = relationship()
    station: Mapped[Station] = relationship()
    skill_rows: Mapped[list[CaregiverSkill]] = relationship(cascade="all, delete-orphan")
    certificates: Mapped[list[Certificate]] = relationship(
        cascade="all, delete-orphan", order_by="Certificate.expires_on"
    )
    working_hours: Mapped[list[WorkingHours]] = relationship(
        cascade="all, delete-orphan", order_by="(WorkingHours.weekday, WorkingHours.start)"
    )

    @property
    def skills(self) -> list[str]:
        return sorted(row.skill for row in self.skill_rows)

    @property
    def weekly_minutes(self) -> int:
        """The working time of a week, from the working periods."""
        return sum(period.minutes for period in self.working_hours)


class CaregiverSkill(db.Model):
    __tablename__ = "caregiver_skills"
    __table_args__ = (CheckConstraint(_in("skill", SKILLS), name="skill"),)
    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregivers.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(16), primary_key=True)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR expires_on >= issued_on", name="validity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregivers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(40), default="")
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    @property
    def state(self) -> str:
        """permanent / valid / expiring (within EXPIRY_WARNING) / expired on the district's today.

        The one place the rule lives: the pages' badges and the API's ``expired`` both read it.
        """
        if self.expires_on is None:
            return "permanent"
        today = local_today()
        if self.expires_on < today:
            return "expired"
        return "expiring" if self.expires_on - today <= EXPIRY_WARNING else "valid"

    @property
    def expired(self) -> bool:
        return self.state == "expired"


class WorkingHours(db.Model):
    """A weekly working period; weekday 0 is Monday."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint('"end" > start', name="order"),
        UniqueConstraint("caregiver_id", "weekday", "start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)

    @property
    def minutes(self) -> int:
        """The length of the period in whole minutes (times are stored to the minute)."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class Volunteer(db.Model):
    """A 志愿者; often a healthy retiree, and may also be a registered resident."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("status", STAFF_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), unique=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    joined_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    skills_note: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # see Resident.version
    __mapper_args__ = {"version_id_col": version}
    station: Mapped[Station] = relationship()
    resident: Mapped[Resident | None] = relationship()
