"""Participatory budgeting: processes, districts, proposals, ballots, results.

A ballot carries no account: it is keyed by ``voter_key``, an HMAC of the
voter's identity key under a per-process purpose, so one person has one ballot
per process (a database unique constraint) and ballots cannot be joined to an
account or across processes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.db import Base, TimestampMixin, str_enum, utcnow


class Phase(enum.StrEnum):
    """The phases of a process, in order; the effective one follows the clock."""

    upcoming = "upcoming"
    proposals = "proposals"
    review = "review"
    voting = "voting"
    results = "results"
    implementation = "implementation"

    @property
    def order(self) -> int:
        return list(Phase).index(self)


class BallotType(enum.StrEnum):
    approval = "approval"  #: approve at most ``max_choices`` projects
    knapsack = "knapsack"  #: any set of projects whose total cost fits the budget
    cumulative = "cumulative"  #: spread exactly ``max_points`` points


class Rule(enum.StrEnum):
    greedy = "greedy"
    mes = "mes"


class ProposalStatus(enum.StrEnum):
    submitted = "submitted"  #: waiting for the staff review
    feasible = "feasible"  #: reviewed, on the ballot with the official cost
    not_feasible = "not_feasible"  #: reviewed, refused with a public reason


class ImplementationStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class BudgetProcess(TimestampMixin, Base):
    """One participatory budget of an organisation (e.g. a district's 2570 budget)."""

    __tablename__ = "budget_processes"
    __table_args__ = (
        CheckConstraint("total_budget > 0", name="budget_positive"),
        CheckConstraint(
            "proposals_opens_at <= review_opens_at AND review_opens_at <= voting_opens_at "
            "AND voting_opens_at < voting_closes_at AND voting_closes_at <= implementation_opens_at",
            name="phases_in_order",
        ),
        CheckConstraint("max_choices IS NULL OR max_choices > 0", name="max_choices_positive"),
        CheckConstraint("max_points IS NULL OR max_points > 0", name="max_points_positive"),
        CheckConstraint("NOT (rule = 'mes' AND ballot_type = 'cumulative')", name="mes_needs_approval"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable name used in addresses and on the command line.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    title_th: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_th: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    #: Whole currency units; with districts, the sum of the district budgets.
    total_budget: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="THB")
    proposals_opens_at: Mapped[datetime]
    review_opens_at: Mapped[datetime]
    voting_opens_at: Mapped[datetime]
    #: Results phase starts here; results are computed once voting has closed.
    voting_closes_at: Mapped[datetime]
    implementation_opens_at: Mapped[datetime]
    #: The last phase the worker recorded (and published as ``budget.phase_changed``).
    recorded_phase: Mapped[Phase] = mapped_column(str_enum(Phase, "budget_phase"), default=Phase.upcoming)
    #: Minimum identity level (participation.identity.IdentityLevel value) to propose / vote.
    propose_level: Mapped[int] = mapped_column(default=1)
    vote_level: Mapped[int] = mapped_column(default=2)
    ballot_type: Mapped[BallotType] = mapped_column(
        str_enum(BallotType, "budget_ballot_type"), default=BallotType.approval
    )
    #: Approval ballots: most projects a voter may approve.
    max_choices: Mapped[int | None]
    #: Cumulative ballots: the points each voter spreads (exactly).
    max_points: Mapped[int | None]
    rule: Mapped[Rule] = mapped_column(str_enum(Rule, "budget_rule"), default=Rule.greedy)
    #: Imported elections: the pabulib META section, kept for a faithful export.
    source_meta: Mapped[dict | None] = mapped_column(JSON)

    organisation = relationship("Organisation")
    districts: Mapped[list[BudgetDistrict]] = relationship(
        back_populates="process", order_by="BudgetDistrict.id", cascade="all, delete-orphan"
    )
    categories: Mapped[list[BudgetCategory]] = relationship(
        back_populates="process", order_by="BudgetCategory.id", cascade="all, delete-orphan"
    )

    def phase_at(self, now: datetime) -> Phase:
        """The effective phase at ``now`` (dates decide; the worker only records it)."""
        if now < self.proposals_opens_at:
            return Phase.upcoming
        if now < self.review_opens_at:
            return Phase.proposals
        if now < self.voting_opens_at:
            return Phase.review
        if now < self.voting_closes_at:
            return Phase.voting
        if now < self.implementation_opens_at:
            return Phase.results
        return Phase.implementation

    def record_phase(self, phase: Phase) -> None:
        """Move the recorded phase forward; phases never go back."""
        if phase.order < self.recorded_phase.order:
            raise ValueError(f"phase cannot go back from {self.recorded_phase} to {phase}")
        self.recorded_phase = phase

    def __repr__(self) -> str:
        return f"<BudgetProcess {self.slug}>"


class BudgetDistrict(Base):
    """A district (แขวง) with its own budget; a voter votes in one district."""

    __tablename__ = "budget_districts"
    __table_args__ = (
        UniqueConstraint("process_id", "name_th"),
        CheckConstraint("budget > 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    budget: Mapped[int] = mapped_column(BigInteger)

    process: Mapped[BudgetProcess] = relationship(back_populates="districts")


class BudgetCategory(Base):
    __tablename__ = "budget_categories"
    __table_args__ = (UniqueConstraint("process_id", "name_th"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))

    process: Mapped[BudgetProcess] = relationship(back_populates="categories")


class BudgetProposal(TimestampMixin, Base):
    """A project proposed by a resident (or imported), reviewed by staff."""

    __tablename__ = "budget_proposals"
    __table_args__ = (
        UniqueConstraint("process_id", "external_id"),
        CheckConstraint("estimated_cost > 0", name="estimated_cost_positive"),
        CheckConstraint("official_cost IS NULL OR official_cost > 0", name="official_cost_positive"),
        CheckConstraint("status != 'feasible' OR official_cost IS NOT NULL", name="feasible_has_cost"),
        CheckConstraint(
            "status != 'not_feasible' OR review_reason IS NOT NULL", name="not_feasible_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_districts.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(ForeignKey("budget_categories.id", ondelete="SET NULL"))
    #: The proposer; NULL for imported projects or once the account is deleted.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Id in an imported file (pabulib ``project_id``), kept for export and comparison.
    external_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Where it would be done, in words (a street, a park).
    location: Mapped[str] = mapped_column(String(300), default="")
    #: The proposer's estimate, whole currency units.
    estimated_cost: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "budget_proposal_status"), default=ProposalStatus.submitted
    )
    #: The cost the staff accepted in the review; the ballot and the tally use it.
    official_cost: Mapped[int | None] = mapped_column(BigInteger)
    #: Public reason for a refusal (or a note on an accepted proposal).
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when published results selected it (under the process's rule).
    selected: Mapped[bool] = mapped_column(default=False)
    #: The latest implementation status (selected proposals only).
    implementation_status: Mapped[ImplementationStatus | None] = mapped_column(
        str_enum(ImplementationStatus, "budget_implementation_status")
    )
    #: Imported projects: the other pabulib PROJECTS columns (name, category...).
    source_fields: Mapped[dict | None] = mapped_column(JSON)

    process: Mapped[BudgetProcess] = relationship()
    district: Mapped[BudgetDistrict | None] = relationship()
    category: Mapped[BudgetCategory | None] = relationship()
    author = relationship("User", foreign_keys=[author_id])
    updates: Mapped[list[ImplementationUpdate]] = relationship(
        back_populates="proposal", order_by="ImplementationUpdate.id", cascade="all, delete-orphan"
    )

    @property
    def cost(self) -> int:
        """The cost on the ballot: the official one once reviewed."""
        return self.official_cost if self.official_cost is not None else self.estimated_cost

    @property
    def tally_id(self) -> str:
        """The project id given to the tally rules (and printed by the CLI)."""
        return self.external_id or str(self.id)

    def review(self, *, feasible: bool, cost: int | None, reason: str | None) -> None:
        """Record a review; submitted or reviewed proposals may be (re)reviewed."""
        if feasible:
            if cost is None or cost <= 0:
                raise ValueError("a feasible proposal needs a positive official cost")
            self.status = ProposalStatus.feasible
            self.official_cost = cost
        else:
            if not reason:
                raise ValueError("a refusal needs a public reason")
            self.status = ProposalStatus.not_feasible
            self.official_cost = None
        self.review_reason = reason or None


class Ballot(Base):
    """One voter's ballot in one process: no account, only a per-process key."""

    __tablename__ = "budget_ballots"
    __table_args__ = (UniqueConstraint("process_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"))
    #: The district the voter chose (processes with districts).
    district_id: Mapped[int | None] = mapped_column(ForeignKey("budget_districts.id", ondelete="RESTRICT"))
    #: HMAC(identity key, "ballot:<process id>"): one per person and process, not linkable.
    voter_key: Mapped[str] = mapped_column(String(64))
    #: When the ballot was last cast or changed.
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list[BallotChoice]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", passive_deletes=True
    )


class BallotChoice(Base):
    """A project on a ballot, with its points (1 for approval and knapsack)."""

    __tablename__ = "budget_ballot_choices"
    __table_args__ = (
        UniqueConstraint("ballot_id", "proposal_id"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_budget_ballot_choices_proposal_id", "proposal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballots.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("budget_proposals.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(default=1)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")


class BudgetResult(Base):
    """The published results of a process: a snapshot, so the page is cheap.

    ``data`` holds, per district (key ``"-"`` without districts), the outcome
    under each rule: every project's votes, cost, status and reason.
    """

    __tablename__ = "budget_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("budget_processes.id", ondelete="CASCADE"), unique=True
    )
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How many ballots were counted.
    ballots: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict] = mapped_column(JSON)


class ImplementationUpdate(TimestampMixin, Base):
    """A public progress note on a selected project."""

    __tablename__ = "budget_implementation_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("budget_proposals.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ImplementationStatus] = mapped_column(
        str_enum(ImplementationStatus, "budget_implementation_status")
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    proposal: Mapped[BudgetProposal] = relationship(back_populates="updates")
