"""Comments on any registered subject, their edit history and published counts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.db import Base, TimestampMixin, str_enum, utcnow


class CommentStatus(enum.StrEnum):
    published = "published"  #: visible to everyone
    pending = "pending"  #: waiting for a moderator (pre-moderated subject); seen by its author only
    hidden = "hidden"  #: hidden by a moderator or pending review after flags; a public tombstone
    deleted = "deleted"  #: withdrawn by its author; a tombstone without the text


class Position(enum.StrEnum):
    agree = "agree"
    disagree = "disagree"
    suggest_change = "suggest_change"


class StakeholderGroup(enum.StrEnum):
    citizen = "citizen"
    private_sector = "private_sector"
    civil_society = "civil_society"
    academia = "academia"
    government = "government"


#: The reason code stored on a comment hidden automatically after enough flags.
PENDING_REVIEW = "pending_review"


class Comment(TimestampMixin, Base):
    __tablename__ = "comments"
    __table_args__ = (
        # The stream: top-level comments of a subject in (created_at, id) order.
        Index("ix_comments_stream", "subject_type", "subject_id", "parent_id", "created_at", "id"),
        # Top-level comments in stream order. PostgreSQL cannot read ix_comments_stream in
        # (created_at, id) order under ``parent_id IS NULL`` (IS NULL is not an equality for
        # ordering), so without this it sorts every comment of the subject for each page.
        Index(
            "ix_comments_top_stream",
            "subject_type",
            "subject_id",
            "created_at",
            "id",
            postgresql_where=text("parent_id IS NULL"),
            sqlite_where=text("parent_id IS NULL"),
        ),
        Index("ix_comments_parent", "parent_id", "created_at", "id"),
        Index("ix_comments_similar", "similar_to_id", "created_at", "id"),
        Index("ix_comments_fingerprint", "subject_type", "subject_id", "fingerprint"),
        Index("ix_comments_author", "author_id", "created_at"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("part_id IS NULL OR part_id > 0", name="part_positive"),
        CheckConstraint("status <> 'hidden' OR hidden_reason IS NOT NULL", name="hidden_has_reason"),
        CheckConstraint("length(body) <= 20000", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A name registered in ``participation.subjects``, e.g. ``hearing``.
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: A part of the subject (e.g. a hearing section id); NULL for the subject as a whole.
    part_id: Mapped[int | None] = mapped_column(Integer)
    #: The top-level comment this replies to (replies are one level deep).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: Markdown source, cleaned by ``text.clean_text``; emptied when its author deletes it.
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CommentStatus] = mapped_column(
        str_enum(CommentStatus, "comment_status"), default=CommentStatus.published
    )
    #: Public reason code while hidden (a moderation reason or ``pending_review``).
    hidden_reason: Mapped[str | None] = mapped_column(String(32))
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    #: Hearing fields: the commenter's position, group, and the organisation they speak for.
    position: Mapped[Position | None] = mapped_column(str_enum(Position, "comment_position"))
    stakeholder_group: Mapped[StakeholderGroup | None] = mapped_column(
        str_enum(StakeholderGroup, "stakeholder_group")
    )
    #: Organisation the comment is made on behalf of; NULL means the author themself.
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    #: ``text.fingerprint`` of the body: equal for copies of one letter.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: ``text.simhash`` of the body as a signed 64-bit integer.
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    #: Four 16-bit bands of the simhash: a near-duplicate shares at least one.
    simhash_band0: Mapped[int | None] = mapped_column(Integer)
    simhash_band1: Mapped[int | None] = mapped_column(Integer)
    simhash_band2: Mapped[int | None] = mapped_column(Integer)
    simhash_band3: Mapped[int | None] = mapped_column(Integer)
    #: The first comment of a group of near-identical ones (a form letter), if any.
    similar_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="CommentRevision.id"
    )

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_visible(self) -> bool:
        return self.status == CommentStatus.published

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.subject_type}:{self.subject_id}>"


class CommentRevision(Base):
    """A former text of an edited comment: the edit history is public."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    #: The text as it was before the edit.
    body: Mapped[str] = mapped_column(Text)
    #: When that text was written (the comment's creation or a previous edit).
    written_at: Mapped[datetime]
    #: When it was replaced.
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class CommentCount(Base):
    """Published comments per subject and part, kept by the services.

    ``part_id`` 0 is the whole subject (every part together). Each change is an
    atomic ``count = count + delta`` in the transaction of the change, and
    ``services.reconcile`` proves the counts equal the rows.
    """

    __tablename__ = "comment_counts"
    __table_args__ = (CheckConstraint("published_count >= 0", name="not_negative"),)

    subject_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    published_count: Mapped[int] = mapped_column(Integer, default=0)
