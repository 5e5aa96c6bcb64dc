"""The public ledger: an append-only, hash-chained log of public events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.db import Base, utcnow


class LedgerEntry(Base):
    """One public event. ``hash`` covers the entry and the previous hash.

    ``prev_hash`` is unique, so the chain cannot fork even if two writers race.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, 1, 2, 3 ... without gaps.
    seq: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What happened, e.g. ``hearing.opened`` or ``comment.hidden``.
    kind: Mapped[str] = mapped_column(String(64), index=True)
    #: What it happened to, e.g. ``hearing`` and its id.
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    #: Canonical JSON of the public facts of the event (never personal data).
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerHead(Base):
    """The single row pointing at the chain's end.

    Appending updates this row first: a row lock on PostgreSQL and the write
    lock on SQLite, so appends are serialised and the chain stays linear.
    """

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerVerification(Base):
    """The result of one full verification of the chain (by the worker job).

    Verifying is O(n), so pages show the last recorded result instead of
    recomputing the chain on every view.
    """

    __tablename__ = "ledger_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ok: Mapped[bool]
    #: The sequence number and hash of the last entry that verified.
    head_seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    #: The first entry that does not verify, and why (None when ``ok``).
    bad_seq: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(200))


class SearchDocument(Base):
    """One searchable public thing (a hearing, a section, a comment ...).

    Domains feed this table through ``transparency.search.index_document``.
    The full-text index is built from ``search_text`` outside the ORM, in the
    migration: an FTS5 table kept in sync by triggers on SQLite, a GIN index on
    ``to_tsvector('simple', search_text)`` on PostgreSQL.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What it is, e.g. ``hearing``, ``hearing_section``, ``initiative``, ``comment``.
    kind: Mapped[str] = mapped_column(String(32))
    #: The id of the thing in its own table.
    ref_id: Mapped[int]
    #: What it belongs to, for context in results (e.g. a section's hearing).
    parent_kind: Mapped[str | None] = mapped_column(String(32))
    parent_ref_id: Mapped[int | None]
    parent_title: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    #: Plain-text excerpt of the body shown (highlighted) in results.
    body_excerpt: Mapped[str] = mapped_column(Text, default="")
    #: The public page of the thing (a path on this site).
    url: Mapped[str] = mapped_column(String(300))
    #: The domain's public state name, e.g. ``open`` or ``closed``.
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: False while hidden (moderated, draft, withdrawn from view): never found.
    visible: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``search_text.index_text(title + body)``: Thai segmented, what the full-text index reads.
    search_text: Mapped[str] = mapped_column(Text, default="")
