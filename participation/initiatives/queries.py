"""Reads for the public pages: lists, the initiative page, the home section.

Each function does a constant number of statements whatever the number of
signatures (counts come from the checkpoint plus the rows since it).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation import db
from participation.i18n import _, format_date, format_number
from participation.initiatives import services
from participation.initiatives.models import (
    DailyCount,
    Initiative,
    InitiativeAuthor,
    InitiativeState,
    InitiativeType,
    PaperBatch,
    Signature,
    TimelineEvent,
)

#: States shown in public lists (drafts and drafts in review are private).
PUBLIC_STATES = (
    InitiativeState.collecting,
    InitiativeState.handed_over,
    InitiativeState.responded,
    InitiativeState.closed,
    InitiativeState.expired,
)
SORTS = ("most_signed", "newest", "ending_soon")
PAGE_SIZE = 20


@dataclass
class ListRow:
    initiative: Initiative
    count: services.Count
    state: InitiativeState
    overdue: bool


def list_initiatives(
    now,
    *,
    status: str | None = None,
    type_id: int | None = None,
    organisation_id: int | None = None,
    topic: str | None = None,
    sort: str = "most_signed",
    page: int = 1,
) -> tuple[list[ListRow], int]:
    """One page of public initiatives and the total number matching."""
    query = select(Initiative).where(Initiative.state.in_(PUBLIC_STATES))
    if status:
        if status == InitiativeState.collecting.value:
            query = query.where(Initiative.state == InitiativeState.collecting, Initiative.deadline > now)
        elif status in {s.value for s in PUBLIC_STATES}:
            query = query.where(Initiative.state == InitiativeState(status))
    if type_id:
        query = query.where(Initiative.type_id == type_id)
    if organisation_id:
        query = query.where(Initiative.organisation_id == organisation_id)
    if topic:
        query = query.where(Initiative.topic == topic)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    if sort == "newest":
        query = query.order_by(Initiative.published_at.desc(), Initiative.id.desc())
    elif sort == "ending_soon":
        query = query.order_by(
            (Initiative.state != InitiativeState.collecting), Initiative.deadline.asc(), Initiative.id
        )
    else:
        # The checkpoint (seconds old) orders the list; the rows show the exact public count.
        query = query.order_by(Initiative.counted_signatures.desc(), Initiative.id.desc())
    page = max(1, page)
    initiatives = db.session.scalars(
        query.options(selectinload(Initiative.type), selectinload(Initiative.organisation))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    counts = services.public_counts(list(initiatives))
    rows = []
    for initiative in initiatives:
        count = counts.get(initiative.id, services.Count(0, 0))
        state = services.effective_state(initiative, now, count.total)
        rows.append(ListRow(initiative, count, state, services.is_overdue(initiative, now)))
    return rows, total


def filter_choices() -> dict:
    types = db.session.scalars(select(InitiativeType).order_by(InitiativeType.id)).all()
    organisations = {t.organisation_id: t.organisation for t in types}
    topics = db.session.scalars(
        select(Initiative.topic)
        .where(Initiative.state.in_(PUBLIC_STATES), Initiative.topic.is_not(None))
        .distinct()
        .order_by(Initiative.topic)
        .limit(100)
    ).all()
    return {"types": types, "organisations": list(organisations.values()), "topics": topics}


def my_initiatives(user) -> list[Initiative]:
    return db.session.scalars(
        select(Initiative)
        .join(InitiativeAuthor, InitiativeAuthor.initiative_id == Initiative.id)
        .where(InitiativeAuthor.user_id == user.id)
        .order_by(Initiative.id.desc())
        .limit(100)
    ).all()


def review_queue() -> list[Initiative]:
    return db.session.scalars(
        select(Initiative)
        .where(Initiative.state == InitiativeState.in_review)
        .order_by(Initiative.submitted_at)
        .limit(200)
    ).all()


def public_signers(initiative: Initiative, limit: int = 50) -> list[tuple[str, object]]:
    """Names of the newest signers who chose to show them (nothing else)."""
    return db.session.execute(
        select(Signature.public_name, Signature.created_at)
        .where(Signature.initiative_id == initiative.id, Signature.public_name.is_not(None))
        .order_by(Signature.id.desc())
        .limit(limit)
    ).all()


def timeline(initiative: Initiative) -> list[TimelineEvent]:
    return db.session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.initiative_id == initiative.id)
        .options(selectinload(TimelineEvent.documents))
        .order_by(TimelineEvent.id)
        .limit(500)
    ).all()


def paper_batches(initiative: Initiative) -> list[PaperBatch]:
    return db.session.scalars(
        select(PaperBatch).where(PaperBatch.initiative_id == initiative.id).order_by(PaperBatch.received_on)
    ).all()


def daily_points(initiative: Initiative, limit: int = 120) -> list[tuple[str, int]]:
    """Signatures per day from the daily aggregate (never from scanning signatures)."""
    rows = db.session.execute(
        select(DailyCount.day, DailyCount.signatures)
        .where(DailyCount.initiative_id == initiative.id)
        .order_by(DailyCount.day.desc())
        .limit(limit)
    ).all()
    return [(format_date(day), n) for day, n in reversed(rows)]


def home_items() -> list:
    """Up to five collecting initiatives, most signed first, for the home page."""
    from participation.web.home import HomeItem

    now = db.utcnow()
    rows, _total = list_initiatives(now, status=InitiativeState.collecting.value, sort="most_signed")
    return [
        HomeItem(
            title=row.initiative.title,
            url=url_for("initiatives.show", initiative_id=row.initiative.id),
            meta=_(
                "%(count)s of %(threshold)s signatures",
                count=format_number(row.count.total),
                threshold=format_number(row.initiative.threshold),
            ),
        )
        for row in rows[:5]
    ]
