"""Users, roles, the stations a user is scoped to, and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db
from carehub.registry.models import Contract, Station, contract_stations

ROLES = ("admin", "auditor", "coordinator", "provider_manager", "caregiver", "volunteer")
# Roles that see every station; everyone else sees only the stations linked to the account.
DISTRICT_WIDE = frozenset({"admin", "auditor"})

user_stations = Table(
    "user_stations",
    db.Model.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("stations.id"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ({})".format(", ".join(repr(r) for r in ROLES)), name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Part of every session cookie (see get_id): bumping it on logout or a new password makes
    # every cookie issued before worthless, although cookies are signed and kept by the browser.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stations: Mapped[list[Station]] = relationship(secondary=user_stations)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session generation."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    @property
    def district_wide(self) -> bool:
        return self.role in DISTRICT_WIDE

    @property
    def station_ids(self) -> set[int]:
        """The stations this account works in.

        A provider manager has no stations of its own: it works wherever its provider is
        contracted (any contract, past ones too, so that staff left there can still be edited).
        Reading station-owned records (residents, volunteers) stays refused by role in scoping.py.
        """
        if self.role == "provider_manager":
            return _contracted_stations(self.provider_id)
        return {s.id for s in self.stations}


def _contracted_stations(provider_id: int | None) -> set[int]:
    if provider_id is None:
        return set()
    query = (
        select(contract_stations.c.station_id)
        .join(Contract, Contract.id == contract_stations.c.contract_id)
        .where(Contract.provider_id == provider_id)
    )
    return set(db.session.scalars(query))


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no usable token."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()
