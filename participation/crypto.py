"""Encryption at rest for the few personal details the law requires us to keep.

Signers of some initiatives must give their full name and national ID so the
receiving authority can verify them (Constitution s.133, s.256). Those values
are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The key is derived from
``PARTICIPATION_ENCRYPTION_KEY`` with HKDF-SHA256, so any string works as the
setting and each purpose gets its own key. Only the hand-over export decrypts.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["encrypt", "decrypt", "InvalidToken", "fernet"]


def fernet(purpose: str, secret: str | None = None) -> Fernet:
    """A Fernet for ``purpose`` keyed from the encryption setting (HKDF-SHA256)."""
    material = (secret or current_app.config["ENCRYPTION_KEY"]).encode("utf-8")
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"participation.crypto.v1",
        info=purpose.encode("utf-8"),
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(purpose: str, value: str) -> str:
    """The Fernet token (ASCII) for ``value``."""
    return fernet(purpose).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(purpose: str, token: str) -> str:
    """The clear text of ``token``; raises InvalidToken if it was tampered with."""
    return fernet(purpose).decrypt(token.encode("ascii")).decode("utf-8")
