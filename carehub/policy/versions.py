"""Which policy version is in force: per district, by date (published versions only)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from carehub.extensions import db
from carehub.policy.models import PolicyVersion
from carehub.registry.models import Resident, Station, Street


def version_on(district_id: int, day: date) -> PolicyVersion | None:
    """The published version of ``district_id`` in force on ``day``, or None (no policy yet)."""
    query = select(PolicyVersion).where(
        PolicyVersion.district_id == district_id,
        PolicyVersion.state == "published",
        PolicyVersion.valid_from <= day,
        or_(PolicyVersion.valid_to.is_(None), PolicyVersion.valid_to >= day),
    )
    return db.session.scalar(query.limit(1))


def district_of_station(station_id: int) -> int:
    query = select(Street.district_id).join(Station, Station.street_id == Street.id)
    return db.session.scalar(query.where(Station.id == station_id))


def district_of(resident: Resident) -> int:
    return district_of_station(resident.station_id)
