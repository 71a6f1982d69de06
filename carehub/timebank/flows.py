"""The postings of the time bank: credits, holds and their settlement, gifts, donations, reversals.

Each function here locks the chain head first, then the accounts it moves (``ledger``), and only
flushes: a listener runs inside the visit's transition, a service inside ``unit``.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from flask import has_request_context
from sqlalchemy import func, select

from carehub.audit.services import record
from carehub.common import tx
from carehub.extensions import db
from carehub.notices import services as notices
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident, Volunteer
from carehub.timebank import errors, ledger
from carehub.timebank.accounts import resident_account, volunteer_account
from carehub.timebank.ledger import Posting
from carehub.timebank.models import Account, Entry, Kin, Transaction
from carehub.timebank.rules import rules_on


@contextmanager
def unit():
    """One unit of work for a service that calls others (a visit request, then a hold).

    In a request (or a batch) it is the request's; called alone it commits once at the end.
    """
    if has_request_context() or tx.in_unit_of_work():
        with tx.atomic():
            yield
        return
    with tx.unit_of_work():
        with tx.atomic():
            yield
        tx.commit()


def credited_in_month(account: Account, day: date) -> int:
    """Minutes credited to the account for service in ``day``'s month."""
    first = day.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    query = (
        select(func.coalesce(func.sum(Entry.minutes), 0))
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Entry.account_id == account.id, Transaction.kind == "credit")
        .where(Transaction.service_date >= first, Transaction.service_date < after)
    )
    return int(db.session.scalar(query))


def credit(actor, volunteer: Volunteer, served: int, service_code, day: date, station_id: int,
           **refs) -> Transaction | None:  # fmt: skip
    """Credit minutes served, weighted; beyond the monthly cap refused (recorded as
    ``capped_minutes``), beyond the storage cap donated to the station's pool."""
    rules = rules_on(day)
    worth = rules.worth(service_code, served)
    head = ledger.lock_head()
    issuer, account, pool = ledger.lock_accounts([
        ledger.system_account("issuer"), volunteer_account(volunteer),
        ledger.system_account("pool", station_id),
    ])  # fmt: skip
    granted = min(worth, max(0, rules.monthly_cap_minutes - credited_in_month(account, day)))
    kept = min(granted, max(0, rules.storage_cap_minutes - account.balance_minutes))
    surplus = granted - kept if rules.pool_donation else 0
    capped = worth - kept - surplus
    record(actor, "credit", "timebank_account", account.id, station_id,
           {"worth": worth, "kept": kept, "to_pool": surplus, "capped": capped, **refs})  # fmt: skip
    if capped:
        notices.post(station_id, "hours_capped", {"minutes": capped, "day": day.isoformat()},
                     volunteer_id=volunteer.id)  # fmt: skip
    if not kept + surplus:
        return None
    legs = [(issuer, -(kept + surplus)), (account, kept), (pool, surplus)]
    posting = Posting("credit", legs, service_date=day, capped_minutes=capped, **refs)
    return ledger.append(actor, head, posting)


def hold(actor, head, account: Account, visit, minutes: int, key=None, payload_hash=None):
    """Set aside a visit's minutes from the account until the visit is verified or dropped."""
    account, holds = ledger.lock_accounts([account, ledger.system_account("holds")])
    posting = Posting("hold", [(account, -minutes), (holds, minutes)], visit_id=visit.id,
                      service_date=visit.visit_date)  # fmt: skip
    return ledger.append(actor, head, posting, key, payload_hash)


def open_hold(visit_id: int) -> Transaction | None:
    settled = select(Transaction.settles_id).where(Transaction.settles_id.is_not(None))
    query = select(Transaction).where(
        Transaction.visit_id == visit_id, Transaction.kind == "hold",
        Transaction.id.not_in(settled),
    )  # fmt: skip
    return db.session.scalar(query)


def settle(actor, visit, outcome: str, spent: int | None = None) -> Transaction | None:
    """``post`` the visit's hold (verified: the minutes are spent) or ``release`` it (dropped).

    ``spent``: post exactly these minutes (a share paid in hours, as frozen in the split); the
    rest of the hold goes back to the payer, a shortfall is taken from the payer's balance."""
    head = ledger.lock_head()
    found = open_hold(visit.id)
    if found is None:
        return None
    payer = next(e for e in found.entries if e.minutes < 0)
    minutes = -payer.minutes
    if outcome == "post" and spent is not None:
        holds, issuer, back = ledger.lock_accounts(
            [ledger.system_account("holds"), ledger.system_account("issuer"), payer.account]
        )
        legs = [(holds, -minutes), (issuer, spent), (back, minutes - spent)]
        posting = Posting("post", legs, visit_id=visit.id, settles_id=found.id,
                          service_date=visit.visit_date)  # fmt: skip
        return ledger.append(actor, head, posting)
    target = ledger.system_account("issuer") if outcome == "post" else payer.account
    holds, target = ledger.lock_accounts([ledger.system_account("holds"), target])
    legs = [(holds, -minutes), (target, minutes)]
    posting = Posting(outcome, legs, visit_id=visit.id, settles_id=found.id,
                      service_date=visit.visit_date)  # fmt: skip
    return ledger.append(actor, head, posting)


def gift(actor, account: Account, kin: Kin, minutes: int, day: date, key=None, payload_hash=None):
    """Give hours to a recorded spouse or direct relative old enough to redeem them."""
    head = ledger.lock_head()
    if (prior := ledger.replayed(actor, key, payload_hash)) is not None:
        return prior
    resident = db.session.get(Resident, kin.resident_id)
    rules = rules_on(day)
    if age_on(resident.birth_date, day) < rules.redeem_age:
        raise errors.too_young("resident_id", age_on(resident.birth_date, day), rules.redeem_age)
    account, target = ledger.lock_accounts([account, resident_account(resident)])
    room = rules.storage_cap_minutes - target.balance_minutes
    if minutes > room:
        raise errors.over_storage("minutes", max(0, room))
    posting = Posting("gift", [(account, -minutes), (target, minutes)], memo=kin.relation)
    return ledger.append(actor, head, posting, key, payload_hash)


def donate(actor, account: Account, station_id: int, minutes: int, day: date, key=None,
           payload_hash=None):  # fmt: skip
    """Give hours to a station's pool, which serves priority elders."""
    if not rules_on(day).pool_donation:
        raise errors.no_donation("minutes")
    head = ledger.lock_head()
    if (prior := ledger.replayed(actor, key, payload_hash)) is not None:
        return prior
    account, pool = ledger.lock_accounts([account, ledger.system_account("pool", station_id)])
    posting = Posting("donate", [(account, -minutes), (pool, minutes)])
    return ledger.append(actor, head, posting, key, payload_hash)


REVERSIBLE = ("credit", "gift", "donate")


def reverse(actor, original: Transaction, reason: str, key=None, payload_hash=None):
    """Undo a credit, gift or donation with the opposite entries (refused if already spent)."""
    head = ledger.lock_head()
    if (prior := ledger.replayed(actor, key, payload_hash)) is not None:
        return prior
    already = db.session.scalar(
        select(Transaction.id).where(Transaction.reverses_id == original.id)
    )
    if original.kind not in REVERSIBLE or already is not None:
        raise errors.not_reversible("transaction_id")
    accounts = ledger.lock_accounts([e.account for e in original.entries])
    legs = [(a, -e.minutes) for a, e in zip(accounts, original.entries, strict=True)]
    posting = Posting("reversal", legs, reverses_id=original.id, memo=reason)
    return ledger.append(actor, head, posting, key, payload_hash)


def expire(actor, day: date) -> list[Transaction]:
    """Expire, first in first out, the minutes older than the rules' ``expiry_months`` (off by
    default): what an account holds beyond what it received since then goes back to the issuer."""
    months = rules_on(day).expiry_months
    if not months:
        return []
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    since = date(y, m + 1, min(day.day, 28))
    head = ledger.lock_head()
    recent = (
        select(Entry.account_id, func.sum(Entry.minutes))
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Entry.minutes > 0, Transaction.kind.in_(("credit", "gift", "release")))
        .where(func.coalesce(Transaction.service_date, func.date(Transaction.created_at)) >= since)
        .group_by(Entry.account_id)
    )
    received = dict(db.session.execute(recent).all())
    holders = select(Account).where(Account.kind.in_(("volunteer", "resident")),
                                    Account.balance_minutes > 0).order_by(Account.id)  # fmt: skip
    posted = []
    for account in list(db.session.scalars(holders)):
        stale = account.balance_minutes - int(received.get(account.id, 0))
        if stale > 0:
            issuer, account = ledger.lock_accounts([ledger.system_account("issuer"), account])
            posting = Posting("expiry", [(account, -stale), (issuer, stale)], service_date=day)
            posted.append(ledger.append(actor, head, posting))
    return posted
