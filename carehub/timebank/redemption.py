"""Spending hours: a visit paid in hours (booked and held in one transaction) and the station
pool's grants, which go to priority elders first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from carehub.audit.services import record
from carehub.auth.scoping import WRITE_ROLES, check_station, not_found
from carehub.careplans.clock import local_today
from carehub.common.schema import load
from carehub.extensions import db
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident, Station
from carehub.timebank import errors, flows, ledger
from carehub.timebank import schemas as s
from carehub.timebank.accounts import get_account, holder_of, require_mover, resident_account
from carehub.timebank.models import Account, Transaction
from carehub.timebank.rules import rules_on
from carehub.visits.models import Visit
from carehub.visits.services import request_visit


@dataclass(frozen=True)
class BookingAgent:
    """A holder booking their own visit acts, for that one request, as the resident's station
    desk would: ``request_visit`` sees a coordinator of that station; the audit names the holder."""

    id: int
    username: str
    station: int
    role: str = "coordinator"
    district_wide: bool = False
    station_ids: frozenset = field(default_factory=frozenset)


def _agent(actor, station_id: int):
    if actor.role in WRITE_ROLES:
        return actor
    return BookingAgent(actor.id, actor.username, station_id, station_ids=frozenset({station_id}))


def redeem(actor, payload: dict, key: str | None = None) -> dict:
    """Book a visit paid in hours and hold its minutes (duration × carers) in one transaction."""
    data = load(s.RedeemIn(), payload)
    account = get_account(actor, data["account_id"])
    require_mover(actor, account)
    resident, born = holder_of(account)
    if resident is None or resident.id != data["resident_id"]:
        raise errors.not_holder("resident_id")
    rules = rules_on(data["visit_date"])
    if age_on(born, data["visit_date"]) < rules.redeem_age:
        raise errors.too_young("account_id", age_on(born, data["visit_date"]), rules.redeem_age)
    funding = data["share_of"] or "time_credit"
    request = {k: v for k, v in payload.items() if k not in ("account_id", "share_of")}
    request["funding"] = funding
    with flows.unit():
        head = ledger.lock_head()
        prior = ledger.replayed(actor, key, ledger.request_hash(data))
        if prior is not None:
            return _result(prior)
        visit = request_visit(_agent(actor, resident.station_id), request)
        minutes = _minutes(visit)
        held = flows.hold(actor, head, account, visit, minutes, key, ledger.request_hash(data))
        record(actor, "redeem", "timebank_transaction", held.id, visit.station_id,
               {"visit_id": visit.id, "minutes": minutes})  # fmt: skip
    return _result(held)


def _minutes(visit: Visit) -> int:
    """The whole visit (duration × carers), or only the resident's share estimated in hours."""
    if visit.funding == "time_credit":
        return visit.duration_minutes * visit.carers
    from carehub.policy.funding import share_in_hours

    minutes = share_in_hours(visit)
    if minutes <= 0:
        raise errors.nothing_to_pay("share_of")
    return minutes


def _result(held: Transaction) -> dict:
    minutes = next(e.minutes for e in held.entries if e.minutes > 0)
    return {"visit_id": held.visit_id, "hold_transaction_id": held.id, "minutes": minutes}


def priority(resident: Resident, day) -> tuple:
    """DESIGN §3: ability level, then age, then living alone (the request order breaks ties)."""
    level = resident.current_assessment.level if resident.current_assessment else 0
    return (-level, -age_on(resident.birth_date, day), resident.household != "alone")


def allocate_pool(actor, payload: dict, key: str | None = None) -> dict:
    """Grant pool hours to residents' accounts, highest priority first, while the pool lasts."""
    if actor.role not in WRITE_ROLES:
        raise errors.read_only()
    data = load(s.PoolIn(), payload)
    check_station(actor, data["station_id"], "station", data["station_id"])
    day = local_today()
    requests = []
    for order, wanted in enumerate(data["requests"]):
        resident = db.session.get(Resident, wanted["resident_id"])
        if resident is None or resident.station_id != data["station_id"]:
            raise not_found("resident", wanted["resident_id"])
        requests.append((priority(resident, day), order, resident, wanted["minutes"]))
    granted, refused = [], []
    with flows.unit():
        head = ledger.lock_head()
        if key and _already(actor, key):
            return _replay(actor, key, data["station_id"])
        pool = ledger.lock_accounts([ledger.system_account("pool", data["station_id"])])[0]
        for _, _, resident, minutes in sorted(requests, key=lambda r: r[:2]):
            wanted = {"resident_id": resident.id, "minutes": minutes}
            if pool.balance_minutes < minutes:
                refused.append(wanted)
                continue
            target = ledger.lock_accounts([resident_account(resident)])[0]
            posting = ledger.Posting("gift", [(pool, -minutes), (target, minutes)], memo="pool")
            ledger.append(actor, head, posting, f"{key}#{resident.id}" if key else None)
            granted.append(wanted)
        record(actor, "allocate", "timebank_pool", data["station_id"], data["station_id"],
               {"granted": granted, "refused": refused})  # fmt: skip
    return {"granted": granted, "refused": refused, "pool_minutes": pool.balance_minutes}


def _already(actor, key: str) -> bool:
    query = select(Transaction.id).where(Transaction.created_by_id == actor.id,
                                         Transaction.idempotency_key.like(f"{key}#%"))  # fmt: skip
    return db.session.scalar(query.limit(1)) is not None


def _replay(actor, key: str, station_id: int) -> dict:
    rows = db.session.scalars(select(Transaction).where(
        Transaction.created_by_id == actor.id, Transaction.idempotency_key.like(f"{key}#%")
    ).order_by(Transaction.seq))  # fmt: skip
    granted = [{"resident_id": int(t.idempotency_key.rsplit("#", 1)[1]),
                "minutes": next(e.minutes for e in t.entries if e.minutes > 0)} for t in rows]  # fmt: skip
    pool = ledger.system_account("pool", station_id)
    return {"granted": granted, "refused": [], "pool_minutes": pool.balance_minutes}


def visit_of(actor, visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise not_found("visit", visit_id)
    return visit


def priority_list(actor, station_id: int) -> dict:
    """The station's active elders in the order the pool grants them (the page shows why)."""
    check_station(actor, station_id, "station", station_id)
    day = local_today()
    residents = db.session.scalars(select(Resident).where(
        Resident.station_id == station_id, Resident.status == "active"))  # fmt: skip
    rows = sorted(((priority(r, day), r) for r in residents), key=lambda p: (p[0], p[1].id))
    pool = db.session.scalar(select(Account.balance_minutes).where(
        Account.system_key == f"pool:{station_id}"))  # fmt: skip
    return {"station_id": station_id, "pool_minutes": pool or 0,
            "residents": [{"id": r.id, "name": r.name, "level": -p[0], "age": -p[1],
                           "alone": not p[2]} for p, r in rows]}  # fmt: skip


def pool_stations(actor) -> list[Station]:
    """The stations whose pool the actor may see."""
    query = select(Station).order_by(Station.id)
    if not actor.district_wide:
        query = query.where(Station.id.in_(actor.station_ids or {0}))
    return list(db.session.scalars(query))
