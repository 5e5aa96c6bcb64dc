"""The public ledger: an append-only, hash-chained log of public events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
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
