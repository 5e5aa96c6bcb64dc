"""Subscriptions, delivery preferences, digest items and the email outbox.

Outbox rows are written in the same transaction as the change that caused
them and sent later by ``participation worker`` (see ``delivery.py``).
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.db import Base, TimestampMixin, str_enum, utcnow


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class OutboxStatus(enum.StrEnum):
    pending = "pending"  #: waiting for (another) attempt
    sending = "sending"  #: claimed by a worker; see ``claimed_at``
    sent = "sent"
    failed = "failed"  #: gave up; ``last_error`` says why


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Recipient account, if any (NULL for address-only subscribers).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    #: Template name, e.g. ``accounts/verify_email``.
    kind: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Makes an event's email to one person unique (e.g. a threshold reached once).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    #: Random id of the worker round that claimed the row (status ``sending``).
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: The RFC 5322 Message-ID, fixed at queueing so every attempt carries the same one.
    message_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: One-click unsubscribe address (``List-Unsubscribe``, RFC 8058), if the email has one.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))


class SubscriptionState(enum.StrEnum):
    pending = "pending"  #: an address subscriber has not opened the confirmation link yet
    active = "active"
    muted = "muted"  #: explicitly unfollowed: remembered so a default follow does not return


class SubscriptionOrigin(enum.StrEnum):
    explicit = "explicit"  #: the person pressed Follow (or subscribed by email)
    automatic = "automatic"  #: a default: commented, signed, or authored


class Subscription(TimestampMixin, Base):
    """One person (account or confirmed address) following one public subject."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_type", "subject_id"),
        UniqueConstraint("email", "subject_type", "subject_id"),
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="account_or_address"),
        Index("ix_subscriptions_subject", "subject_type", "subject_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Normalised address of a subscriber without an account (never shown anywhere).
    email: Mapped[str | None] = mapped_column(String(254))
    #: Language of an address subscriber's emails (accounts use their own setting).
    locale: Mapped[str] = mapped_column(String(5), default="th")
    #: A name registered in ``participation.subjects``, e.g. ``hearing`` or ``organisation``.
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    state: Mapped[SubscriptionState] = mapped_column(
        str_enum(SubscriptionState, "subscription_state"), default=SubscriptionState.active
    )
    origin: Mapped[SubscriptionOrigin] = mapped_column(
        str_enum(SubscriptionOrigin, "subscription_origin"), default=SubscriptionOrigin.explicit
    )
    #: Part of every signed link for this row, so a link never acts on a later row reusing the id.
    nonce: Mapped[str] = mapped_column(String(24), default=_nonce)
    confirmed_at: Mapped[datetime | None]


class DeliveryPreference(TimestampMixin, Base):
    """How one recipient (account or address) wants notification emails."""

    __tablename__ = "delivery_preferences"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="account_or_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: One email a day grouped by subject instead of one email per event.
    digest: Mapped[bool] = mapped_column(default=False)
    #: No notification emails at all (account and security emails still go out).
    paused: Mapped[bool] = mapped_column(default=False)
    nonce: Mapped[str] = mapped_column(String(24), default=_nonce)


class DigestItem(TimestampMixin, Base):
    """One event waiting for a recipient's next daily digest."""

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("recipient", "event_ref"),
        Index("ix_digest_items_due", "digested_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``u:<user id>`` or ``e:<address>``: who gets the digest.
    recipient: Mapped[str] = mapped_column(String(260))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The subscription that brought it: unfollowing before the digest goes out drops it.
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    #: The event (``s<ledger seq>`` or a random id for private events).
    event_ref: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    #: Public path to link to (the subject or a precise permalink).
    path: Mapped[str | None] = mapped_column(String(300))
    #: When it went into a digest email (NULL: waiting).
    digested_at: Mapped[datetime | None]
