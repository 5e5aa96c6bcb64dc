"""Citizen initiatives: types, initiatives, co-authors, signatures, counts, timeline.

Counting (see ``services`` for the full design): a signature is one inserted
row and nothing else. ``Initiative.counted_*`` is the last checkpoint written
by the refresh job; the public count adds the few rows newer than it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Organisation, User
from participation.db import Base, TimestampMixin, str_enum, utcnow


class SignerLevel(enum.StrEnum):
    """The minimum identity level to sign (names of ``identity.IdentityLevel``)."""

    email = "email"
    national_id = "national_id"
    digital_id = "digital_id"


class InitiativeType(TimestampMixin, Base):
    """A kind of initiative and its legal rules (reference data, edited by site admins)."""

    __tablename__ = "initiative_types"
    __table_args__ = (
        CheckConstraint("threshold >= 1 AND threshold <= 10000000", name="threshold_range"),
        CheckConstraint("max_days >= 1 AND max_days <= 730", name="max_days_range"),
        CheckConstraint("response_days >= 1 AND response_days <= 730", name="response_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable name, e.g. ``bill``, ``constitutional-amendment``, ``petition``.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: The authority that receives initiatives of this type.
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: Signatures needed for hand-over.
    threshold: Mapped[int] = mapped_column(Integer)
    #: Longest collection period in days.
    max_days: Mapped[int] = mapped_column(Integer)
    min_identity_level: Mapped[SignerLevel] = mapped_column(
        str_enum(SignerLevel, "initiative_signer_level"), default=SignerLevel.email
    )
    #: Signers must give full name and national ID for the authority to verify.
    requires_personal_details: Mapped[bool] = mapped_column(default=False)
    #: Days the authority has to respond after hand-over.
    response_days: Mapped[int] = mapped_column(Integer, default=90)
    #: Public legal basis, e.g. "Constitution s.133".
    legal_basis: Mapped[str | None] = mapped_column(String(200))
    #: Inactive types keep their initiatives but take no new ones.
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship()


class InitiativeState(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    collecting = "collecting"
    handed_over = "handed_over"
    responded = "responded"
    closed = "closed"
    expired = "expired"
    withdrawn = "withdrawn"


#: Allowed moves of the life cycle; ``Initiative.move_to`` refuses anything else.
TRANSITIONS: dict[InitiativeState, frozenset[InitiativeState]] = {
    InitiativeState.draft: frozenset({InitiativeState.in_review, InitiativeState.withdrawn}),
    InitiativeState.in_review: frozenset(
        {InitiativeState.draft, InitiativeState.collecting, InitiativeState.withdrawn}
    ),
    InitiativeState.collecting: frozenset(
        {InitiativeState.handed_over, InitiativeState.expired, InitiativeState.withdrawn}
    ),
    InitiativeState.handed_over: frozenset({InitiativeState.responded}),
    InitiativeState.responded: frozenset({InitiativeState.closed}),
    InitiativeState.closed: frozenset(),
    InitiativeState.expired: frozenset(),
    InitiativeState.withdrawn: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, current: InitiativeState, target: InitiativeState):
        super().__init__(f"{current.value} -> {target.value}")
        self.code = "illegal_transition"
        self.current = current
        self.target = target


class Initiative(TimestampMixin, Base):
    __tablename__ = "initiatives"
    __table_args__ = (
        Index("ix_initiatives_state_deadline", "state", "deadline"),
        CheckConstraint("counted_signatures >= 0", name="counted_nonnegative"),
        CheckConstraint("milestone_pct IN (0, 25, 50, 75, 100)", name="milestone_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("initiative_types.id", ondelete="RESTRICT"), index=True)
    #: The receiving organisation (copied from the type when created).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    #: One paragraph shown in lists.
    summary: Mapped[str] = mapped_column(String(600))
    #: The proposal in Markdown (rendered by ``text.render_markdown``).
    body: Mapped[str] = mapped_column(Text)
    #: Free topic label for filtering, e.g. "สิ่งแวดล้อม".
    topic: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[InitiativeState] = mapped_column(
        str_enum(InitiativeState, "initiative_state"), default=InitiativeState.draft, index=True
    )
    #: Signatures needed (copied from the type when published, so later type edits do not move goals).
    threshold: Mapped[int] = mapped_column(Integer)
    #: Requested collection period in days (at most the type's maximum).
    duration_days: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    #: End of collection (published_at + duration_days).
    deadline: Mapped[datetime | None]
    #: When the refresh job first saw the count reach the threshold (set once).
    threshold_reached_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    #: Handed over + the type's response days.
    response_due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    #: The authority's decision, in Markdown.
    response_text: Mapped[str | None] = mapped_column(Text)
    #: Set once when the response deadline passed without a response.
    overdue_marked_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    #: Public reason code and note of the last return by a moderator.
    return_reason: Mapped[str | None] = mapped_column(String(32))
    return_note: Mapped[str | None] = mapped_column(Text)
    #: When signers' personal details were erased under the retention rule.
    personal_data_purged_at: Mapped[datetime | None]

    # --- count checkpoint (written only by the refresh job) ---------------------
    #: Online signatures counted at the checkpoint.
    counted_signatures: Mapped[int] = mapped_column(Integer, default=0)
    #: Highest signature id seen at the checkpoint; the page adds rows above it.
    counted_max_signature_id: Mapped[int] = mapped_column(Integer, default=0)
    #: Highest withdrawal id seen at the checkpoint; the page subtracts newer ones.
    counted_max_withdrawal_id: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime | None]
    #: Last public ``initiative.count_checkpoint`` event (time and total).
    checkpoint_published_at: Mapped[datetime | None]
    checkpoint_published_total: Mapped[int | None] = mapped_column(Integer)
    #: Highest milestone announced (0, 25, 50, 75, 100).
    milestone_pct: Mapped[int] = mapped_column(Integer, default=0)

    type: Mapped[InitiativeType] = relationship()
    organisation: Mapped[Organisation] = relationship()
    authors: Mapped[list[InitiativeAuthor]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="InitiativeAuthor.id"
    )

    def move_to(self, target: InitiativeState) -> None:
        """Change state, refusing any move the life cycle does not allow."""
        if target not in TRANSITIONS[self.state]:
            raise IllegalTransition(self.state, target)
        self.state = target

    def author_ids(self) -> set[int]:
        return {a.user_id for a in self.authors}


class InitiativeAuthor(TimestampMixin, Base):
    """The author and accepted co-authors of an initiative (all may edit)."""

    __tablename__ = "initiative_authors"
    __table_args__ = (UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: True for the person who created it.
    is_creator: Mapped[bool] = mapped_column(default=False)

    initiative: Mapped[Initiative] = relationship(back_populates="authors")
    user: Mapped[User] = relationship()


class Signature(Base):
    """One person's signature. Insert-only on the hot path; withdrawal deletes the row.

    ``identity_key`` is ``User.identity_key()`` (keyed HMAC of the strongest
    proven identity): one person, one signature, whichever account is used.
    """

    __tablename__ = "initiative_signatures"
    __table_args__ = (
        UniqueConstraint("initiative_id", "identity_key"),
        UniqueConstraint("initiative_id", "user_id"),
        Index("ix_initiative_signatures_initiative_id_id", "initiative_id", "id"),
        Index("ix_initiative_signatures_initiative_id_created_at", "initiative_id", "created_at"),
        # The public list of named signers must not walk every anonymous signature.
        Index(
            "ix_initiative_signatures_public_names",
            "initiative_id",
            "id",
            postgresql_where=text("public_name IS NOT NULL"),
            sqlite_where=text("public_name IS NOT NULL"),
        ),
        # Ids must never be reused after a withdrawal deletes the newest row: the
        # count checkpoint relies on "id above the checkpoint" meaning "newer".
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"))
    #: ``nid:<hmac>``, ``email:<hmac>`` or ``oidc:<hmac>``; never shown anywhere.
    identity_key: Mapped[str] = mapped_column(String(100))
    #: The signing account (so a person whose identity key changes cannot sign twice).
    #: NULL for demo bulk signatures and after account deletion.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the receipt code shown once to the signer.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The name shown publicly, only if the signer chose to show it.
    public_name: Mapped[str | None] = mapped_column(String(80))
    #: Fernet tokens (``participation.crypto``), only for types that require them;
    #: erased by the retention job.
    full_name_enc: Mapped[str | None] = mapped_column(Text)
    national_id_enc: Mapped[str | None] = mapped_column(Text)
    #: Version of the consent text the signer agreed to.
    consent_version: Mapped[str] = mapped_column(String(16))


class SignatureWithdrawal(Base):
    """An insert-only record that a counted signature was withdrawn (no identity)."""

    __tablename__ = "initiative_signature_withdrawals"
    __table_args__ = (
        Index("ix_initiative_signature_withdrawals_initiative_id_id", "initiative_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"))
    #: The id the withdrawn signature had (the row itself is deleted).
    signature_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperBatch(TimestampMixin, Base):
    """Paper signatures received by the authority, recorded as a public batch."""

    __tablename__ = "initiative_paper_batches"
    __table_args__ = (CheckConstraint("count >= 1 AND count <= 10000000", name="count_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DailyCount(Base):
    """Signatures given per day (Asia/Bangkok), filled by the refresh job for the chart."""

    __tablename__ = "initiative_daily_counts"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    signatures: Mapped[int] = mapped_column(Integer, default=0)


class TimelineKind(enum.StrEnum):
    state = "state"  #: a life-cycle transition
    milestone = "milestone"
    authority = "authority"  #: added by the receiving organisation
    response = "response"


class TimelineEvent(TimestampMixin, Base):
    """One public step in an initiative's history."""

    __tablename__ = "initiative_timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TimelineKind] = mapped_column(str_enum(TimelineKind, "initiative_timeline_kind"))
    #: Machine code, e.g. ``collecting``, ``milestone_50``, ``received``, ``hearing``.
    code: Mapped[str] = mapped_column(String(32))
    #: Public text in Markdown (authority events, return notes, decisions).
    body: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The ledger entry that records it.
    ledger_seq: Mapped[int | None] = mapped_column(Integer)

    documents: Mapped[list[TimelineDocument]] = relationship(
        cascade="all, delete-orphan", order_by="TimelineDocument.id"
    )


class TimelineDocument(TimestampMixin, Base):
    """A PDF attached by the authority, stored in the instance folder by its hash."""

    __tablename__ = "initiative_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("initiative_timeline_events.id", ondelete="CASCADE"), index=True
    )
    #: Cleaned original file name, shown to readers.
    filename: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the content; also the stored file's name.
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class SignatureExport(Base):
    """Audit record: who downloaded the hand-over signature list, and when."""

    __tablename__ = "initiative_signature_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows: Mapped[int] = mapped_column(Integer)
