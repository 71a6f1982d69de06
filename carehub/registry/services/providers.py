"""Providers (定点服务单位) and their contracts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from carehub.audit.services import record
from carehub.auth.models import User
from carehub.auth.scoping import not_found, require_read, require_write
from carehub.common.errors import Invalid
from carehub.common.normalise import NotNormal, normalise_code
from carehub.common.paging import Page, paginate
from carehub.common.schema import load
from carehub.common.tx import atomic
from carehub.extensions import db
from carehub.registry.idnumbers import parse_credit_code
from carehub.registry.models import Contract, ContractPrice, Provider, Station, contract_stations
from carehub.registry.schemas import ContractIn, PageQuery, ProviderIn
from carehub.registry.services.common import (
    already_used,
    changes,
    lock,
    set_fields,
    split_version,
)

ADMIN = frozenset({"admin"})
DUPLICATE = _l("A provider with this credit code is already registered.")
DUPLICATE_CODE = "duplicate_credit_code"
NUMBER_USED = _l("This contract number is already in use.")
PROVIDER_FIELDS = ("name", "credit_code", "contact_name", "phone", "address", "status")


def _visible(actor: User):
    """Providers the actor may see: all, the own one, or those contracted for the actor's stations."""
    require_read(actor)
    query = select(Provider)
    if actor.district_wide:
        return query
    if actor.role == "provider_manager":
        return query.where(Provider.id == (actor.provider_id or -1))
    covering = (
        select(Contract.provider_id)
        .join(contract_stations)
        .where(contract_stations.c.station_id.in_(actor.station_ids or {-1}))
    )
    return query.where(Provider.id.in_(covering))


def list_providers(actor: User, args: dict) -> Page:
    args = load(PageQuery(), args)
    query = _visible(actor)
    if args.get("q"):
        query = query.where(
            Provider.name.contains(args["q"]) | (Provider.credit_code == _as_code(args["q"]))
        )
    if "status" in args:
        query = query.where(Provider.status == args["status"])
    query = query.options(
        selectinload(Provider.contracts).selectinload(Contract.stations),
        selectinload(Provider.contracts).selectinload(Contract.prices),
    )
    return paginate(query.order_by(Provider.name), args["page"], args["per_page"])


def provider_choices(actor: User, limit: int = 200) -> list[Provider]:
    """The providers the actor may see, by name, for a filter or a form's choice: one query
    (``list_providers`` also counts them and loads their contracts, which a choice never shows)."""
    return list(db.session.scalars(_visible(actor).order_by(Provider.name).limit(limit)))


def _as_code(term: str) -> str:
    """The search term as a stored credit code (ASCII, upper case), or as typed."""
    try:
        return normalise_code(term)
    except NotNormal:
        return term


def get_provider(actor: User, provider_id: int) -> Provider:
    provider = db.session.scalar(_visible(actor).where(Provider.id == provider_id))
    if provider is None:
        raise not_found("provider", provider_id)
    return provider


def create_provider(actor: User, payload: dict) -> Provider:
    require_write(actor, ADMIN)
    data = load(ProviderIn(), payload)
    data["phone"] = data.get("phone") or ""  # a business number, stored plain; blank is ""
    data["credit_code"] = parse_credit_code(data["credit_code"])
    _refuse_duplicate(data["credit_code"], None)
    with atomic("credit_code", DUPLICATE, DUPLICATE_CODE):
        provider = Provider(**data)
        db.session.add(provider)
        db.session.flush()
        record(actor, "create", "provider", provider.id, None, data)
    return provider


def update_provider(actor: User, provider_id: int, payload: dict) -> Provider:
    """Change some fields: all of this request or none, one audit event if anything changed."""
    require_write(actor, ADMIN)
    payload, expected_version = split_version(payload)
    provider = get_provider(actor, provider_id)
    lock(provider, expected_version)
    data = load(ProviderIn(), payload, partial=True)
    if "phone" in data:
        data["phone"] = data["phone"] or ""
    if "credit_code" in data:
        data["credit_code"] = parse_credit_code(data["credit_code"])
        _refuse_duplicate(data["credit_code"], provider.id)
    with atomic("credit_code", DUPLICATE, DUPLICATE_CODE):
        before = _snapshot(provider)
        set_fields(provider, data)
        changed = changes(before, _snapshot(provider))
        if changed:
            record(actor, "update", "provider", provider.id, None, changed)
    return provider


def _snapshot(provider: Provider) -> dict:
    return {key: getattr(provider, key) for key in PROVIDER_FIELDS}


def add_contract(actor: User, provider_id: int, payload: dict) -> Contract:
    require_write(actor, ADMIN)
    provider = get_provider(actor, provider_id)
    data = load(ContractIn(), payload)
    stations = [db.session.get(Station, sid) for sid in data["station_ids"]]
    if not stations or None in stations:
        message = _l("A contract covers one or more existing stations.")
        raise Invalid.field("station_ids", message, code="unknown_station")
    if db.session.scalar(select(Contract.id).where(Contract.number == data["number"])):
        raise already_used("number", NUMBER_USED, "duplicate_contract_number")
    with atomic("number", NUMBER_USED, "duplicate_contract_number"):
        contract = Contract(
            provider=provider,
            number=data["number"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            stations=stations,
            prices=[ContractPrice(**p) for p in _prices(data["prices"])],
        )
        db.session.add(contract)
        db.session.flush()
        record(actor, "create", "contract", contract.id, None, {"provider_id": provider.id, **data})
    return contract


def _prices(prices: list[dict]) -> list[dict]:
    return [
        {"service_code": p["service_code"], "unit_price_fen": p["unit_price"],
         "unit_minutes": p["unit_minutes"]}
        for p in prices
    ]  # fmt: skip


def _refuse_duplicate(code: str, own_id: int | None) -> None:
    other = db.session.scalar(select(Provider.id).where(Provider.credit_code == code))
    if other is not None and other != own_id:
        raise already_used("credit_code", DUPLICATE, DUPLICATE_CODE)
