"""The email outbox: rows written in the same transaction as the change that
caused them, sent later by ``participation worker``."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participation.db import Base, TimestampMixin, str_enum, utcnow


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
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
