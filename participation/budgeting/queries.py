"""Reads for the budgeting pages and the home page (a constant number of queries each)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation import db
from participation.budgeting.models import (
    Ballot,
    BudgetProcess,
    BudgetProposal,
    Phase,
)
from participation.i18n import _, format_number, localized
from participation.transparency.models import LedgerEntry


def processes() -> list[BudgetProcess]:
    """Every process, newest voting first."""
    return list(
        db.session.scalars(
            select(BudgetProcess)
            .options(selectinload(BudgetProcess.organisation))
            .order_by(BudgetProcess.voting_opens_at.desc())
        )
    )


def phase_label(phase: Phase) -> str:
    return {
        Phase.upcoming: _("Not started"),
        Phase.proposals: _("Proposals open"),
        Phase.review: _("Under review"),
        Phase.voting: _("Voting open"),
        Phase.results: _("Results"),
        Phase.implementation: _("Implementation"),
    }[phase]


def home_items(limit: int = 4):
    """Processes taking proposals or votes now, then the latest others (for the home page)."""
    from participation.web.home import HomeItem

    now = db.utcnow()
    items = []
    ranked = sorted(
        processes(),
        key=lambda p: (
            p.phase_at(now) not in (Phase.proposals, Phase.voting),
            -p.voting_opens_at.timestamp(),
        ),
    )
    for process in ranked[:limit]:
        items.append(
            HomeItem(
                title=localized(process, "title"),
                url=url_for("budgeting.show", slug=process.slug),
                meta=f"{phase_label(process.phase_at(now))} · ฿{format_number(process.total_budget)}"
                if process.currency == "THB"
                else f"{phase_label(process.phase_at(now))} · {format_number(process.total_budget)} {process.currency}",
            )
        )
    return items


def proposals_of(process: BudgetProcess) -> list[BudgetProposal]:
    return list(
        db.session.scalars(
            select(BudgetProposal)
            .options(selectinload(BudgetProposal.district))
            .where(BudgetProposal.process_id == process.id)
            .order_by(BudgetProposal.id)
        )
    )


def proposal_counts(process: BudgetProcess) -> Counter:
    rows = db.session.execute(
        select(BudgetProposal.status, func.count())
        .where(BudgetProposal.process_id == process.id)
        .group_by(BudgetProposal.status)
    ).all()
    return Counter({status: n for status, n in rows})


def ballots_by_district(process: BudgetProcess) -> dict[int | None, int]:
    rows = db.session.execute(
        select(Ballot.district_id, func.count())
        .where(Ballot.process_id == process.id)
        .group_by(Ballot.district_id)
    ).all()
    return dict(rows)


@dataclass
class ProcessEdit:
    """One public edit of a process, as the ledger recorded it."""

    seq: int
    at: datetime
    #: The names of the changed settings (the process form's field names).
    fields: list[str]


def edits_of(process: BudgetProcess) -> list[ProcessEdit]:
    """Every ``budget.process_edited`` event of the process, oldest first (one query)."""
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.kind == "budget.process_edited",
            LedgerEntry.subject_type == "budget_process",
            LedgerEntry.subject_id == process.id,
        )
        .order_by(LedgerEntry.seq)
    )
    return [
        ProcessEdit(entry.seq, entry.created_at, list(json.loads(entry.payload).get("changes", {})))
        for entry in entries
    ]
