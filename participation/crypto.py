"""Encryption at rest for identity details (Fernet).

The Fernet key is derived from ``ENCRYPTION_KEY`` with HKDF-SHA256, so the
setting can be any long random string and the key used for this purpose is
separate from any other use of the same secret. Tokens carry their own
timestamp and MAC: a changed or truncated value fails to decrypt.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: HKDF "info": names what the derived key is for (change it only with a re-encryption).
_INFO = b"participation/fernet/identity-details/v1"


class DecryptionError(ValueError):
    """The value was not made with the current key, or was changed."""


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _current() -> Fernet:
    return _fernet(current_app.config["ENCRYPTION_KEY"])


def encrypt(text: str) -> str:
    """Encrypt ``text`` (UTF-8) to an ASCII token safe to store in a text column."""
    return _current().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text ``encrypt`` was given; raises DecryptionError if the token is not ours."""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError("the value cannot be decrypted with the current key") from exc
