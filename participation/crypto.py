"""Encryption at rest for the few personal details the law requires us to keep.

Signers of some initiatives must give their full name and national ID so the
receiving authority can verify them (Constitution s.133, s.256), and a
digital-ID provider may release a verified name and birth date. Those values
are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). Each *purpose* gets its
own key, derived from ``PARTICIPATION_ENCRYPTION_KEY`` with HKDF-SHA256, so the
setting can be any long random string and a value encrypted for one purpose
cannot be decrypted as another. Tokens carry their own timestamp and MAC: a
changed or truncated value fails to decrypt.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["encrypt", "decrypt", "DecryptionError", "fernet"]

_SALT = b"participation.crypto.v1"


class DecryptionError(ValueError):
    """The value was not made with the current key for this purpose, or was changed."""


@lru_cache(maxsize=32)
def _derive(purpose: str, secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode("utf-8")).derive(
        secret.encode("utf-8")
    )
    import base64

    return Fernet(base64.urlsafe_b64encode(key))


def fernet(purpose: str, secret: str | None = None) -> Fernet:
    """The Fernet for ``purpose``, keyed from the encryption setting (HKDF-SHA256)."""
    return _derive(purpose, secret or current_app.config["ENCRYPTION_KEY"])


def encrypt(purpose: str, value: str) -> str:
    """The Fernet token (ASCII, safe for a text column) for ``value``."""
    return fernet(purpose).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(purpose: str, token: str) -> str:
    """The clear text of ``token``; raises DecryptionError if it is not ours or was changed."""
    try:
        return fernet(purpose).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise DecryptionError("the value cannot be decrypted with the current key") from exc
