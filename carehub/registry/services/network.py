"""The care network (district, street, community, station) and the service catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import (
    check_station,
    not_found,
    own_stations,
    require_read,
    require_write,
)
from carehub.common.errors import Invalid
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.models import Community, District, ServiceSkill, ServiceType, Station, Street
from carehub.registry.schemas import ServiceTypeIn, StationIn
from carehub.registry.services.common import already_used, changes, set_fields

ADMIN = frozenset({"admin"})
CODE_USED = _l("This station code is already in use.")
SERVICE_FIELDS = ("name_zh", "name_en", "default_minutes", "carers")


def list_stations(actor: User) -> list[Station]:
    """The stations the actor works in (a provider manager: where its provider is contracted).

    An account's own stations are loaded with it (every page reads them): no query for those.
    """
    if not actor.district_wide and actor.role != "provider_manager":
        require_read(actor)
        return sorted(actor.stations, key=lambda station: station.code)
    query = own_stations(select(Station), Station.id, actor)
    return list(db.session.scalars(query.order_by(Station.code)))


def get_station(actor: User, station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        raise not_found("station", station_id)
    check_station(actor, station.id, "station", station_id)
    return station


def create_station(actor: User, payload: dict) -> Station:
    require_write(actor, ADMIN)
    data = load(StationIn(), payload)
    if db.session.get(Street, data["street_id"]) is None:
        message = _l("No street with id %(id)s.", id=data["street_id"])
        raise Invalid.field("street_id", message, code="unknown_street")
    community_id = data.get("community_id")
    if community_id is not None:
        community = db.session.get(Community, community_id)
        if community is None or community.street_id != data["street_id"]:
            message = _l("No such community in this street.")
            raise Invalid.field("community_id", message, code="unknown_community")
    if db.session.scalar(select(Station.id).where(Station.code == data["code"])):
        raise already_used("code", CODE_USED, "duplicate_station_code")
    with atomic("code", CODE_USED, "duplicate_station_code"):
        station = Station(**data)
        db.session.add(station)
        db.session.flush()
        record(actor, "create", "station", station.id, station.id, data)
    return station


def list_service_types(actor: User) -> list[ServiceType]:
    require_read(actor)
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.code)))


def update_service_type(actor: User, code: str, payload: dict) -> ServiceType:
    """Change a catalogue entry (admin): duration, carers, skills, names."""
    require_write(actor, ADMIN)
    service = db.session.get(ServiceType, code)
    if service is None:
        raise not_found("service type", code)
    data = load(ServiceTypeIn(), payload, partial=True)
    with atomic():
        before = _service_snapshot(service)
        set_fields(service, {k: data[k] for k in SERVICE_FIELDS if k in data})
        wanted = set(data.get("skills", service.skill_codes))
        if wanted != set(service.skill_codes):
            keep = [row for row in service.skills if row.skill in wanted]
            new = wanted - {row.skill for row in keep}
            service.skills = keep + [ServiceSkill(skill=s) for s in sorted(new)]
        changed = changes(before, _service_snapshot(service))
        if changed:  # one event naming what changed; saving it unchanged writes nothing
            record(actor, "update", "service_type", None, None, {"code": code, **changed})
    return service


def _service_snapshot(service: ServiceType) -> dict:
    return {**{k: getattr(service, k) for k in SERVICE_FIELDS}, "skills": service.skill_codes}


def list_districts(actor: User) -> list[District]:
    """The whole network as a tree; station-bound accounts see only their own stations in it."""
    require_read(actor)
    return list(db.session.scalars(select(District).order_by(District.code)))
