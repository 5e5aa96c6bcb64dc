"""Hearings: a draft law in ordered sections, heard by the public, answered in a report."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.db import Base, TimestampMixin, str_enum, utcnow


class HearingStatus(enum.StrEnum):
    """The stored state. The effective state at a moment is ``Hearing.status_at(now)``."""

    draft = "draft"  #: being prepared by staff; invisible to the public
    scheduled = "scheduled"  #: announced; opens by the clock at ``opens_at``
    open = "open"  #: the public may comment and answer
    closed = "closed"  #: closed by the clock; staff answer every comment
    report_published = "report_published"  #: the hearing report is public


class HearingKind(enum.StrEnum):
    draft_law = "draft_law"  #: a draft law before it is enacted
    evaluation = "evaluation"  #: the evaluation of a law in force (s.77, para. 1)


class LawType(enum.StrEnum):
    act = "act"
    royal_decree = "royal_decree"
    ministerial_regulation = "ministerial_regulation"
    local_ordinance = "local_ordinance"
    other = "other"


class SectionKind(enum.StrEnum):
    preamble = "preamble"  #: text before the first section (title, reasons, enacting words)
    chapter = "chapter"  #: a หมวด / ส่วน heading
    section = "section"  #: a มาตรา / ข้อ


class QuestionKind(enum.StrEnum):
    yes_no = "yes_no"
    single = "single"
    multiple = "multiple"


class DispositionOutcome(enum.StrEnum):
    accepted = "accepted"
    partly_accepted = "partly_accepted"
    not_accepted = "not_accepted"
    out_of_scope = "out_of_scope"


class Hearing(TimestampMixin, Base):
    __tablename__ = "hearings"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint("required_level >= 1 AND required_level <= 3", name="required_level_range"),
        Index("ix_hearings_status_opens_at", "status", "opens_at"),
        Index("ix_hearings_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    #: Plain-language summary of what the draft changes and why.
    summary_th: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[HearingKind] = mapped_column(str_enum(HearingKind, "hearing_kind"))
    law_type: Mapped[LawType] = mapped_column(str_enum(LawType, "law_type"))
    #: Public contact of the responsible unit (office, phone, email of the agency).
    contact: Mapped[str] = mapped_column(String(500))
    opens_at: Mapped[datetime]
    #: May move later while open (see HearingExtension), never earlier.
    closes_at: Mapped[datetime]
    status: Mapped[HearingStatus] = mapped_column(
        str_enum(HearingStatus, "hearing_status"), default=HearingStatus.draft
    )
    #: IdentityLevel value needed to comment and answer (1 = verified email).
    required_level: Mapped[int] = mapped_column(Integer, default=1)
    #: Comments wait for a moderator before they appear.
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: When ``hearing.closing_soon`` went out (it goes out once).
    closing_soon_sent_at: Mapped[datetime | None]
    #: The written summary of the hearing report (สรุปผลการรับฟังความคิดเห็น).
    report_summary: Mapped[str | None] = mapped_column(Text)
    report_published_at: Mapped[datetime | None]

    organisation = relationship("Organisation", lazy="joined")
    co_hosts: Mapped[list[HearingCoHost]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan"
    )
    versions: Mapped[list[HearingVersion]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan", order_by="HearingVersion.number"
    )
    extensions: Mapped[list[HearingExtension]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan", order_by="HearingExtension.created_at"
    )
    questions: Mapped[list[HearingQuestion]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan", order_by="HearingQuestion.position"
    )
    attachments: Mapped[list[HearingAttachment]] = relationship(
        back_populates="hearing", cascade="all, delete-orphan", order_by="HearingAttachment.created_at"
    )

    def status_at(self, now: datetime) -> HearingStatus:
        """The effective state at ``now``: the clock opens and closes without the worker."""
        status = self.status
        if status == HearingStatus.scheduled and now >= self.opens_at:
            status = HearingStatus.open
        if status == HearingStatus.open and now >= self.closes_at:
            status = HearingStatus.closed
        return status

    @property
    def co_host_ids(self) -> set[int]:
        return {c.organisation_id for c in self.co_hosts}

    def __repr__(self) -> str:
        return f"<Hearing {self.id} {self.status}>"


class HearingCoHost(Base):
    """Another organisation hosting the hearing with the lead one (reads drafts)."""

    __tablename__ = "hearing_co_hosts"
    __table_args__ = (UniqueConstraint("hearing_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    hearing: Mapped[Hearing] = relationship(back_populates="co_hosts")
    organisation = relationship("Organisation", lazy="joined")


class HearingVersion(TimestampMixin, Base):
    """One text of the draft. Version 1 is heard; later ones answer the hearing."""

    __tablename__ = "hearing_versions"
    __table_args__ = (
        UniqueConstraint("hearing_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: Public note on what changed and why (required for every version after the first).
    note: Mapped[str | None] = mapped_column(Text)
    #: NULL while staff are still writing it; the public sees published versions only.
    published_at: Mapped[datetime | None]

    hearing: Mapped[Hearing] = relationship(back_populates="versions")
    sections: Mapped[list[HearingSection]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="HearingSection.position"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class HearingSection(Base):
    """A heading or a section of one version, in reading order."""

    __tablename__ = "hearing_sections"
    __table_args__ = (
        UniqueConstraint("version_id", "position"),
        UniqueConstraint("version_id", "key"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("hearing_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: Stable across versions, so the same section is compared between versions.
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[SectionKind] = mapped_column(str_enum(SectionKind, "hearing_section_kind"))
    #: The word before the number as written: ``มาตรา``, ``ข้อ``, ``หมวด``, ``ส่วนที่``.
    prefix: Mapped[str] = mapped_column(String(20), default="")
    #: The number as written, e.g. ``๑``, ``12`` or ``๓/๑``; empty for the preamble.
    number: Mapped[str] = mapped_column(String(20), default="")
    #: A chapter's title (``บททั่วไป``); empty for sections.
    heading: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[HearingVersion] = relationship(back_populates="sections")

    @property
    def label(self) -> str:
        """``มาตรา ๕``, ``หมวด ๑ บททั่วไป`` or ``คำปรารภ``: how Thai readers cite it."""
        if self.kind == SectionKind.preamble:
            return ""
        return " ".join(p for p in (self.prefix, self.number, self.heading) if p)


class HearingExtension(Base):
    """A later closing time, with its public reason."""

    __tablename__ = "hearing_extensions"
    __table_args__ = (CheckConstraint("new_closes_at > old_closes_at", name="only_later"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    old_closes_at: Mapped[datetime]
    new_closes_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hearing: Mapped[Hearing] = relationship(back_populates="extensions")


class HearingAttachment(TimestampMixin, Base):
    """A PDF, DOCX or ODT file stored outside the web root under a random name."""

    __tablename__ = "hearing_attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    #: Public title shown in the list (the uploaded name, cleaned).
    filename: Mapped[str] = mapped_column(String(200))
    #: Random name in ``<instance>/hearing_attachments``; never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))

    hearing: Mapped[Hearing] = relationship(back_populates="attachments")


class HearingQuestion(Base):
    __tablename__ = "hearing_questions"
    __table_args__ = (UniqueConstraint("hearing_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(String(500))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "hearing_question_kind"))
    #: Offer a free-text reason box with the answer.
    allow_reason: Mapped[bool] = mapped_column(Boolean, default=True)

    hearing: Mapped[Hearing] = relationship(back_populates="questions")
    choices: Mapped[list[HearingChoice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="HearingChoice.position"
    )


class HearingChoice(Base):
    __tablename__ = "hearing_choices"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("hearing_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))

    question: Mapped[HearingQuestion] = relationship(back_populates="choices")


class HearingAnswer(Base):
    """One person's answer to one question; changed in place while the hearing is open."""

    __tablename__ = "hearing_answers"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("hearing_questions.id", ondelete="CASCADE"), index=True
    )
    #: Kept for cheap per-hearing aggregates (number of respondents).
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    choices: Mapped[list[HearingAnswerChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan"
    )


class HearingAnswerChoice(Base):
    __tablename__ = "hearing_answer_choices"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("hearing_answers.id", ondelete="CASCADE"), primary_key=True
    )
    choice_id: Mapped[int] = mapped_column(
        ForeignKey("hearing_choices.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    answer: Mapped[HearingAnswer] = relationship(back_populates="choices")


class HearingDisposition(Base):
    """The agency's answer to one comment: what it did with it and why."""

    __tablename__ = "hearing_dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    #: One answer per comment.
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[DispositionOutcome] = mapped_column(
        str_enum(DispositionOutcome, "hearing_disposition_outcome")
    )
    explanation: Mapped[str] = mapped_column(Text)
    #: The section of a later version that changed because of the comment.
    changed_section_id: Mapped[int | None] = mapped_column(
        ForeignKey("hearing_sections.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_section: Mapped[HearingSection | None] = relationship(lazy="joined")
