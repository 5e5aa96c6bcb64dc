"""The rules of participatory budgeting: processes, proposals, ballots, results.

Services flush and never commit; the view or command commits once. Errors a
person can fix are ``BudgetError`` with a ``code`` (see ``messages.py``).
Tallies use the pure engine in ``rules.py`` with exact arithmetic.
"""

from __future__ import annotations

import enum
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


#: Each phase and the column holding its start, in order.
PHASE_STARTS = (
    (Phase.proposals, "proposals_opens_at"),
    (Phase.review, "review_opens_at"),
    (Phase.voting, "voting_opens_at"),
    (Phase.results, "voting_closes_at"),
    (Phase.implementation, "implementation_opens_at"),
)
#: Settings that give ballots their meaning: fixed once voting opens (with the districts).
BALLOT_SETTINGS = (
    "total_budget",
    "currency",
    "ballot_type",
    "max_choices",
    "max_points",
    "rule",
    "propose_level",
    "vote_level",
)


def _checked_settings(
    *,
    title_th: str,
    title_en: str | None,
    description_th: str,
    description_en: str | None,
    total_budget: int,
    currency: str,
    proposals_opens_at: datetime,
    review_opens_at: datetime,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    implementation_opens_at: datetime,
    districts: Sequence[DistrictSpec],
    propose_level: IdentityLevel,
    vote_level: IdentityLevel,
    ballot_type: BallotType,
    max_choices: int | None,
    max_points: int | None,
    rule: Rule,
) -> dict:
    """The column values of a process, cleaned; refuses inconsistent settings with a BudgetError.

    The one check of a process's settings, shared by ``create_process`` and
    ``update_process``: a positive budget, phases in order (voting lasting some
    time), points for cumulative ballots, MES only with approval or knapsack
    ballots, and districts with positive budgets, distinct names and budgets
    adding up to the total.
    """
    if total_budget is None or total_budget <= 0:
        raise BudgetError("budget_not_positive")
    if not (
        proposals_opens_at <= review_opens_at <= voting_opens_at < voting_closes_at <= implementation_opens_at
    ):
        raise BudgetError("phases_out_of_order")
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
    return {
        "title_th": clean_text(title_th, max_length=200, multiline=False),
        "title_en": clean_text(title_en, max_length=200, multiline=False) or None if title_en else None,
        "description_th": clean_text(description_th or "", max_length=20000),
        "description_en": clean_text(description_en, max_length=20000) or None if description_en else None,
        "total_budget": total_budget,
        "currency": currency or "THB",
        "proposals_opens_at": proposals_opens_at,
        "review_opens_at": review_opens_at,
        "voting_opens_at": voting_opens_at,
        "voting_closes_at": voting_closes_at,
        "implementation_opens_at": implementation_opens_at,
        "propose_level": int(propose_level),
        "vote_level": int(vote_level),
        "ballot_type": ballot_type,
        "max_choices": max_choices if ballot_type == BallotType.approval else None,
        "max_points": max_points if ballot_type == BallotType.cumulative else None,
        "rule": rule,
    }


def _category_names(categories: Sequence[tuple[str, str | None]]) -> dict[str, str | None]:
    """Thai name -> English name, blank and repeated Thai names dropped (the first one wins)."""
    names: dict[str, str | None] = {}
    for name_th, name_en in categories:
        if name_th and name_th not in names:
            names[name_th] = name_en
    return names


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
    values = _checked_settings(
        title_th=title_th,
        title_en=title_en,
        description_th=description_th,
        description_en=description_en,
        total_budget=total_budget,
        currency=currency,
        proposals_opens_at=proposals_opens_at,
        review_opens_at=review_opens_at,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        implementation_opens_at=implementation_opens_at,
        districts=districts,
        propose_level=propose_level,
        vote_level=vote_level,
        ballot_type=ballot_type,
        max_choices=max_choices,
        max_points=max_points,
        rule=rule,
    )
    if db.session.scalar(select(BudgetProcess.id).where(BudgetProcess.slug == slug)) is not None:
        raise BudgetError("slug_taken")
    process = BudgetProcess(organisation_id=organisation.id, slug=slug, source_meta=source_meta, **values)
    _replace_districts(process, districts)
    _replace_categories(process, _category_names(categories))
    db.session.add(process)
    db.session.flush()
    log.info("budget process %s created by %s", process.slug, actor.id if actor else "system")
    return process


def _public(value):
    """A column value as it goes into the public ledger (JSON)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _highest_costs(process: BudgetProcess) -> dict[int | None, int]:
    """The highest cost of a proposal still in the running, per district id (None: no district)."""
    cost = func.coalesce(BudgetProposal.official_cost, BudgetProposal.estimated_cost)
    rows = db.session.execute(
        select(BudgetProposal.district_id, func.max(cost))
        .where(
            BudgetProposal.process_id == process.id,
            BudgetProposal.status != ProposalStatus.not_feasible,
        )
        .group_by(BudgetProposal.district_id)
    )
    return {district_id: highest for district_id, highest in rows}


def current_settings(process: BudgetProcess) -> dict:
    """The process's settings as ``update_process`` takes them (to change a few and send all)."""
    return {
        "title_th": process.title_th,
        "title_en": process.title_en,
        "description_th": process.description_th,
        "description_en": process.description_en,
        "total_budget": process.total_budget,
        "currency": process.currency,
        **{name: getattr(process, name) for _phase, name in PHASE_STARTS},
        "districts": [DistrictSpec(d.name_th, d.name_en, d.budget) for d in process.districts],
        "categories": [(c.name_th, c.name_en) for c in process.categories],
        "propose_level": IdentityLevel(process.propose_level),
        "vote_level": IdentityLevel(process.vote_level),
        "ballot_type": process.ballot_type,
        "max_choices": process.max_choices,
        "max_points": process.max_points,
        "rule": process.rule,
    }


def _replace_districts(process: BudgetProcess, districts: Sequence[DistrictSpec]) -> None:
    """Make the process's districts ``districts``, keeping the rows of the Thai names it has."""
    wanted = {d.name_th: d for d in districts}
    kept = set()
    for district in list(process.districts):
        spec = wanted.get(district.name_th)
        if spec is None:
            process.districts.remove(district)
        else:
            district.name_en, district.budget = spec.name_en, spec.budget
            kept.add(district.name_th)
    for spec in districts:
        if spec.name_th not in kept:
            process.districts.append(
                BudgetDistrict(name_th=spec.name_th, name_en=spec.name_en, budget=spec.budget)
            )


def _replace_categories(process: BudgetProcess, names: dict[str, str | None]) -> None:
    """Make the process's categories ``names`` (Thai -> English), keeping the rows of the Thai names it has."""
    kept = set()
    for category in list(process.categories):
        if category.name_th not in names:
            process.categories.remove(category)
        else:
            category.name_en = names[category.name_th]
            kept.add(category.name_th)
    for name_th, name_en in names.items():
        if name_th not in kept:
            process.categories.append(BudgetCategory(name_th=name_th, name_en=name_en))


def update_process(
    process: BudgetProcess,
    *,
    districts: Sequence[DistrictSpec] = (),
    categories: Sequence[tuple[str, str | None]] = (),
    actor: User | None = None,
    now: datetime | None = None,
    **settings,
) -> dict[str, dict]:
    """Change a process's settings after creation; publishes ``budget.process_edited``.

    Takes every setting ``create_process`` takes except the organisation and
    the slug, which never change (``current_settings`` gives them all), and
    checks them the same way. Guarantees:

    - texts and categories can change in every phase, phase dates too, but a
      phase that has started keeps a start in the past (``phase_started``) and a
      date that has not come yet cannot move into the past (``date_in_past``);
    - the budget, currency, ballot, counting rule, eligibility and districts
      can change only before voting opens (``settings_locked``: ballots
      already cast keep their meaning); districts' English names can always
      change;
    - districts are matched by their Thai name: adding, removing or renaming
      one is refused once proposals exist (``districts_have_proposals``), a
      category used by a proposal is never removed (``category_in_use``), and
      no budget falls below the cost of a proposal still in the running
      (``budget_below_proposal``);
    - every check runs before anything changes: a refusal changes nothing.

    Returns what changed, ``{field: {"from": old, "to": new}}`` in public
    (JSON) form; the same goes into the ledger. Nothing changed: ``{}`` and no
    event.
    """
    now = now or db.utcnow()
    values = _checked_settings(districts=districts, **settings)
    changed = [name for name, value in values.items() if getattr(process, name) != value]
    for _phase, name in PHASE_STARTS:
        if getattr(process, name) <= now < values[name]:
            raise BudgetError("phase_started", field=name)
        if values[name] <= now < getattr(process, name):
            # Residents rely on an announced date that has not come: it can move, but not
            # into the past (voting cannot be closed, nor a phase opened, retroactively).
            raise BudgetError("date_in_past", field=name)

    old_districts = {d.name_th: d for d in process.districts}
    new_districts = {d.name_th: d for d in districts}
    districts_renamed = set(old_districts) != set(new_districts)
    district_budgets_changed = districts_renamed or any(
        old_districts[name].budget != spec.budget for name, spec in new_districts.items()
    )
    districts_changed = district_budgets_changed or any(
        old_districts[name].name_en != spec.name_en for name, spec in new_districts.items()
    )
    phase = process.phase_at(now)
    if phase.order >= Phase.voting.order:
        locked = [name for name in changed if name in BALLOT_SETTINGS]
        if district_budgets_changed:
            locked.append("districts")
        if locked:
            raise BudgetError("settings_locked", fields=locked)

    if districts_renamed and db.session.scalar(
        select(BudgetProposal.id).where(BudgetProposal.process_id == process.id).limit(1)
    ):
        raise BudgetError("districts_have_proposals")
    highest = _highest_costs(process) if (district_budgets_changed or "total_budget" in changed) else {}
    for district_id, cost in highest.items():
        district = next((d for d in process.districts if d.id == district_id), None)
        budget = new_districts[district.name_th].budget if district is not None else values["total_budget"]
        if cost > budget:
            raise BudgetError(
                "budget_below_proposal",
                cost=cost,
                field="districts" if district is not None else "total_budget",
            )

    new_categories = _category_names(categories)
    removed = [c for c in process.categories if c.name_th not in new_categories]
    if removed:
        used = db.session.scalar(
            select(BudgetCategory.name_th)
            .join(BudgetProposal, BudgetProposal.category_id == BudgetCategory.id)
            .where(BudgetCategory.id.in_([c.id for c in removed]))
            .limit(1)
        )
        if used is not None:
            raise BudgetError("category_in_use", name=used)
    old_categories = {c.name_th: c.name_en for c in process.categories}
    categories_changed = old_categories != new_categories

    changes = {
        name: {"from": _public(getattr(process, name)), "to": _public(values[name])} for name in changed
    }
    if districts_changed:
        changes["districts"] = {
            "from": [[d.name_th, d.name_en, d.budget] for d in process.districts],
            "to": [[d.name_th, d.name_en, d.budget] for d in districts],
        }
    if categories_changed:
        changes["categories"] = {
            "from": [[th, en] for th, en in old_categories.items()],
            "to": [[th, en] for th, en in new_categories.items()],
        }
    if not changes:
        return {}

    for name in changed:
        setattr(process, name, values[name])
    _replace_districts(process, districts)
    _replace_categories(process, new_categories)
    db.session.flush()
    publish(
        Event(
            kind="budget.process_edited",
            subject_type="budget_process",
            subject_id=process.id,
            payload={"process": process.slug, "phase": phase.value, "changes": changes},
            actor_id=actor.id if actor else None,
        )
    )
    log.info(
        "budget process %s edited by %s: %s", process.slug, actor.id if actor else "system", sorted(changes)
    )
    return changes


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
