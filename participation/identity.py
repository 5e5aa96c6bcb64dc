"""Identity assurance levels, Thai national-ID checks and keyed hashing.

A national ID number is never stored in clear by the account system: only its
HMAC-SHA256 under ``IDENTITY_KEY``. The same key gives every person one
*identity key*, used by database unique constraints (one signature per person,
one ballot per voter) whichever account they use.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import unicodedata

from flask import current_app


class IdentityLevel(enum.IntEnum):
    """How sure the platform is of who a person is (higher is stronger)."""

    none = 0  #: registered, email not yet verified
    email = 1  #: verified email address
    national_id = 2  #: declared a valid Thai national ID (unique on the platform)
    digital_id = 3  #: proven by a digital-ID provider (OpenID Connect)

    @classmethod
    def parse(cls, name: str) -> IdentityLevel:
        return cls[name]


class NationalIdError(ValueError):
    """An invalid Thai national ID; ``code`` says why (for a precise message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  #: one of: length, digits, check_digit


def normalise_national_id(raw: str) -> str:
    """Strip spaces and dashes (``1-2345-67890-12-1``) and check the number.

    Raises NationalIdError with code ``digits`` (non-digit characters),
    ``length`` (not 13 digits) or ``check_digit`` (the mod-11 check fails).
    """
    value = unicodedata.normalize("NFKC", raw or "")
    value = value.replace("-", "").replace(" ", "").strip()
    # Thai digits (๐-๙) are digits too; NFKC does not fold them, so map them.
    value = value.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    if not value.isascii() or not value.isdigit():
        raise NationalIdError("digits")
    if len(value) != 13:
        raise NationalIdError("length")
    total = sum(int(value[i]) * (13 - i) for i in range(12))
    if (11 - total % 11) % 10 != int(value[12]):
        raise NationalIdError("check_digit")
    return value


def keyed_hash(purpose: str, value: str, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of ``purpose:value`` under the identity key."""
    secret = (key or current_app.config["IDENTITY_KEY"]).encode()
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def national_id_hash(national_id: str) -> str:
    """The stored form of a (valid, normalised) national ID."""
    return keyed_hash("national-id", normalise_national_id(national_id))


def normalise_email(email: str) -> str:
    """Lower-case, NFKC, trimmed: the form compared and stored."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def email_hash(email: str) -> str:
    return keyed_hash("email", normalise_email(email))
