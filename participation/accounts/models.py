"""Accounts: users, government organisations and their staff memberships."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.db import Base, TimestampMixin, str_enum, utcnow
from participation.identity import IdentityLevel, email_hash


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name shown publicly with the person's contributions.
    display_name: Mapped[str | None] = mapped_column(String(80))
    #: Normalised (lower-case) address; NULL once the account is deleted.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    #: HMAC-SHA256 of the declared Thai national ID; the number itself is never stored.
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    national_id_verified_at: Mapped[datetime | None]
    #: When a digital-ID provider (OpenID Connect) last proved who this person is.
    digital_id_verified_at: Mapped[datetime | None]
    #: Preferred language (th or en).
    locale: Mapped[str] = mapped_column(String(5), default="th")
    is_moderator: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Changing it signs the person out everywhere (password change, deletion).
    session_nonce: Mapped[str] = mapped_column(String(32), default=_nonce)
    last_sign_in_at: Mapped[datetime | None]
    #: Set when the person deleted the account; personal data is gone by then.
    deleted_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    digital_identities: Mapped[list[DigitalIdentity]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="DigitalIdentity.id"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def identity_level(self) -> IdentityLevel:
        """The strongest identity this person has proven."""
        if self.is_deleted:
            return IdentityLevel.none
        if getattr(self, "digital_id_verified_at", None):
            return IdentityLevel.digital_id
        if self.national_id_hash and self.email_verified_at:
            return IdentityLevel.national_id
        if self.email_verified_at:
            return IdentityLevel.email
        return IdentityLevel.none

    def has_identity_level(self, level: IdentityLevel) -> bool:
        return self.identity_level >= level

    def identity_key(self) -> str | None:
        """The person's key for one-per-person constraints, or None if unverified.

        The strongest proven identity wins, so two accounts of one person with
        the same national ID share one key, whether the number was declared or
        proven by a digital ID; a digital ID without a national ID gives the
        keyed hash of the provider's issuer and subject.
        """
        level = self.identity_level
        if level >= IdentityLevel.national_id and self.national_id_hash:
            return f"nid:{self.national_id_hash}"
        if level == IdentityLevel.digital_id and self.digital_identities:
            # Proven by a provider that releases no national ID: issuer + subject.
            return f"oidc:{self.digital_identities[0].subject_hash}"
        if level >= IdentityLevel.email and self.email:
            return f"email:{email_hash(self.email)}"
        return None

    def role_in(self, organisation_id: int) -> MembershipRole | None:
        for membership in self.memberships:
            if membership.organisation_id == organisation_id:
                return membership.role
        return None

    @property
    def organisation_ids(self) -> set[int]:
        return {m.organisation_id for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class OrganisationKind(enum.StrEnum):
    ministry = "ministry"
    department = "department"
    provincial = "provincial"
    local_government = "local_government"
    parliament = "parliament"
    other = "other"


class Organisation(TimestampMixin, Base):
    """A government agency that opens hearings, receives initiatives or runs budgets."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable name used in addresses, e.g. ``moi`` or ``bangkok-bang-rak``.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "organisation_kind"), default=OrganisationKind.other
    )
    #: Public contact (an office address or email of the agency, not a person).
    contact: Mapped[str | None] = mapped_column(String(300))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class MembershipRole(enum.StrEnum):
    editor = "editor"  #: works on the organisation's hearings, responses, budgets
    admin = "admin"  #: as editor, and manages the organisation's staff


class Membership(TimestampMixin, Base):
    """A staff member of an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "membership_role"))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class SignInThrottle(Base):
    """Failed sign-ins per account address, shared by every worker.

    Keyed by the HMAC of the address, so the table holds no email in clear.
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Sign-in is refused until then.
    locked_until: Mapped[datetime | None]


class DigitalIdentity(TimestampMixin, Base):
    """An account's link to a person proven by a digital-ID provider (OpenID Connect).

    Holds no raw identifiers: the provider's subject and the national ID are
    kept only as keyed hashes; the verified name and birth date are encrypted
    and used only where an initiative type requires them.
    """

    __tablename__ = "digital_identities"
    __table_args__ = (UniqueConstraint("provider", "subject_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The configured provider name (PARTICIPATION_OIDC_PROVIDERS ``name``).
    provider: Mapped[str] = mapped_column(String(32))
    #: HMAC-SHA256 of ``issuer|sub``: stable per person and provider, not the raw subject.
    subject_hash: Mapped[str] = mapped_column(String(64))
    #: HMAC of the national ID the provider released (same as ``users.national_id_hash``).
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    #: When the provider last proved the person (each sign-in refreshes it).
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Fernet token (participation.crypto) of the verified full name, if released.
    verified_name_encrypted: Mapped[str | None] = mapped_column(Text)
    #: Fernet token of the verified birth date (ISO 8601), if released.
    birthdate_encrypted: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="digital_identities")

    def __repr__(self) -> str:
        return f"<DigitalIdentity {self.provider} user={self.user_id}>"


class DigitalIdStateUse(Base):
    """A digital-ID sign-in state that has come back once.

    The pending state lives in the signed session cookie; this row makes its
    single use hold on the server too, so an old copy of the cookie cannot
    replay it. Rows older than a pending sign-in's lifetime are purged.
    """

    __tablename__ = "digital_id_state_uses"

    #: SHA-256 of the state value.
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
