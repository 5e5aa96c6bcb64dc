"""Downloads of the public record as CSV and JSON, each with a description of its columns.

Every export is an :class:`Export`: a name, a title, a description of every
column (shown on ``/open-data/exports`` and served as ``<name>-columns.json``)
and a function producing its rows for one subject (or the whole site). CSV
goes through ``participation.web.csv`` (RFC 4180, UTF-8 BOM, formula-safe);
JSON is ``{"export", "columns", "data"}`` with the same fields.

The rows reuse the API's serialisers, so an export never says more than the
API: no emails, no national IDs, no signers; authors by display name only.

``participation transparency dump DIR`` writes every export of every public
subject plus the site-wide tables and the ledger (JSONL) into ``DIR``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Response
from sqlalchemy import select

from participation import db
from participation.i18n import _l
from participation.web.csv import csv_response, to_csv


@dataclass(frozen=True)
class Column:
    name: str
    description: object


@dataclass(frozen=True)
class Export:
    name: str
    title: object
    description: object
    columns: tuple[Column, ...]
    #: rows(subject) -> iterable of dicts keyed by column name
    rows: Callable[[object], Iterable[dict]]
    #: What the subject is: "hearing", "initiative", "budget" or None for site-wide tables.
    subject: str | None = None

    def columns_json(self) -> dict:
        return {
            "export": self.name,
            "title": str(self.title),
            "description": str(self.description),
            "columns": [{"name": c.name, "description": str(c.description)} for c in self.columns],
        }

    def table(self, subject) -> tuple[list[str], list[list]]:
        header = [c.name for c in self.columns]
        return header, [[row.get(name) for name in header] for row in self.rows(subject)]

    def csv(self, subject) -> str:
        header, rows = self.table(subject)
        return to_csv(header, rows)

    def json(self, subject) -> dict:
        header = [c.name for c in self.columns]
        return {
            "export": self.name,
            "columns": [{"name": c.name, "description": str(c.description)} for c in self.columns],
            "data": [{name: row.get(name) for name in header} for row in self.rows(subject)],
        }


_exports: dict[str, Export] = {}


def register_export(export: Export) -> Export:
    _exports[export.name] = export
    return export


def exports() -> list[Export]:
    return list(_exports.values())


def get(name: str) -> Export | None:
    return _exports.get(name)


def csv_download(export: Export, subject, filename: str) -> Response:
    header, rows = export.table(subject)
    return csv_response(filename, header, rows)


def json_download(export: Export, subject, filename: str) -> Response:
    body = json.dumps(export.json(subject), ensure_ascii=False, indent=1)
    return Response(
        body.encode("utf-8"),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- the domains' exports ----------------------------------------------------------------


def _hearing_comment_rows(hearing) -> Iterable[dict]:
    from participation.comments.models import Comment, CommentStatus
    from participation.hearings.models import HearingDisposition, HearingSection, HearingStatus
    from participation.transparency.api_hearings import comment_json

    published = hearing.status == HearingStatus.report_published
    rows = db.session.execute(
        select(Comment, HearingDisposition, HearingSection)
        .outerjoin(HearingDisposition, HearingDisposition.comment_id == Comment.id)
        .outerjoin(HearingSection, HearingSection.id == Comment.part_id)
        .where(
            Comment.subject_type == "hearing",
            Comment.subject_id == hearing.id,
            Comment.status != CommentStatus.pending,
        )
        .order_by(Comment.id)
    ).all()
    for comment, disposition, section in rows:
        row = comment_json(comment)
        shown = disposition if published else None
        yield {
            "comment_id": row["id"],
            "created_at": row["created_at"],
            "edited_at": row["edited_at"],
            "section_id": row["part_id"],
            "section": section.label if section is not None else "",
            "reply_to": row["parent_id"],
            "author": row["author"],
            "status": row["status"],
            "position": row["position"],
            "stakeholder_group": row["stakeholder_group"],
            "on_behalf_of": row["on_behalf_of"],
            "text": row["body"],
            "form_letter_of": row["similar_to_id"],
            "outcome": shown.outcome.value if shown else None,
            "explanation": shown.explanation if shown else None,
            "changed_section_id": shown.changed_section_id if shown else None,
            "url": row["url"],
        }


HEARING_COMMENTS = register_export(
    Export(
        name="hearing-comments",
        subject="hearing",
        title=_l("Comments of a hearing with the agency's answers"),
        description=_l(
            "Every comment and reply in posting order. Hidden and deleted comments stay as rows without "
            "their text; comments waiting for a moderator are not included. The answer columns are "
            "filled once the hearing report is published."
        ),
        columns=(
            Column("comment_id", _l("Stable id of the comment.")),
            Column("created_at", _l("When it was posted (ISO 8601, UTC).")),
            Column("edited_at", _l("When its author last edited it, if ever.")),
            Column("section_id", _l("Id of the draft section it is about; empty for the draft as a whole.")),
            Column("section", _l("The section's label, e.g. มาตรา ๓.")),
            Column("reply_to", _l("Id of the comment this one replies to.")),
            Column("author", _l('The author\'s public display name, or "deleted user".')),
            Column("status", _l("published, hidden (by a moderator) or deleted (by its author).")),
            Column("position", _l("agree, disagree or suggest_change.")),
            Column(
                "stakeholder_group", _l("citizen, private_sector, civil_society, academia or government.")
            ),
            Column("on_behalf_of", _l("Organisation the comment speaks for, if any.")),
            Column("text", _l("The comment (Markdown); empty when hidden or deleted.")),
            Column("form_letter_of", _l("First comment of a group of near-identical comments, if any.")),
            Column(
                "outcome", _l("The agency's answer: accepted, partly_accepted, not_accepted or out_of_scope.")
            ),
            Column("explanation", _l("The agency's explanation.")),
            Column("changed_section_id", _l("Section changed as a result, if any.")),
            Column("url", _l("Permanent address of the comment.")),
        ),
        rows=_hearing_comment_rows,
    )
)


def _initiative_count_rows(initiative) -> Iterable[dict]:
    from participation.initiatives.models import DailyCount

    total = 0
    for day, n in db.session.execute(
        select(DailyCount.day, DailyCount.signatures)
        .where(DailyCount.initiative_id == initiative.id)
        .order_by(DailyCount.day)
    ).all():
        total += n
        yield {"initiative_id": initiative.id, "day": day.isoformat(), "signatures": n, "cumulative": total}


INITIATIVE_COUNTS = register_export(
    Export(
        name="initiative-signatures",
        subject="initiative",
        title=_l("Signatures of an initiative per day"),
        description=_l(
            "Online signatures per day (Asia/Bangkok) from the daily aggregate, with the running total. "
            "Signers are never published; paper signatures are in the initiative's public count."
        ),
        columns=(
            Column("initiative_id", _l("Stable id of the initiative.")),
            Column("day", _l("The day (YYYY-MM-DD, Asia/Bangkok).")),
            Column("signatures", _l("Online signatures that day, withdrawals deducted.")),
            Column("cumulative", _l("Online signatures up to and including that day.")),
        ),
        rows=_initiative_count_rows,
    )
)


def _initiative_event_rows(initiative) -> Iterable[dict]:
    from participation.initiatives import queries

    for event in queries.timeline(initiative):
        yield {
            "initiative_id": initiative.id,
            "event_id": event.id,
            "created_at": event.created_at.isoformat(),
            "kind": event.kind.value,
            "code": event.code,
            "text": event.body,
            "ledger_seq": event.ledger_seq,
        }


INITIATIVE_EVENTS = register_export(
    Export(
        name="initiative-events",
        subject="initiative",
        title=_l("Timeline of an initiative"),
        description=_l(
            "Every public step: publication, milestones, hand-over, the authority's steps and response."
        ),
        columns=(
            Column("initiative_id", _l("Stable id of the initiative.")),
            Column("event_id", _l("Stable id of the step.")),
            Column("created_at", _l("When it happened (ISO 8601, UTC).")),
            Column("kind", _l("state, milestone, authority or response.")),
            Column("code", _l("What happened, e.g. collecting, milestone_50, handed_over.")),
            Column("text", _l("Public text of the step (Markdown), if any.")),
            Column("ledger_seq", _l("The public ledger entry that records it.")),
        ),
        rows=_initiative_event_rows,
    )
)


def _budget_rows(process) -> Iterable[dict]:
    from participation.budgeting import services
    from participation.budgeting.models import BudgetProposal
    from participation.transparency.api_budgets import results_json

    results = results_json(process, services.result_snapshot(process))
    outcome = {}
    for district in (results or {}).get("districts", []):
        for project in district["projects"]:
            outcome[project["proposal_id"]] = project
    for proposal in db.session.scalars(
        select(BudgetProposal).where(BudgetProposal.process_id == process.id).order_by(BudgetProposal.id)
    ):
        result = outcome.get(proposal.id, {})
        yield {
            "process_id": process.id,
            "proposal_id": proposal.id,
            "district_id": proposal.district_id,
            "title": proposal.title,
            "location": proposal.location,
            "estimated_cost": proposal.estimated_cost,
            "official_cost": proposal.official_cost,
            "status": proposal.status.value,
            "review_reason": proposal.review_reason,
            "votes": result.get("votes") if results else None,
            "rank": result.get("rank") if results else None,
            "selected": proposal.selected,
            "implementation_status": proposal.implementation_status.value
            if proposal.implementation_status
            else None,
        }


BUDGET_PROJECTS = register_export(
    Export(
        name="budget-projects",
        subject="budget",
        title=_l("Projects of a budget process and their results"),
        description=_l(
            "Every proposal with its review and, once results are published, its votes under the official "
            "rule, rank and whether it was selected. Ballots are secret and never exported."
        ),
        columns=(
            Column("process_id", _l("Stable id of the budget process.")),
            Column("proposal_id", _l("Stable id of the proposal.")),
            Column("district_id", _l("District, if the process has districts.")),
            Column("title", _l("Title of the proposal.")),
            Column("location", _l("Where the project would be.")),
            Column("estimated_cost", _l("Cost estimated by the proposer (whole baht).")),
            Column("official_cost", _l("Cost set by the agency's review (whole baht).")),
            Column("status", _l("submitted, feasible or not_feasible.")),
            Column("review_reason", _l("The public reason of the review.")),
            Column("votes", _l("Ballots that chose it; empty before results.")),
            Column("rank", _l("Its rank under the official rule; empty before results.")),
            Column("selected", _l("true if it was selected for funding.")),
            Column("implementation_status", _l("planned, in_progress, completed or cancelled.")),
        ),
        rows=_budget_rows,
    )
)


# --- site-wide tables (for the dump) -----------------------------------------------------


def _public_hearings():
    from participation.hearings.models import Hearing, HearingStatus

    return db.session.scalars(
        select(Hearing).where(Hearing.status != HearingStatus.draft).order_by(Hearing.id)
    )


def _public_initiatives():
    from participation.initiatives.models import Initiative
    from participation.initiatives.queries import PUBLIC_STATES

    return db.session.scalars(
        select(Initiative).where(Initiative.state.in_(PUBLIC_STATES)).order_by(Initiative.id)
    )


def _budget_processes():
    from participation.budgeting.models import BudgetProcess

    return db.session.scalars(select(BudgetProcess).order_by(BudgetProcess.id))


def _hearing_rows(_subject=None):
    from participation.comments.queries import counts_for
    from participation.transparency.api_hearings import hearing_json

    hearings = list(_public_hearings())
    counts = counts_for("hearing", [h.id for h in hearings])
    now = db.utcnow()
    for hearing in hearings:
        yield hearing_json(hearing, now, counts)


def _initiative_rows(_subject=None):
    from participation.initiatives import services
    from participation.transparency.api_initiatives import initiative_json

    initiatives = list(_public_initiatives())
    counts = services.public_counts(initiatives)
    now = db.utcnow()
    for initiative in initiatives:
        yield initiative_json(initiative, counts.get(initiative.id, services.Count(0, 0)), now)


def _budget_process_rows(_subject=None):
    from participation.transparency.api_budgets import budget_json, published_ballots

    processes = list(_budget_processes())
    ballots = published_ballots([p.id for p in processes])
    now = db.utcnow()
    for process in processes:
        yield budget_json(process, now, ballots)


def _moderation_rows(_subject=None):
    from participation.moderation.models import ModerationAction
    from participation.transparency.api_budgets import moderation_json

    for action in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)):
        yield moderation_json(action)


def _schema_columns(schema_name: str, descriptions: dict[str, object]) -> tuple[Column, ...]:
    from participation.transparency import openapi

    schema = openapi.schemas()[schema_name]
    return tuple(
        Column(name, descriptions.get(name) or schema["properties"][name].get("description") or name)
        for name in schema["required"]
    )


SITE_TABLES = (
    ("hearings", _l("Every public hearing"), "Hearing", _hearing_rows),
    ("initiatives", _l("Every public initiative with its public count"), "Initiative", _initiative_rows),
    ("budgets", _l("Every budget process"), "BudgetProcess", _budget_process_rows),
    ("moderation-log", _l("Every moderation decision"), "ModerationAction", _moderation_rows),
)


def site_exports() -> list[Export]:
    """The site-wide tables; their columns are the API schemas' fields."""
    return [
        Export(name=name, title=title, description=title, columns=_schema_columns(schema, {}), rows=rows)
        for name, title, schema, rows in SITE_TABLES
    ]


def dump(directory: Path) -> list[Path]:
    """Write every public table as CSV + JSON (and its columns) and the ledger as JSONL."""
    from participation.transparency.api import ledger_entry_json
    from participation.transparency.models import LedgerEntry

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        target = directory / name
        target.write_text(text, encoding="utf-8", newline="")
        written.append(target)

    def both(export: Export, subject, stem: str) -> None:
        write(f"{stem}.csv", export.csv(subject))
        write(f"{stem}.json", json.dumps(export.json(subject), ensure_ascii=False, indent=1))

    for export in site_exports():
        both(export, None, export.name)
        write(f"{export.name}-columns.json", json.dumps(export.columns_json(), ensure_ascii=False, indent=1))
    subjects = {"hearing": _public_hearings, "initiative": _public_initiatives, "budget": _budget_processes}
    for export in exports():
        write(f"{export.name}-columns.json", json.dumps(export.columns_json(), ensure_ascii=False, indent=1))
        for subject in subjects[export.subject]():
            both(export, subject, f"{export.name}-{subject.id}")
    ledger = directory / "ledger.jsonl"
    with ledger.open("w", encoding="utf-8") as out:
        last = 0
        while True:
            batch = db.session.scalars(
                select(LedgerEntry).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(1000)
            ).all()
            for entry in batch:
                out.write(json.dumps(ledger_entry_json(entry), ensure_ascii=False, sort_keys=True) + "\n")
            if len(batch) < 1000:
                break
            last = batch[-1].seq
    written.append(ledger)
    return written
