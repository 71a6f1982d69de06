"""Who holds which account, and who may see or move it (station scoping, volunteers: their own)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from carehub.auth.models import User
from carehub.auth.scoping import WRITE_ROLES, not_found
from carehub.extensions import db
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident, Volunteer
from carehub.timebank import errors
from carehub.timebank.ledger import create_once
from carehub.timebank.models import Account

READERS = frozenset({"admin", "auditor", "coordinator", "volunteer"})


def volunteer_account(volunteer: Volunteer) -> Account:
    """The volunteer's account, opened on first use."""
    found = db.session.scalar(select(Account).where(Account.volunteer_id == volunteer.id))
    if found is None:
        create_once(Account(kind="volunteer", volunteer_id=volunteer.id,
                        station_id=volunteer.station_id, balance_minutes=0))  # fmt: skip
        found = db.session.scalar(select(Account).where(Account.volunteer_id == volunteer.id))
    return found


def resident_account(resident: Resident) -> Account:
    """A resident's account for hours given to them, opened on first use."""
    found = db.session.scalar(select(Account).where(Account.resident_id == resident.id))
    if found is None:
        create_once(Account(kind="resident", resident_id=resident.id,
                        station_id=resident.station_id, balance_minutes=0))  # fmt: skip
        found = db.session.scalar(select(Account).where(Account.resident_id == resident.id))
    return found


def scoped(query: Select, actor: User) -> Select:
    """Accounts the actor may read: its own (volunteer), its stations', or all (district)."""
    if actor.role not in READERS:
        raise errors.no_reader()
    if actor.role == "volunteer":
        return query.where(Account.volunteer_id == (actor.volunteer_id or -1))
    if actor.district_wide:
        return query
    return query.where(Account.station_id.in_(actor.station_ids or {-1}))


def get_account(actor: User, account_id: int) -> Account:
    found = db.session.scalar(scoped(select(Account), actor).where(Account.id == account_id))
    if found is None:
        raise not_found("account", account_id)
    return found


def own_account(actor: User) -> Account:
    """The signed-in volunteer's account."""
    volunteer = db.session.get(Volunteer, actor.volunteer_id) if actor.volunteer_id else None
    if volunteer is None:
        raise errors.no_volunteer()
    return volunteer_account(volunteer)


def require_mover(actor: User, account: Account) -> None:
    """A coordinator or admin moves any account it sees; a volunteer only its own."""
    if actor.role in WRITE_ROLES:
        return
    if actor.role == "volunteer" and account.volunteer_id == actor.volunteer_id:
        return
    raise errors.read_only()


def holder_of(account: Account) -> tuple[Resident | None, date | None]:
    """The resident the account's hours may pay for, and the holder's birth date."""
    if account.kind == "resident":
        resident = db.session.get(Resident, account.resident_id)
        return resident, resident.birth_date
    if account.kind == "volunteer":
        volunteer = db.session.get(Volunteer, account.volunteer_id)
        return volunteer.resident, volunteer.birth_date
    return None, None


def holder_age(account: Account, day: date) -> int | None:
    _, born = holder_of(account)
    return None if born is None else age_on(born, day)


def label(account: Account) -> str:
    """A short name for statements and lists."""
    if account.kind == "volunteer":
        return db.session.get(Volunteer, account.volunteer_id).name
    if account.kind == "resident":
        return db.session.get(Resident, account.resident_id).name
    return account.system_key or account.kind
