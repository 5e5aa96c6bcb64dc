"""Real elections in and out of the database, in the pabulib format.

``import_election`` turns a parsed ``.pb`` file (``pabulib.parse``) into a
process with its projects (pabulib ``project_id`` kept as ``external_id``) and
every ballot, inserted in bulk. Voter keys are HMACs of the pabulib
``voter_id`` under the process slug, so importing the same file under the
same slug again gives the same keys. ``export_election`` writes a process
back as a ``PabulibElection`` that imports to the same election; voters are
numbered 1..n in ballot order and nothing else about them is exported.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from participation import db
from participation.accounts.models import Organisation
from participation.budgeting import pabulib
from participation.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotType,
    BudgetDistrict,
    BudgetProcess,
    BudgetProposal,
    Phase,
    ProposalStatus,
    Rule,
)
from participation.budgeting.services import BudgetError, create_process, election_input
from participation.identity import keyed_hash

#: pabulib ``vote_type`` <-> ballot type.
VOTE_TYPES = {
    "approval": BallotType.approval,
    "cumulative": BallotType.cumulative,
    "knapsack": BallotType.knapsack,
}
#: How many ballot or choice rows go into the database per statement.
CHUNK = 5000


def slug_for(name: str) -> str:
    """A slug from a file name: ``Poland_Warszawa_2017_Anin`` -> ``poland-warszawa-2017-anin``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80] or "pabulib"


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _rule(meta: dict) -> Rule:
    name = meta.get("rule", "greedy")
    if name == "greedy":
        return Rule.greedy
    if name.startswith("equalshares"):
        return Rule.mes
    raise BudgetError("unsupported_rule", rule=name)


def import_election(
    election: pabulib.PabulibElection, *, organisation: Organisation, slug: str
) -> BudgetProcess:
    """Create a finished process (results phase) holding the election; flushes, does not commit."""
    meta = election.meta
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise BudgetError("unsupported_vote_type", vote_type=vote_type)
    ballot_type = VOTE_TYPES[vote_type]
    rule = _rule(meta)
    if election.budget <= 0:
        raise BudgetError("budget_not_positive")
    opens = _date(meta.get("date_begin")) or datetime(2000, 1, 1, tzinfo=UTC)
    closes = _date(meta.get("date_end")) or opens
    closes = max(closes, opens) + timedelta(days=1)  # the file's last day is a voting day
    max_points = None
    if ballot_type == BallotType.cumulative:
        max_points = (
            int(meta.get("max_sum_points") or 0)
            or max((sum(v.get("points", [])) for v in election.votes), default=1)
            or 1
        )
    title = meta.get("description") or slug
    process = create_process(
        organisation=organisation,
        slug=slug,
        title_th=title,
        title_en=title,
        description_th=meta.get("comment", ""),
        total_budget=election.budget,
        currency=(meta.get("currency") or "THB")[:3],
        proposals_opens_at=opens - timedelta(days=60),
        review_opens_at=opens - timedelta(days=30),
        voting_opens_at=opens,
        voting_closes_at=closes,
        implementation_opens_at=closes + timedelta(days=365),
        ballot_type=ballot_type,
        max_choices=int(meta["max_length"]) if meta.get("max_length", "").isdigit() else None,
        max_points=max_points,
        rule=rule,
        source_meta=dict(meta),
    )
    process.recorded_phase = Phase.results
    proposal_ids: dict[str, int] = {}
    rows = []
    for project in election.projects:
        extra = {k: v for k, v in project.items() if k not in ("project_id", "cost", "votes", "selected")}
        rows.append(
            {
                "process_id": process.id,
                "external_id": project["project_id"],
                "title": (project.get("name") or project["project_id"])[:200],
                "description": project.get("description", ""),
                "location": "",
                "estimated_cost": project["cost"],
                "official_cost": project["cost"],
                "status": ProposalStatus.feasible,
                "source_fields": extra,
                "created_at": db.utcnow(),
            }
        )
    if rows:
        db.session.execute(insert(BudgetProposal), rows)
    for external_id, pid in db.session.execute(
        select(BudgetProposal.external_id, BudgetProposal.id).where(BudgetProposal.process_id == process.id)
    ):
        proposal_ids[external_id] = pid

    purpose = f"pabulib:{slug}"
    voter_keys = [keyed_hash(purpose, vote["voter_id"]) for vote in election.votes]
    for start in range(0, len(voter_keys), CHUNK):
        db.session.execute(
            insert(Ballot),
            [
                {"process_id": process.id, "district_id": None, "voter_key": key, "cast_at": closes}
                for key in voter_keys[start : start + CHUNK]
            ],
        )
    ballot_ids = dict(
        db.session.execute(select(Ballot.voter_key, Ballot.id).where(Ballot.process_id == process.id)).all()
    )
    choices = []
    for key, vote in zip(voter_keys, election.votes, strict=True):
        ballot_id = ballot_ids[key]
        points = vote.get("points") or [1] * len(vote["vote"])
        for external_id, pts in zip(vote["vote"], points, strict=True):
            if pts > 0:
                choices.append(
                    {"ballot_id": ballot_id, "proposal_id": proposal_ids[external_id], "points": pts}
                )
    for start in range(0, len(choices), CHUNK):
        db.session.execute(insert(BallotChoice), choices[start : start + CHUNK])
    db.session.flush()
    return process


def export_election(
    process: BudgetProcess, district: BudgetDistrict | None = None
) -> pabulib.PabulibElection:
    """The process (or one of its districts) as a pabulib election; no voter information."""
    if process.districts and district is None:
        raise BudgetError("district_needed")
    proposals, projects, budget, ballots = election_input(process, district)
    from participation.budgeting.services import result_snapshot

    snapshot = result_snapshot(process)
    selected: set[str] | None = None
    if snapshot is not None:
        key = str(district.id) if district else "-"
        outcome = snapshot.data["districts"].get(key, {}).get("outcomes", {}).get(process.rule.value)
        if outcome is not None:
            selected = set(outcome["selected"])
    vote_type = {v: k for k, v in VOTE_TYPES.items()}[process.ballot_type]
    meta = dict(process.source_meta or {})
    meta.update(
        {
            "description": meta.get("description") or process.title_en or process.title_th,
            "country": meta.get("country") or "Thailand",
            "unit": meta.get("unit") or process.organisation.name_en or process.organisation.name_th,
            "num_projects": str(len(projects)),
            "num_votes": str(len(ballots)),
            "budget": str(budget),
            "vote_type": vote_type,
            "rule": meta.get("rule")
            if meta.get("rule", "").startswith("equalshares") and process.rule == Rule.mes
            else ("equalshares/add1" if process.rule == Rule.mes else "greedy"),
            "currency": process.currency,
        }
    )
    if district is not None:
        meta["district"] = district.name_en or district.name_th
    if process.ballot_type == BallotType.cumulative and process.max_points:
        meta.setdefault("max_sum_points", str(process.max_points))
    votes_of: dict[str, int] = {}
    for ballot in ballots:
        for pid, pts in ballot.items():
            votes_of[pid] = votes_of.get(pid, 0) + pts
    extra_columns: list[str] = []
    for proposal in proposals:
        for column in proposal.source_fields or {}:
            if column not in extra_columns and column not in ("name", "description"):
                extra_columns.append(column)
    out_projects = []
    for proposal in proposals:
        fields = proposal.source_fields or {}
        row = {
            "project_id": proposal.tally_id,
            "cost": proposal.cost,
            "votes": str(votes_of.get(proposal.tally_id, 0)),
            "name": proposal.title,
        }
        for column in extra_columns:
            row[column] = fields.get(column, "")
        if selected is not None:
            row["selected"] = proposal.tally_id in selected
        out_projects.append(row)
    cumulative = process.ballot_type == BallotType.cumulative
    out_votes = []
    for number, ballot in enumerate(ballots, start=1):
        vote = {"voter_id": str(number), "vote": list(ballot)}
        if cumulative:
            vote["points"] = list(ballot.values())
        out_votes.append(vote)
    return pabulib.PabulibElection(meta=meta, projects=out_projects, votes=out_votes)
