"""Helpers shared by the registry services."""

from __future__ import annotations

from sqlalchemy import select

from carehub.auth.models import User
from carehub.common import crypto
from carehub.common.errors import Invalid
from carehub.common.normalise import NotNormal, normalise_code
from carehub.extensions import db
from carehub.registry.models import Station


def station_for_write(actor: User, station_id: int, field: str = "station_id") -> Station:
    """The station a record is being put in; one outside the actor's scope does not exist."""
    station = db.session.get(Station, station_id)
    if station is None or not (actor.district_wide or station_id in actor.station_ids):
        raise Invalid.field(field, f"no station with id {station_id}")
    return station


def station_by_code(code: str) -> Station | None:
    """The station with this code, however its digits and dashes were typed."""
    try:
        code = normalise_code(code, upper=False)
    except NotNormal:
        return None
    return db.session.scalar(select(Station).where(Station.code == code))


def set_phone(record, phone: str | None) -> None:
    record.phone_enc = crypto.encrypt(phone) if phone else None
    record.phone_masked = crypto.mask_phone(phone) if phone else None


def set_id_number(record, value: str) -> None:
    record.id_number_hash = crypto.blind_index(value)
    record.id_number_enc = crypto.encrypt(value)
    record.id_number_masked = crypto.mask(value)


def diff(before: dict, after: dict) -> dict:
    """Fields whose value changed, as {field: [old, new]}, for the audit log."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
