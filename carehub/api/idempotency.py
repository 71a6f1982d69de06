"""Idempotency-Key for POSTs that move money or hours: the same key returns the first answer.

The first answer (status and JSON body) is stored with the key in the request's own transaction,
so it exists exactly when the change does. The same key with another request (method, path or
body) is a 422; two requests racing with one key: the loser's commit hits the unique key (409).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import wraps

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from carehub.common.errors import Invalid
from carehub.common.types import UTCDateTime, utcnow
from carehub.extensions import db

HEADER = "Idempotency-Key"
DOC = {
    "parameters": [
        {"in": "header", "name": HEADER, "required": False,
         "schema": {"type": "string", "minLength": 1, "maxLength": 100},
         "description": "Send the same key again: the first answer comes back, nothing new "
         "is written."}
    ]
}  # fmt: skip


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    method_path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def idempotent(view):
    """Decorate an API view (outermost, above ``blp.response``)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not 1 <= len(key) <= 100:
            message = _l("Give a key of 1 to 100 characters.")
            raise Invalid(message, {HEADER: [message]}, code="bad_idempotency_key")
        where = f"{request.method} {request.path}"[:300]
        digest = hashlib.sha256(request.get_data()).hexdigest()
        query = select(IdempotencyKey).where(
            IdempotencyKey.user_id == g.actor.id, IdempotencyKey.key == key
        )
        found = db.session.scalar(query)
        if found is not None:
            if (found.method_path, found.request_hash) != (where, digest):
                message = _l("This key was used for another request.")
                raise Invalid(message, {HEADER: [message]}, code="idempotency_key_reused")
            return jsonify(found.body), found.status
        response = view(*args, **kwargs)
        if response.status_code < 400:
            db.session.add(IdempotencyKey(user_id=g.actor.id, key=key, method_path=where,
                                          request_hash=digest, status=response.status_code,
                                          body=response.get_json()))  # fmt: skip
        return response

    return wrapper
