"""``Idempotency-Key`` for POSTs that complete or verify a visit, or move money or hours.

The first successful answer to a key is stored with the request it answered, in the request's own
transaction; the same key again returns that answer and runs nothing. The same key with another
request (another path or body) is a 422: the client has a bug. Keys are per account.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import wraps

from flask import g, make_response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from carehub.common.errors import Invalid
from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

HEADER = "Idempotency-Key"
MAX_KEY = 100
DOC = {
    "parameters": [
        {"in": "header", "name": HEADER, "required": False,
         "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
         "description": "Send the same key again to get the first answer; nothing new is written."}
    ]
}  # fmt: skip


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    method_path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def idempotent(view):
    """Wrap an API view: replay the stored answer of a known key, store the first one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = _checked(key)
        where = f"{request.method} {request.path}"[:300]
        digest = hashlib.sha256(request.get_data()).hexdigest()
        seen = db.session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.user_id == g.actor.id,
                                         IdempotencyKey.key == key)
        )  # fmt: skip
        if seen is not None:
            return _replay(seen, where, digest)
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400 and response.is_json:
            db.session.add(IdempotencyKey(user_id=g.actor.id, key=key, method_path=where,
                                          request_hash=digest, status=response.status_code,
                                          body=response.get_json()))  # fmt: skip
            db.session.flush()
        return response

    return wrapper


def _checked(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise Invalid.field(HEADER, _l("Between 1 and 100 characters."), code="bad_idempotency_key")
    return key


def _replay(seen: IdempotencyKey, where: str, digest: str):
    if seen.method_path != where or seen.request_hash != digest:
        raise Invalid.field(HEADER, _l("This key was used for another request."),
                            code="idempotency_key_reused")  # fmt: skip
    response = make_response(json.dumps(seen.body), seen.status)
    response.headers["Content-Type"] = "application/json"
    response.headers["Idempotent-Replayed"] = "true"
    return response
