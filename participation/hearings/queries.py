"""Reads of hearings: lists, questionnaire results, report statistics.

Every function here does a fixed number of queries, whatever the number of
comments or answers behind it (aggregates are computed by the database with
GROUP BY on indexed columns, or read from the comment counts table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from sqlalchemy import and_, case, exists, func, literal, select, union
from sqlalchemy.orm import selectinload

from participation import db
from participation.comments.models import Comment, CommentStatus
from participation.hearings.models import (
    DispositionOutcome,
    Hearing,
    HearingAnswer,
    HearingAnswerChoice,
    HearingChoice,
    HearingDisposition,
    HearingQuestion,
    HearingStatus,
    HearingVersion,
    LawType,
)
from participation.i18n import localized

#: Hearings per list page.
PAGE_SIZE = 20
#: Comments per page in the report and the disposition queue.
REPORT_PAGE_SIZE = 50


# -- effective status in SQL ---------------------------------------------------


def effective_status(now: datetime):
    """SQL for ``Hearing.status_at(now)``, so lists filter and sort by the clock."""
    return case(
        (
            and_(Hearing.status.in_([HearingStatus.scheduled, HearingStatus.open]), Hearing.closes_at <= now),
            literal(HearingStatus.closed.value),
        ),
        (
            and_(Hearing.status == HearingStatus.scheduled, Hearing.opens_at <= now),
            literal(HearingStatus.open.value),
        ),
        else_=Hearing.status,
    )


_STATUS_ORDER = {
    HearingStatus.open.value: 0,
    HearingStatus.scheduled.value: 1,
    HearingStatus.closed.value: 2,
    HearingStatus.report_published.value: 3,
    HearingStatus.draft.value: 4,
}


@dataclass
class HearingList:
    hearings: list[Hearing]
    page: int
    has_next: bool
    comment_counts: dict[int, int] = field(default_factory=dict)


def public_hearings(
    now: datetime,
    *,
    status: str | None = None,
    organisation_id: int | None = None,
    law_type: str | None = None,
    page: int = 1,
) -> HearingList:
    """Hearings the public may see (not drafts), open ones first, then by closing time."""
    from participation.comments.queries import counts_for

    state = effective_status(now)
    order = case(*((state == value, rank) for value, rank in _STATUS_ORDER.items()), else_=9)
    query = select(Hearing).where(Hearing.status != HearingStatus.draft)
    if status:
        query = query.where(state == HearingStatus(status).value)
    if organisation_id:
        query = query.where(Hearing.organisation_id == organisation_id)
    if law_type:
        query = query.where(Hearing.law_type == LawType(law_type))
    page = max(1, page)
    query = (
        query.order_by(
            order,
            case((state == "open", Hearing.closes_at), else_=None),
            Hearing.closes_at.desc(),
            Hearing.id.desc(),
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(db.session.scalars(query).unique())
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return HearingList(rows, page, has_next, counts_for("hearing", [h.id for h in rows]))


def staff_hearings(user) -> list[Hearing]:
    """The hearings of the organisations ``user`` works for, drafts included."""
    org_ids = user.organisation_ids
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            select(Hearing).where(Hearing.organisation_id.in_(org_ids)).order_by(Hearing.id.desc()).limit(100)
        ).unique()
    )


def days_left(hearing: Hearing, now: datetime) -> int:
    """Whole days until closing, rounding up (a hearing closing in 2 hours has 1 day left)."""
    seconds = (hearing.closes_at - now).total_seconds()
    return max(0, int(-(-seconds // 86400)))


def home_items():
    """Up to five hearings open now, closing soonest first (for the home page)."""
    from participation.i18n import ngettext
    from participation.web.home import HomeItem

    now = db.utcnow()
    listing = public_hearings(now, status=HearingStatus.open.value)
    hearings = sorted(listing.hearings, key=lambda h: h.closes_at)[:5]
    items = []
    for hearing in hearings:
        days = days_left(hearing, now)
        meta = " · ".join(
            [
                localized(hearing.organisation, "name"),
                ngettext("%(num)d day left", "%(num)d days left", days),
            ]
        )
        items.append(
            HomeItem(localized(hearing, "title"), url_for("hearings.show", hearing_id=hearing.id), meta)
        )
    return items


def load_hearing(hearing_id: int) -> Hearing | None:
    """A hearing with its co-hosts, versions and sections, questions and attachments."""
    return (
        db.session.scalars(
            select(Hearing)
            .where(Hearing.id == hearing_id)
            .options(
                selectinload(Hearing.co_hosts),
                selectinload(Hearing.versions).selectinload(HearingVersion.sections),
                selectinload(Hearing.questions).selectinload(HearingQuestion.choices),
                selectinload(Hearing.attachments),
                selectinload(Hearing.extensions),
            )
        )
        .unique()
        .one_or_none()
    )


# -- the questionnaire -----------------------------------------------------------


@dataclass
class ChoiceResult:
    choice: HearingChoice
    count: int
    percent: float


@dataclass
class QuestionResult:
    question: HearingQuestion
    respondents: int
    choices: list[ChoiceResult]


def questionnaire_results(hearing: Hearing) -> list[QuestionResult]:
    """Answers so far per choice, in two grouped queries whatever the number of answers."""
    if not hearing.questions:
        return []
    per_choice = dict(
        db.session.execute(
            select(HearingAnswerChoice.choice_id, func.count())
            .join(HearingAnswer, HearingAnswer.id == HearingAnswerChoice.answer_id)
            .where(HearingAnswer.hearing_id == hearing.id)
            .group_by(HearingAnswerChoice.choice_id)
        ).all()
    )
    per_question = dict(
        db.session.execute(
            select(HearingAnswer.question_id, func.count())
            .where(HearingAnswer.hearing_id == hearing.id)
            .group_by(HearingAnswer.question_id)
        ).all()
    )
    results = []
    for question in hearing.questions:
        respondents = per_question.get(question.id, 0)
        choices = [
            ChoiceResult(
                c,
                per_choice.get(c.id, 0),
                round(100 * per_choice.get(c.id, 0) / respondents, 1) if respondents else 0.0,
            )
            for c in question.choices
        ]
        results.append(QuestionResult(question, respondents, choices))
    return results


def answers_of(user, hearing: Hearing) -> dict[int, tuple[list[int], str]]:
    """``user``'s current answers: question id -> (choice ids, reason)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    answers = db.session.scalars(
        select(HearingAnswer)
        .where(HearingAnswer.hearing_id == hearing.id, HearingAnswer.user_id == user.id)
        .options(selectinload(HearingAnswer.choices))
    )
    return {a.question_id: ([c.choice_id for c in a.choices], a.reason or "") for a in answers}


# -- comments that need an answer ------------------------------------------------


def _answerable(hearing_id: int):
    """Comments that the report must answer: published top-level comments on the hearing.

    Replies are conversation between readers; hidden comments (moderation)
    and withdrawn ones leave a public tombstone instead; pending ones were
    never published.
    """
    return and_(
        Comment.subject_type == "hearing",
        Comment.subject_id == hearing_id,
        Comment.parent_id.is_(None),
        Comment.status == CommentStatus.published,
    )


def answerable_comment_ids(hearing: Hearing, ids: list[int]) -> list[int]:
    return list(db.session.scalars(select(Comment.id).where(_answerable(hearing.id), Comment.id.in_(ids))))


def _undisposed():
    return ~exists().where(HearingDisposition.comment_id == Comment.id).correlate(Comment)


def undisposed_count(hearing: Hearing) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Comment).where(_answerable(hearing.id), _undisposed())
    )


def comment_ids_by_author(hearing: Hearing) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    for author_id, comment_id in db.session.execute(
        select(Comment.author_id, Comment.id).where(_answerable(hearing.id)).order_by(Comment.id)
    ):
        result.setdefault(author_id, []).append(comment_id)
    return result


@dataclass
class ReportEntry:
    comment: Comment
    disposition: HearingDisposition | None


@dataclass
class ReportPage:
    entries: list[ReportEntry]
    next_after: int | None


def report_entries(
    hearing: Hearing,
    *,
    after: int | None = None,
    part: int | str | None = "all",
    only_undisposed: bool = False,
    limit: int = REPORT_PAGE_SIZE,
) -> ReportPage:
    """One page of answerable comments with their dispositions, in posting order (one query)."""
    conditions = [_answerable(hearing.id)]
    if after:
        conditions.append(Comment.id > after)
    if part is None or part == "whole":
        conditions.append(Comment.part_id.is_(None))
    elif part != "all":
        conditions.append(Comment.part_id == int(part))
    if only_undisposed:
        conditions.append(HearingDisposition.id.is_(None))
    rows = db.session.execute(
        select(Comment, HearingDisposition)
        .outerjoin(HearingDisposition, HearingDisposition.comment_id == Comment.id)
        .where(*conditions)
        .order_by(Comment.id)
        .limit(limit + 1)
    ).all()
    next_after = rows[limit - 1][0].id if len(rows) > limit else None
    return ReportPage([ReportEntry(c, d) for c, d in rows[:limit]], next_after)


def disposition_of(comment_id: int) -> HearingDisposition | None:
    return db.session.scalar(select(HearingDisposition).where(HearingDisposition.comment_id == comment_id))


def dispositions_for(comment_ids: list[int]) -> dict[int, HearingDisposition]:
    """The answers of the comments on one stream page (one query)."""
    if not comment_ids:
        return {}
    rows = db.session.scalars(
        select(HearingDisposition).where(HearingDisposition.comment_id.in_(comment_ids))
    )
    return {d.comment_id: d for d in rows}


# -- report statistics -----------------------------------------------------------


@dataclass
class ReportStatistics:
    participants: int
    comments: int
    respondents: int
    #: (section id or None for the whole draft, number of comments)
    per_section: list[tuple[int | None, int]]
    positions: list[tuple[str | None, int]]
    groups: list[tuple[str | None, int]]
    outcomes: list[tuple[str, int]]


def report_statistics(hearing: Hearing) -> ReportStatistics:
    """What the system counts for the report, in six grouped queries."""
    answerable = _answerable(hearing.id)
    people = union(
        select(Comment.author_id.label("uid")).where(answerable),
        select(HearingAnswer.user_id.label("uid")).where(HearingAnswer.hearing_id == hearing.id),
    ).subquery()
    participants = db.session.scalar(select(func.count()).select_from(people)) or 0
    respondents = (
        db.session.scalar(
            select(func.count(func.distinct(HearingAnswer.user_id))).where(
                HearingAnswer.hearing_id == hearing.id
            )
        )
        or 0
    )

    def grouped(column):
        return [
            (getattr(k, "value", k), n)
            for k, n in db.session.execute(
                select(column, func.count()).where(answerable).group_by(column).order_by(func.count().desc())
            ).all()
        ]

    per_section = grouped(Comment.part_id)
    positions = grouped(Comment.position)
    groups = grouped(Comment.stakeholder_group)
    outcome_rows = dict(
        db.session.execute(
            select(HearingDisposition.outcome, func.count())
            .join(Comment, Comment.id == HearingDisposition.comment_id)
            .where(answerable)
            .group_by(HearingDisposition.outcome)
        ).all()
    )
    outcomes = [(o.value, outcome_rows.get(o, 0)) for o in DispositionOutcome]
    comments = sum(n for _k, n in per_section)
    return ReportStatistics(participants, comments, respondents, per_section, positions, groups, outcomes)
