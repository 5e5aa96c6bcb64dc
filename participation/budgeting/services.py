"""The rules of participatory budgeting: processes, proposals, ballots, results.

Services flush and never commit; the view or command commits once. Errors a
person can fix are ``BudgetError`` with a ``code`` (see ``messages.py``).
Tallies use the pure engine in ``rules.py`` with exact arithmetic.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import delete, func, insert, select, update

from participation import db
from participation.accounts.models import Organisation, User
from participation.budgeting import rules
from participation.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotType,
    BudgetCategory,
    BudgetDistrict,
    BudgetProcess,
    BudgetProposal,
    BudgetResult,
    ImplementationStatus,
    ImplementationUpdate,
    Phase,
    ProposalStatus,
    Rule,
)
from participation.events import Event, publish
from participation.identity import IdentityLevel, keyed_hash
from participation.text import clean_text

log = logging.getLogger(__name__)

#: Key of the whole process in result snapshots of processes without districts.
WHOLE = "-"


class BudgetError(Exception):
    """A rule refused the action; ``code`` selects the translated message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# --- processes -----------------------------------------------------------------


@dataclass
class DistrictSpec:
    name_th: str
    name_en: str | None
    budget: int


def create_process(
    *,
    organisation: Organisation,
    slug: str,
    title_th: str,
    title_en: str | None = None,
    description_th: str = "",
    description_en: str | None = None,
    total_budget: int,
    currency: str = "THB",
    proposals_opens_at: datetime,
    review_opens_at: datetime,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    implementation_opens_at: datetime,
    districts: Sequence[DistrictSpec] = (),
    categories: Sequence[tuple[str, str | None]] = (),
    propose_level: IdentityLevel = IdentityLevel.email,
    vote_level: IdentityLevel = IdentityLevel.national_id,
    ballot_type: BallotType = BallotType.approval,
    max_choices: int | None = None,
    max_points: int | None = None,
    rule: Rule = Rule.greedy,
    actor: User | None = None,
    source_meta: dict | None = None,
) -> BudgetProcess:
    """Create a process; refuses inconsistent settings with a BudgetError."""
    if total_budget is None or total_budget <= 0:
        raise BudgetError("budget_not_positive")
    if not (
        proposals_opens_at <= review_opens_at <= voting_opens_at < voting_closes_at <= implementation_opens_at
    ):
        raise BudgetError("phases_out_of_order")
    if db.session.scalar(select(BudgetProcess.id).where(BudgetProcess.slug == slug)) is not None:
        raise BudgetError("slug_taken")
    if ballot_type == BallotType.cumulative and not max_points:
        raise BudgetError("points_needed")
    if rule == Rule.mes and ballot_type == BallotType.cumulative:
        raise BudgetError("mes_needs_approval")
    if districts:
        if any(d.budget <= 0 for d in districts):
            raise BudgetError("budget_not_positive")
        if sum(d.budget for d in districts) != total_budget:
            raise BudgetError("district_budgets_sum")
        if len({d.name_th for d in districts}) != len(districts):
            raise BudgetError("district_twice")
    process = BudgetProcess(
        organisation_id=organisation.id,
        slug=slug,
        title_th=clean_text(title_th, max_length=200, multiline=False),
        title_en=clean_text(title_en, max_length=200, multiline=False) or None if title_en else None,
        description_th=clean_text(description_th or "", max_length=20000),
        description_en=clean_text(description_en, max_length=20000) or None if description_en else None,
        total_budget=total_budget,
        currency=currency or "THB",
        proposals_opens_at=proposals_opens_at,
        review_opens_at=review_opens_at,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        implementation_opens_at=implementation_opens_at,
        propose_level=int(propose_level),
        vote_level=int(vote_level),
        ballot_type=ballot_type,
        max_choices=max_choices if ballot_type == BallotType.approval else None,
        max_points=max_points if ballot_type == BallotType.cumulative else None,
        rule=rule,
        source_meta=source_meta,
    )
    for d in districts:
        process.districts.append(BudgetDistrict(name_th=d.name_th, name_en=d.name_en, budget=d.budget))
    seen = set()
    for name_th, name_en in categories:
        if name_th and name_th not in seen:
            seen.add(name_th)
            process.categories.append(BudgetCategory(name_th=name_th, name_en=name_en))
    db.session.add(process)
    db.session.flush()
    log.info("budget process %s created by %s", process.slug, actor.id if actor else "system")
    return process


def get_process(key: str | int) -> BudgetProcess | None:
    """A process by id or slug."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        found = db.session.get(BudgetProcess, int(key))
        if found is not None:
            return found
    return db.session.scalar(select(BudgetProcess).where(BudgetProcess.slug == str(key)))


def budget_of(process: BudgetProcess, district: BudgetDistrict | None) -> int:
    return district.budget if district is not None else process.total_budget


def record_phases(now: datetime) -> int:
    """Worker job: record each process's phase change as ``budget.phase_changed``.

    Publishes results when a process enters the results phase without any.
    Returns how many processes changed phase.
    """
    changed = 0
    # SKIP LOCKED (PostgreSQL): two workers never record the same change twice.
    processes = db.session.scalars(
        select(BudgetProcess)
        .where(BudgetProcess.recorded_phase != Phase.implementation)
        .with_for_update(skip_locked=True)
    ).all()
    for process in processes:
        phase = process.phase_at(now)
        if phase == process.recorded_phase:
            continue
        previous = process.recorded_phase
        process.record_phase(phase)
        publish(
            Event(
                kind="budget.phase_changed",
                subject_type="budget_process",
                subject_id=process.id,
                payload={"process": process.slug, "from": previous.value, "to": phase.value},
            )
        )
        if (
            phase.order >= Phase.results.order
            and db.session.scalar(select(BudgetResult.id).where(BudgetResult.process_id == process.id))
            is None
        ):
            publish_results(process, now=now)
        changed += 1
    db.session.flush()
    return changed


# --- proposals -------------------------------------------------------------------


def _check_cost(process: BudgetProcess, district: BudgetDistrict | None, cost: int | None) -> None:
    if cost is None or cost <= 0:
        raise BudgetError("cost_not_positive")
    if cost > budget_of(process, district):
        raise BudgetError("cost_over_budget", budget=budget_of(process, district))


def _district_of(process: BudgetProcess, district_id: int | None) -> BudgetDistrict | None:
    if not process.districts:
        if district_id:
            raise BudgetError("unknown_district")
        return None
    for district in process.districts:
        if district.id == district_id:
            return district
    raise BudgetError("district_needed" if not district_id else "unknown_district")


def submit_proposal(
    process: BudgetProcess,
    author: User,
    *,
    title: str,
    description: str,
    location: str,
    estimated_cost: int | None,
    district_id: int | None = None,
    category_id: int | None = None,
    now: datetime | None = None,
) -> BudgetProposal:
    """Add a resident's proposal during the proposals phase (publishes ``budget.proposal_submitted``)."""
    now = now or db.utcnow()
    if process.phase_at(now) != Phase.proposals:
        raise BudgetError("not_proposals_phase")
    if not author.has_identity_level(IdentityLevel(process.propose_level)):
        raise BudgetError("identity_level_propose")
    district = _district_of(process, district_id)
    _check_cost(process, district, estimated_cost)
    category = None
    if category_id:
        category = next((c for c in process.categories if c.id == category_id), None)
        if category is None:
            raise BudgetError("unknown_category")
    proposal = BudgetProposal(
        process_id=process.id,
        district_id=district.id if district else None,
        category_id=category.id if category else None,
        author_id=author.id,
        title=clean_text(title, max_length=200, multiline=False),
        description=clean_text(description, max_length=10000),
        location=clean_text(location or "", max_length=300, multiline=False),
        estimated_cost=estimated_cost,
        status=ProposalStatus.submitted,
    )
    if not proposal.title:
        raise BudgetError("title_needed")
    db.session.add(proposal)
    db.session.flush()
    publish(
        Event(
            kind="budget.proposal_submitted",
            subject_type="budget_proposal",
            subject_id=proposal.id,
            payload={
                "process": process.slug,
                "title": proposal.title,
                "estimated_cost": proposal.estimated_cost,
                "district": district.name_th if district else None,
            },
            actor_id=author.id,
        )
    )
    return proposal


def review_proposal(
    proposal: BudgetProposal,
    reviewer: User,
    *,
    feasible: bool,
    official_cost: int | None,
    reason: str | None,
    now: datetime | None = None,
) -> BudgetProposal:
    """Record the staff review (until voting opens); publishes ``budget.proposal_reviewed``."""
    now = now or db.utcnow()
    process = proposal.process
    if process.phase_at(now) not in (Phase.proposals, Phase.review):
        raise BudgetError("review_closed")
    reason = clean_text(reason or "", max_length=5000) or None
    if feasible:
        _check_cost(process, proposal.district, official_cost)
    elif not reason:
        raise BudgetError("reason_needed")
    proposal.review(feasible=feasible, cost=official_cost if feasible else None, reason=reason)
    proposal.reviewed_at = now
    proposal.reviewed_by_id = reviewer.id
    db.session.flush()
    publish(
        Event(
            kind="budget.proposal_reviewed",
            subject_type="budget_proposal",
            subject_id=proposal.id,
            payload={
                "process": process.slug,
                "title": proposal.title,
                "status": proposal.status.value,
                "official_cost": proposal.official_cost,
                "reason": proposal.review_reason,
            },
            actor_id=reviewer.id,
            recipient_ids=[proposal.author_id] if proposal.author_id else [],
        )
    )
    return proposal


def ballot_projects(process: BudgetProcess, district: BudgetDistrict | None) -> list[BudgetProposal]:
    """The feasible proposals on the ballot of ``district`` (or of the whole process)."""
    query = select(BudgetProposal).where(
        BudgetProposal.process_id == process.id, BudgetProposal.status == ProposalStatus.feasible
    )
    if district is not None:
        query = query.where(BudgetProposal.district_id == district.id)
    return list(db.session.scalars(query.order_by(BudgetProposal.id)))


# --- ballots -----------------------------------------------------------------------


def voter_key(process: BudgetProcess, user: User) -> str | None:
    """HMAC(identity key, "ballot:<process id>"): the same for every account of one person."""
    identity = user.identity_key() if user is not None else None
    if identity is None:
        return None
    return keyed_hash(f"ballot:{process.id}", identity)


@dataclass
class BallotCheck:
    """A ballot's running totals and what is wrong with it (error codes, empty if valid)."""

    total_cost: int = 0
    points: int = 0
    count: int = 0
    budget: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def budget_left(self) -> int:
        return self.budget - self.total_cost


def check_ballot(
    process: BudgetProcess,
    district: BudgetDistrict | None,
    choices: Mapping[int, int],
    projects: Sequence[BudgetProposal] | None = None,
) -> BallotCheck:
    """Totals of a proposed ballot and every rule it breaks (nothing is saved)."""
    projects = ballot_projects(process, district) if projects is None else projects
    by_id = {p.id: p for p in projects}
    check = BallotCheck(budget=budget_of(process, district))
    for proposal_id, points in choices.items():
        proposal = by_id.get(proposal_id)
        if proposal is None:
            if "unknown_project" not in check.errors:
                check.errors.append("unknown_project")
            continue
        if points <= 0:
            if "points_not_positive" not in check.errors:
                check.errors.append("points_not_positive")
            continue
        check.count += 1
        check.points += points
        check.total_cost += proposal.cost
    if check.count == 0 and "unknown_project" not in check.errors:
        check.errors.append("empty_ballot")
    if process.ballot_type == BallotType.approval:
        if process.max_choices and check.count > process.max_choices:
            check.errors.append("too_many_projects")
    elif process.ballot_type == BallotType.knapsack:
        if check.total_cost > check.budget:
            check.errors.append("over_budget")
    elif process.ballot_type == BallotType.cumulative and check.points > (process.max_points or 0):
        check.errors.append("too_many_points")
    return check


def can_vote_now(process: BudgetProcess, user: User | None, now: datetime) -> str | None:
    """None if ``user`` may vote in ``process`` now, else the error code saying why not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "sign_in_to_vote"
    if process.phase_at(now) != Phase.voting:
        return "not_voting_phase"
    if not user.has_identity_level(IdentityLevel(process.vote_level)) or user.identity_key() is None:
        return "identity_level_vote"
    return None


def _upsert(values: dict):
    stmt = db.insert(Ballot).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=[Ballot.process_id, Ballot.voter_key],
        set_={"district_id": stmt.excluded.district_id, "cast_at": stmt.excluded.cast_at},
    ).returning(Ballot.id)


def cast_ballot(
    process: BudgetProcess,
    user: User,
    *,
    district_id: int | None,
    choices: Mapping[int, int],
    now: datetime | None = None,
) -> int:
    """Cast or replace the voter's ballot; returns the ballot id.

    One statement upserts the ballot row on the unique (process, voter key):
    concurrent submissions of one voter queue on that row, and the last one's
    choices are the ones kept. Never records who the voter is.
    """
    now = now or db.utcnow()
    refusal = can_vote_now(process, user, now)
    if refusal:
        raise BudgetError(refusal)
    district = _district_of(process, district_id)
    key = voter_key(process, user)
    check = check_ballot(process, district, choices)
    if not check.valid:
        raise BudgetError(check.errors[0], check=check)
    ballot_id = db.session.execute(
        _upsert(
            {
                "process_id": process.id,
                "district_id": district.id if district else None,
                "voter_key": key,
                "cast_at": now,
            }
        )
    ).scalar_one()
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot_id))
    db.session.execute(
        insert(BallotChoice),
        [{"ballot_id": ballot_id, "proposal_id": pid, "points": pts} for pid, pts in choices.items()],
    )
    db.session.flush()
    return ballot_id


def my_ballot(process: BudgetProcess, user: User) -> tuple[Ballot, dict[int, int]] | None:
    """The voter's own ballot and its choices (found by recomputing the key)."""
    key = voter_key(process, user)
    if key is None:
        return None
    ballot = db.session.scalar(select(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key))
    if ballot is None:
        return None
    rows = db.session.execute(
        select(BallotChoice.proposal_id, BallotChoice.points).where(BallotChoice.ballot_id == ballot.id)
    ).all()
    return ballot, {pid: pts for pid, pts in rows}


def ballot_count(process: BudgetProcess) -> int:
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.process_id == process.id)) or 0


# --- tallies and results -----------------------------------------------------------


def election_input(
    process: BudgetProcess, district: BudgetDistrict | None
) -> tuple[list[BudgetProposal], list[rules.Project], int, list[dict[str, int]]]:
    """Projects, budget and ballots of one district (or the whole process) from the database.

    Two queries whatever the number of ballots.
    """
    proposals = ballot_projects(process, district)
    by_id = {p.id: p.tally_id for p in proposals}
    # An outer join keeps empty ballots: they count as voters (MES shares the budget among all).
    query = (
        select(Ballot.id, BallotChoice.proposal_id, BallotChoice.points)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.process_id == process.id)
        .order_by(Ballot.id, BallotChoice.id)
    )
    if district is not None:
        query = query.where(Ballot.district_id == district.id)
    ballots: list[dict[str, int]] = []
    current = None
    for ballot_id, proposal_id, points in db.session.execute(query):
        if ballot_id != current:
            ballots.append({})
            current = ballot_id
        tally_id = by_id.get(proposal_id) if proposal_id is not None else None
        if tally_id is not None:  # a project refused after voting started counts for nobody
            ballots[-1][tally_id] = points
    projects = [rules.Project(p.tally_id, p.cost) for p in proposals]
    return proposals, projects, budget_of(process, district), ballots


def run_rule(rule: Rule, projects, budget, ballots) -> rules.Outcome:
    if rule == Rule.mes:
        return rules.mes(projects, budget, ballots, completion="add1")
    return rules.greedy(projects, budget, ballots)


def tally(process: BudgetProcess, rule: Rule | str | None = None, district: BudgetDistrict | None = None):
    """The outcome under ``rule`` (default: the process's) straight from the ballots."""
    rule = Rule(rule or process.rule)
    _, projects, budget, ballots = election_input(process, district)
    return run_rule(rule, projects, budget, ballots)


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _outcome_data(outcome: rules.Outcome) -> dict:
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "total_cost": outcome.total_cost,
        "endowment": _fraction(outcome.endowment),
        "add1_steps": outcome.add1_steps,
        "results": {
            pid: {
                "votes": r.votes,
                "points": r.points,
                "cost": r.cost,
                "status": r.status,
                "reason": r.reason,
                "rank": r.rank,
                "round": r.round,
                "max_payment": _fraction(r.max_payment),
                "supporters_money": _fraction(r.supporters_money),
            }
            for pid, r in outcome.results.items()
        },
    }


def compute_results(process: BudgetProcess) -> dict:
    """The snapshot data: per district, the outcome under each applicable rule."""
    data: dict = {"official_rule": process.rule.value, "districts": {}}
    for district in process.districts or [None]:
        proposals, projects, budget, ballots = election_input(process, district)
        outcomes = {}
        for rule in Rule:
            if rule == Rule.mes and process.ballot_type == BallotType.cumulative:
                continue
            outcomes[rule.value] = _outcome_data(run_rule(rule, projects, budget, ballots))
        data["districts"][str(district.id) if district else WHOLE] = {
            "budget": budget,
            "ballots": len(ballots),
            "proposals": {p.tally_id: p.id for p in proposals},
            "outcomes": outcomes,
        }
    return data


def publish_results(process: BudgetProcess, *, now: datetime | None = None, actor: User | None = None):
    """Compute, store and announce the results (``budget.results_published``); may be re-run."""
    now = now or db.utcnow()
    if process.phase_at(now).order < Phase.results.order:
        raise BudgetError("voting_not_closed")
    data = compute_results(process)
    total_ballots = sum(d["ballots"] for d in data["districts"].values())
    snapshot = db.session.scalar(select(BudgetResult).where(BudgetResult.process_id == process.id))
    recomputed = snapshot is not None
    if snapshot is None:
        snapshot = BudgetResult(process_id=process.id, data=data)
        db.session.add(snapshot)
    snapshot.data = data
    snapshot.ballots = total_ballots
    snapshot.computed_at = now
    selected_ids = [
        pid
        for d in data["districts"].values()
        for tally_id in d["outcomes"][process.rule.value]["selected"]
        for pid in [d["proposals"][tally_id]]
    ]
    db.session.execute(
        update(BudgetProposal).where(BudgetProposal.process_id == process.id).values(selected=False)
    )
    if selected_ids:
        db.session.execute(
            update(BudgetProposal).where(BudgetProposal.id.in_(selected_ids)).values(selected=True)
        )
        db.session.execute(
            update(BudgetProposal)
            .where(BudgetProposal.id.in_(selected_ids), BudgetProposal.implementation_status.is_(None))
            .values(implementation_status=ImplementationStatus.planned)
        )
    db.session.flush()
    publish(
        Event(
            kind="budget.results_published",
            subject_type="budget_process",
            subject_id=process.id,
            payload={
                "process": process.slug,
                "rule": process.rule.value,
                "ballots": total_ballots,
                "selected": sorted(selected_ids),
                "recomputed": recomputed,
            },
            actor_id=actor.id if actor else None,
        )
    )
    return snapshot


def result_snapshot(process: BudgetProcess) -> BudgetResult | None:
    return db.session.scalar(select(BudgetResult).where(BudgetResult.process_id == process.id))


# --- implementation ------------------------------------------------------------------


def post_update(
    proposal: BudgetProposal,
    author: User,
    *,
    status: ImplementationStatus,
    text: str,
    now: datetime | None = None,
) -> ImplementationUpdate:
    """A public status update on a selected project (``budget.implementation_update``)."""
    now = now or db.utcnow()
    if not proposal.selected or proposal.process.phase_at(now).order < Phase.results.order:
        raise BudgetError("not_selected")
    text = clean_text(text, max_length=5000)
    if not text:
        raise BudgetError("update_text_needed")
    item = ImplementationUpdate(proposal_id=proposal.id, status=status, text=text, author_id=author.id)
    db.session.add(item)
    proposal.implementation_status = status
    db.session.flush()
    publish(
        Event(
            kind="budget.implementation_update",
            subject_type="budget_proposal",
            subject_id=proposal.id,
            payload={
                "process": proposal.process.slug,
                "title": proposal.title,
                "status": status.value,
                "text": text,
            },
            actor_id=author.id,
        )
    )
    return item
