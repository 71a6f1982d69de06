"""Accounts, passwords and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from carehub.auth import throttle
from carehub.auth.models import ROLES, ApiToken, User
from carehub.auth.scoping import not_found
from carehub.common import fields, validate
from carehub.common.errors import Conflict, Forbidden, Invalid, NotFound
from carehub.common.schema import Schema, choice, ident, load, text
from carehub.common.tx import atomic
from carehub.common.types import utcnow
from carehub.extensions import db
from carehub.registry.models import Provider, Station


def _hasher() -> PasswordHasher:
    """Argon2id with the configured cost (tests lower it; production keeps the library default)."""
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg.get("CAREHUB_ARGON2_TIME_COST", 3),
        memory_cost=cfg.get("CAREHUB_ARGON2_MEMORY_KIB", 65536),
    )


STATION_ROLES = frozenset({"coordinator", "caregiver", "volunteer"})


class UserIn(Schema):
    username = text(40, required=True)
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))
    role = choice(ROLES, required=True)
    stations = fields.List(text(16), load_default=list, validate=validate.Length(max=100))
    display_name = text(60, load_default="")
    provider_id = ident(allow_none=True)


def create_user(
    username: str,
    password: str,
    role: str,
    station_codes: list[str] | None = None,
    display_name: str = "",
    **links,
) -> User:
    """Create an account; station-bound roles must name at least one station."""
    if role not in ROLES:
        message = _l("Choose one of: %(choices)s.", choices=", ".join(ROLES))
        raise Invalid.field("role", message, code="unknown_role")
    if len(password) < 8:
        raise Invalid.field("password", _l("At least 8 characters."), code="short_password")
    if db.session.scalar(select(User).where(User.username == username)):
        raise Conflict(
            _l("An account named %(name)s already exists.", name=username),
            {"username": [_l("Already in use.")]},
            code="duplicate_username",
        )
    stations = []
    for code in station_codes or []:
        station = db.session.scalar(select(Station).where(Station.code == code))
        if station is None:
            message = _l("No station has the code %(code)s.", code=code)
            raise Invalid.field("station", message, code="unknown_station")
        stations.append(station)
    if role in STATION_ROLES and not stations:
        message = _l("This role must belong to a station.")
        raise Invalid.field("station", message, code="station_required")
    provider_id = links.get("provider_id")
    if provider_id is not None and db.session.get(Provider, provider_id) is None:
        message = _l("No provider has the id %(id)s.", id=provider_id)
        raise Invalid.field("provider_id", message, code="unknown_provider")
    user = User(
        username=username,
        password_hash=_hasher().hash(password),
        role=role,
        display_name=display_name or username,
        stations=stations,
        **links,
    )
    with atomic("username"):
        db.session.add(user)
    return user


def list_users(actor: User) -> list[User]:
    """Accounts, for administrators only."""
    if actor.role != "admin":
        raise _admins_only()
    return list(db.session.scalars(select(User).order_by(User.username)))


def create_user_as(actor: User, payload: dict) -> User:
    if actor.role != "admin":
        raise _admins_only()
    data = load(UserIn(), payload)
    return create_user(
        data["username"], data["password"], data["role"], data["stations"], data["display_name"],
        provider_id=data.get("provider_id"),
    )  # fmt: skip


def _admins_only() -> Forbidden:
    return Forbidden(_l("Only administrators manage accounts."), code="admins_only")


def log_in(username: str, password: str) -> User | None:
    """``authenticate``, refused (429) while the name or the address has failed too often."""
    throttle.check(username)
    user = authenticate(username, password)
    if user is None:
        throttle.failed(username)
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher().hash(password)  # same cost either way: no user enumeration by timing
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["CAREHUB_TOKEN_HOURS"]
    row = ApiToken(
        token_hash=_digest(token), user=user, expires_at=utcnow() + timedelta(hours=hours)
    )
    with atomic():
        db.session.add(row)
    return token, row


def user_for_token(token: str) -> User | None:
    # One query for the token, its account and the account's stations: every API call asks.
    query = select(ApiToken).where(ApiToken.token_hash == _digest(token))
    query = query.options(joinedload(ApiToken.user).joinedload(User.stations))
    row = db.session.scalars(query).unique().first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def revoke_token(token: str) -> None:
    """End one bearer token (the caller's own, when it logs out of the API)."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()


def revoke_tokens(actor: User, user_id: int) -> int:
    """End every live token of an account (one's own, or any for an administrator)."""
    _own_or_admin(actor, user_id)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    db.session.flush()
    return len(rows)


def _own_or_admin(actor: User, user_id: int) -> User:
    if (actor.role != "admin" and actor.id != user_id) or not 0 < user_id < 2**31:
        raise _no_user(user_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise _no_user(user_id)
    return user


def _no_user(user_id: int) -> NotFound:
    return not_found("account", user_id)


# --- web sessions -----------------------------------------------------------------------------


def user_for_session(session_id: str) -> User | None:
    """The account behind a session cookie's "id:generation", if that session was not ended."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None  # a cookie from before session generations: log in again
    # the stations with the account, in the same query: every page's scoping reads them
    user = db.session.get(User, int(user_id), options=[joinedload(User.stations)])
    if user is None or user.session_generation != int(generation):
        return None
    return user


def end_sessions(user: User) -> None:
    """Make every session cookie of this account worthless (logout, new password)."""
    user.session_generation += 1
    db.session.flush()


def change_own_password(actor: User, current: str, new: str) -> User:
    """Someone who knows the current password sets another; wrong guesses count as failed logins."""
    if log_in(actor.username, current) is None:
        raise Invalid.field("current_password", _l("Wrong password."), code="wrong_password")
    return set_password(actor, actor.id, new, field="new_password")


def set_password(actor: User, user_id: int, password: str, field: str = "password") -> User:
    """A new password ends the account's sessions and API tokens: whoever knew the old is out."""
    user = _own_or_admin(actor, user_id)
    if not 8 <= len(password) <= 200:
        message = _l("Must be %(min)s to %(max)s characters long.", min=8, max=200)
        raise Invalid.field(field, message, code="bad_password_length")
    user.password_hash = _hasher().hash(password)
    end_sessions(user)
    revoke_tokens(actor, user_id)
    return user
