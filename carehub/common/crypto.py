"""Personal data at rest: encrypted values, a keyed hash to find duplicates, and masks.

ID and phone numbers are stored as Fernet ciphertext; a keyed HMAC of the normalised value lets the
database enforce uniqueness and answer exact searches without holding the clear text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _key_material() -> bytes:
    cfg = current_app.config
    return (cfg.get("CAREHUB_DATA_KEY") or cfg["SECRET_KEY"]).encode()


def _fernet() -> Fernet:
    return _fernet_for(_key_material())


@lru_cache(maxsize=8)
def _fernet_for(material: bytes) -> Fernet:
    """One Fernet per key (deriving it per value cost a third of each encryption)."""
    digest = hashlib.sha256(b"carehub-fernet:" + material).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=8)
def _index_key(material: bytes) -> bytes:
    return hashlib.sha256(b"carehub-index:" + material).digest()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:  # key rotated without re-encryption: never crash a page over it
        return "<unreadable>"


def blind_index(value: str) -> str:
    return hmac.new(_index_key(_key_material()), value.upper().encode(), hashlib.sha256).hexdigest()


def mask(value: str, head: int = 4, tail: int = 4) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_phone(value: str) -> str:
    return mask(value, 3, 4)
