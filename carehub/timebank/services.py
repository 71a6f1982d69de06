"""The time bank's services: reads (accounts, transactions, holds, statements) and the postings a
person asks for (gifts, donations, reversals, family ties). Views and API call these."""

from __future__ import annotations

from sqlalchemy import func, select

from carehub.audit.services import record
from carehub.auth.scoping import WRITE_ROLES, check_station, not_found
from carehub.careplans.clock import local_today
from carehub.common.paging import paginate
from carehub.common.schema import load
from carehub.extensions import db
from carehub.registry.models import Resident, ServiceType, Station, Volunteer
from carehub.timebank import errors, flows, ledger
from carehub.timebank import schemas as s
from carehub.timebank.accounts import get_account, label, require_mover, scoped
from carehub.timebank.models import Account, ChainHead, Entry, Kin, Transaction


def view(account: Account) -> dict:
    held = held_minutes([account.id]).get(account.id, 0)
    return {"id": account.id, "kind": account.kind, "volunteer_id": account.volunteer_id,
            "resident_id": account.resident_id, "station_id": account.station_id,
            "balance_minutes": account.balance_minutes, "held_minutes": held,
            "name": label(account)}  # fmt: skip


def held_minutes(account_ids: list[int]) -> dict[int, int]:
    """Minutes each account has on hold for visits booked and not yet verified or dropped."""
    settled = select(Transaction.settles_id).where(Transaction.settles_id.is_not(None))
    query = (
        select(Entry.account_id, func.sum(-Entry.minutes))
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Transaction.kind == "hold", Entry.minutes < 0, Transaction.id.not_in(settled))
        .where(Entry.account_id.in_(account_ids))
        .group_by(Entry.account_id)
    )
    return {account_id: int(m) for account_id, m in db.session.execute(query)}


def list_accounts(actor, args: dict):
    query = load(s.AccountQuery(), args)
    stmt = scoped(select(Account), actor).order_by(Account.id)
    if "kind" in query:
        stmt = stmt.where(Account.kind == query["kind"])
    if "station_id" in query:
        stmt = stmt.where(Account.station_id == query["station_id"])
    page = paginate(stmt, query["page"], query["per_page"])
    page.items = [view(a) for a in page.items]
    return page


def account(actor, account_id: int) -> dict:
    return view(get_account(actor, account_id))


def list_transactions(actor, args: dict):
    query = load(s.TransactionQuery(), args)
    visible = scoped(select(Account.id), actor)
    if "account_id" in query:
        visible = visible.where(Account.id == query["account_id"])
    touching = select(Entry.transaction_id).where(Entry.account_id.in_(visible))
    stmt = select(Transaction).where(Transaction.id.in_(touching)).order_by(Transaction.seq.desc())
    if "kind" in query:
        stmt = stmt.where(Transaction.kind == query["kind"])
    return paginate(stmt, query["page"], query["per_page"])


def get_transaction(actor, transaction_id: int) -> Transaction:
    visible = scoped(select(Account.id), actor)
    touching = select(Entry.transaction_id).where(Entry.account_id.in_(visible))
    found = db.session.scalar(
        select(Transaction).where(Transaction.id == transaction_id, Transaction.id.in_(touching))
    )
    if found is None:
        raise errors.missing("transaction", transaction_id)
    return found


def list_holds(actor) -> list[dict]:
    """Open holds on the accounts the actor sees."""
    visible = scoped(select(Account.id), actor)
    settled = select(Transaction.settles_id).where(Transaction.settles_id.is_not(None))
    query = (
        select(Transaction, Entry)
        .join(Entry, Entry.transaction_id == Transaction.id)
        .where(Transaction.kind == "hold", Entry.minutes < 0, Entry.account_id.in_(visible))
        .where(Transaction.id.not_in(settled))
        .order_by(Transaction.seq)
    )
    return [{"transaction_id": t.id, "visit_id": t.visit_id, "account_id": e.account_id,
             "minutes": -e.minutes, "visit_date": t.service_date}
            for t, e in db.session.execute(query)]  # fmt: skip


def statement(actor, account_id: int, args: dict) -> dict:
    """The account's lines with a running balance, and the chain hash that proves them."""
    query = load(s.StatementQuery(), args)
    found = get_account(actor, account_id)
    rows = db.session.execute(
        select(Transaction, Entry.minutes)
        .join(Entry, Entry.transaction_id == Transaction.id)
        .where(Entry.account_id == found.id)
        .order_by(Transaction.seq)
    ).all()
    lines, balance, opening = [], 0, 0
    for tx, minutes in rows:
        day = local_day(tx)
        balance += minutes
        if "date_from" in query and day < query["date_from"]:
            opening = balance
            continue
        if "date_to" in query and day > query["date_to"]:
            break
        lines.append({"id": tx.id, "seq": tx.seq, "at": tx.created_at, "kind": tx.kind, "minutes": minutes,
                      "balance": balance, "memo": tx.memo, "hash": tx.hash})  # fmt: skip
    head = db.session.get(ChainHead, 1)
    return {"account": view(found), "date_from": query.get("date_from"),
            "date_to": query.get("date_to"), "opening_minutes": opening,
            "closing_minutes": lines[-1]["balance"] if lines else opening, "lines": lines,
            "last_hash": rows[-1][0].hash if rows else None,
            "head_hash": head.hash if head else ledger.GENESIS,
            "head_seq": head.seq if head else 0}  # fmt: skip


def local_day(tx: Transaction):
    from carehub.common.clock import timezone

    return tx.created_at.astimezone(timezone()).date()


def bookable_services() -> list[ServiceType]:
    """What hours may pay for: the whole catalogue (a redeemed visit is an ordinary visit)."""
    return list(db.session.scalars(select(ServiceType).order_by(ServiceType.code)))


def record_kin(actor, payload: dict) -> Kin:
    """A coordinator records a family tie after seeing the documents (for gifts of hours)."""
    if actor.role not in WRITE_ROLES:
        raise errors.read_only()
    data = load(s.KinIn(), payload)
    volunteer = _volunteer(actor, data["volunteer_id"])
    resident = db.session.get(Resident, data["resident_id"])
    if resident is None:
        raise not_found("resident", data["resident_id"])
    with flows.unit():
        kin = Kin(volunteer_id=volunteer.id, resident_id=resident.id, relation=data["relation"],
                  evidence=data["evidence"], recorded_by_id=actor.id)  # fmt: skip
        db.session.add(kin)
        db.session.flush()
        record(actor, "create", "timebank_kin", kin.id, volunteer.station_id,
               {"resident_id": resident.id, "relation": kin.relation})  # fmt: skip
    return kin


def kin_of(actor, volunteer_id: int) -> list[Kin]:
    if actor.role == "volunteer" and actor.volunteer_id != volunteer_id:
        raise not_found("volunteer", volunteer_id)
    if actor.role != "volunteer":
        _volunteer(actor, volunteer_id)
    return list(db.session.scalars(select(Kin).where(Kin.volunteer_id == volunteer_id)))


def gift(actor, payload: dict, key: str | None = None) -> Transaction:
    data = load(s.GiftIn(), payload)
    source = get_account(actor, data["account_id"])
    require_mover(actor, source)
    kin = None
    if source.kind == "volunteer":
        kin = db.session.scalar(select(Kin).where(Kin.volunteer_id == source.volunteer_id,
                                                  Kin.resident_id == data["resident_id"]))  # fmt: skip
    if kin is None:
        raise errors.not_kin("resident_id")
    with flows.unit():
        posted = flows.gift(actor, source, kin, data["minutes"], local_today(), key,
                            ledger.request_hash(data))  # fmt: skip
        record(actor, "gift", "timebank_transaction", posted.id, source.station_id,
               {"to_resident": kin.resident_id, "minutes": data["minutes"]})  # fmt: skip
    return posted


def donate(actor, payload: dict, key: str | None = None) -> Transaction:
    data = load(s.DonateIn(), payload)
    source = get_account(actor, data["account_id"])
    require_mover(actor, source)
    station_id = data.get("station_id") or source.station_id
    if station_id is None or db.session.get(Station, station_id) is None:
        raise not_found("station", station_id or 0)
    with flows.unit():
        posted = flows.donate(actor, source, station_id, data["minutes"], local_today(), key,
                              ledger.request_hash(data))  # fmt: skip
        record(actor, "donate", "timebank_transaction", posted.id, station_id,
               {"minutes": data["minutes"]})  # fmt: skip
    return posted


def reverse(actor, transaction_id: int, payload: dict, key: str | None = None) -> Transaction:
    """A correction: the opposite entries, pointing at what they reverse."""
    if actor.role not in WRITE_ROLES:
        raise errors.read_only()
    data = load(s.ReverseIn(), payload)
    original = get_transaction(actor, transaction_id)
    with flows.unit():
        posted = flows.reverse(actor, original, data["reason"], key, ledger.request_hash(data))
        record(actor, "reverse", "timebank_transaction", original.id, None,
               {"reversal": posted.id, "reason": data["reason"]})  # fmt: skip
    return posted


def _volunteer(actor, volunteer_id: int) -> Volunteer:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise not_found("volunteer", volunteer_id)
    check_station(actor, volunteer.station_id, "volunteer", volunteer_id)
    return volunteer
