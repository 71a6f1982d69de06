"""Helpers shared by the registry services."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from carehub.auth.models import User
from carehub.common import crypto
from carehub.common.errors import Conflict, Invalid, Stale
from carehub.common.normalise import NotNormal, normalise_code
from carehub.extensions import db
from carehub.registry.models import Station

ID_NUMBER_UNAVAILABLE = "id_number_unavailable"
# The district rule (README, Registry): one ID number, one record in the district. Registering a
# number that is already registered is refused with one answer, the same whether the record is at
# the coordinator's own station or another's, naming neither: a record outside the account's
# stations is "not found" when read, and must not be found by trying to register it either.
RESIDENT_UNAVAILABLE = _l(
    "This ID number cannot be registered here; "
    "ask the district administrator to transfer the resident."
)
VOLUNTEER_UNAVAILABLE = _l(
    "This ID number cannot be registered as a volunteer here; "
    "ask the district administrator to transfer the volunteer."
)


def id_number_unavailable(message) -> Conflict:
    return Conflict(message, {"id_number": [message]}, code=ID_NUMBER_UNAVAILABLE)


def already_used(field: str, message, code: str) -> Conflict:
    """A unique value (a code, a number) that another record already has."""
    return Conflict(message, {field: [message]}, code=code)


def station_for_write(actor: User, station_id: int, field: str = "station_id") -> Station:
    """The station a record is being put in; one outside the actor's scope does not exist."""
    station = db.session.get(Station, station_id)
    if station is None or not (actor.district_wide or station_id in actor.station_ids):
        raise Invalid.field(field, _l("Choose one of your stations."), code="unknown_station")
    return station


def station_by_code(code: str) -> Station | None:
    """The station with this code, however its digits and dashes were typed."""
    try:
        code = normalise_code(code, upper=False)
    except NotNormal:
        return None
    return db.session.scalar(select(Station).where(Station.code == code))


def set_phone(record, phone: str | None) -> None:
    """Store a phone encrypted and masked; an unchanged one is left alone (no needless UPDATE)."""
    if phone_of(record) == (phone or None):
        return
    record.phone_enc = crypto.encrypt(phone) if phone else None
    record.phone_masked = crypto.mask_phone(phone) if phone else None


def phone_of(record) -> str | None:
    return crypto.decrypt(record.phone_enc) if record.phone_enc else None


def set_id_number(record, value: str) -> None:
    """Store an ID number hashed, encrypted and masked; an unchanged one is left alone."""
    index = crypto.blind_index(value)
    if record.id_number_hash == index:
        return
    record.id_number_hash = index
    record.id_number_enc = crypto.encrypt(value)
    record.id_number_masked = crypto.mask(value)


# --- one request's change, whole or not at all --------------------------------------------------


def split_version(payload):
    """The payload without ``version``, and the version the client read (None: not given).

    The API takes it from ``If-Match`` or the body, a page from its hidden field.
    """
    if not isinstance(payload, dict) or "version" not in payload:
        return payload, None
    payload = dict(payload)
    version = payload.pop("version")
    if isinstance(version, str):  # from a form: blank is "not given"
        version = int(version) if version.strip().isdigit() else (version.strip() or None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        message = _l("Must be the version number you read.")
        raise Invalid(message, {"version": [message]}, code="bad_version")
    return payload, version


def lock(record, expected_version: int | None) -> None:
    """Wait for whoever is changing ``record``, then read it afresh (SELECT ... FOR UPDATE).

    Two requests changing one record then run one after the other, each on the other's result,
    so the record is always exactly one request's change. A client that says which version it
    read is refused (``Stale``) when someone else saved in between.
    """
    model = type(record)
    db.session.execute(select(model.id).where(model.id == record.id).with_for_update())
    db.session.expire(record)
    if expected_version is not None and record.version != expected_version:
        raise Stale()


def touch(record) -> None:
    """Make the flush UPDATE the row, so its version moves even when only child rows changed.

    (Every versioned registry record has a ``name``; marking it is how SQLAlchemy is told.)
    """
    flag_modified(record, "name")


def pair_rows(rows: list, items: list[dict], *keys) -> list:
    """Match wanted child items to stored rows, so that a row that stays keeps its id.

    ``keys`` are (row -> key, item -> key) pairs tried in turn (e.g. id, then the whole content,
    then a natural key); each row is matched at most once. Returns, for each item, its row or None.
    """
    free, found = list(rows), [None] * len(items)
    for row_key, item_key in keys:
        free_keys = [row_key(row) for row in free]
        for i, item in enumerate(items):
            key = item_key(item) if found[i] is None else None
            if key is not None and key in free_keys:
                at = free_keys.index(key)
                found[i] = free.pop(at)
                free_keys.pop(at)
    return found


def set_fields(record, values: dict) -> None:
    """Set attributes that differ (equal ones are left alone, so nothing needless is written)."""
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)


# --- the audit log's view of a change --------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """An ID or phone number in a record's snapshot: compared by what is stored, shown masked.

    ``token`` is the blind index or the ciphertext, which the services rewrite only when the
    number changes: a new number with the same mask is still a change, and nothing is decrypted.
    """

    token: str | None
    masked: str | None


def secret_phone(record) -> Secret:
    return Secret(record.phone_enc, record.phone_masked)


def secret_id_number(record) -> Secret:
    return Secret(record.id_number_hash, record.id_number_masked)


def shown(value):
    """A snapshot (or part of one) as the audit log keeps it: every Secret masked."""
    if isinstance(value, Secret):
        return value.masked
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def changes(before: dict, after: dict) -> dict:
    """What changed between two snapshots of a record, as {field: [old, new]}, numbers masked."""
    return {
        key: [shown(before.get(key)), shown(value)]
        for key, value in after.items()
        if before.get(key) != value
    }
