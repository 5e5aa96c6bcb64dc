"""Flags, moderation actions, user blocks and appeals.

Every decision is a ``ModerationAction`` row shown in the public log with its
reason and time; the moderator's identity stays internal.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.db import Base, TimestampMixin, str_enum


class FlagReason(enum.StrEnum):
    spam = "spam"
    abusive = "abusive"
    off_topic = "off_topic"
    personal_data = "personal_data"
    illegal = "illegal"
    other = "other"


class ActionKind(enum.StrEnum):
    hide = "hide"  #: a moderator hid the item with a public reason
    auto_hide = "auto_hide"  #: enough distinct flags hid the item pending review
    restore = "restore"  #: a moderator made a hidden item visible again
    dismiss_flags = "dismiss_flags"  #: a moderator found the flags unfounded
    approve = "approve"  #: a moderator published a pre-moderated comment
    block_user = "block_user"  #: a person may not post or flag until a date
    appeal_upheld = "appeal_upheld"  #: an appeal was refused; the decision stands
    appeal_overturned = "appeal_overturned"  #: an appeal succeeded; the item is restored


class AppealStatus(enum.StrEnum):
    pending = "pending"
    upheld = "upheld"
    overturned = "overturned"


class Flag(TimestampMixin, Base):
    """One person's report of an item; one per person and item."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "user_id"),
        Index("ix_flags_open", "resolved_at", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A flaggable type (``comment``, ``initiative``, ...) and its id.
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[FlagReason] = mapped_column(str_enum(FlagReason, "flag_reason"))
    note: Mapped[str | None] = mapped_column(String(500))
    #: Set when a moderator acted on the item or dismissed the flags.
    resolved_at: Mapped[datetime | None]


class ModerationAction(TimestampMixin, Base):
    """One moderation decision, public in the moderation log."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        Index("ix_moderation_actions_target", "target_type", "target_id", "id"),
        CheckConstraint("moderator_id IS NOT NULL OR kind = 'auto_hide'", name="moderator_unless_automatic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind, "moderation_action_kind"), index=True)
    #: Internal: who decided (NULL for the automatic flag threshold). Never shown publicly.
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: What was acted on: a flaggable type and id, or ``user`` for blocks.
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    #: Internal: the author of the item (told of the decision, may appeal). Never shown publicly.
    target_author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Public reason code (a ``FlagReason`` value, or ``pending_review``).
    reason: Mapped[str | None] = mapped_column(String(32))
    #: Public explanation written by the moderator.
    note: Mapped[str | None] = mapped_column(Text)
    #: For blocks: the end of the block.
    until: Mapped[datetime | None]
    #: For appeal decisions: the action that was appealed.
    appealed_action_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_actions.id"))


class UserBlock(TimestampMixin, Base):
    """A person may not post or flag until ``until``."""

    __tablename__ = "user_blocks"
    __table_args__ = (Index("ix_user_blocks_active", "user_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(32))
    action_id: Mapped[int] = mapped_column(ForeignKey("moderation_actions.id"), unique=True)


class Appeal(TimestampMixin, Base):
    """The author's request to reconsider one decision (at most one per decision)."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("moderation_actions.id"), unique=True)
    appellant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The author's reasons (private to moderators and the author).
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(
        str_enum(AppealStatus, "appeal_status"), default=AppealStatus.pending, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    #: The public action recording the decision.
    decision_action_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_actions.id"))

    action: Mapped[ModerationAction] = relationship(foreign_keys=[action_id])
