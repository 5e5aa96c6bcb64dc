"""Reads for the moderation queue and the public moderation log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from participation import db, subjects
from participation.comments.models import Comment, CommentStatus
from participation.moderation.models import ActionKind, Appeal, AppealStatus, Flag, ModerationAction

QUEUE_LIMIT = 200


@dataclass
class QueueItem:
    target_type: str
    target_id: int
    #: The item (None if it no longer exists).
    subject: object | None
    title: str
    url: str | None
    flag_count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    #: Notes written by the people who reported it (moderators only).
    notes: list[str] = field(default_factory=list)
    oldest: datetime | None = None
    pending: bool = False


def _describe(target_type: str, target_id: int) -> tuple[object | None, str, str | None]:
    found = subjects.resolve(target_type, target_id)
    if found is None:
        return None, subjects.label(target_type, target_id), None
    subject_type, subject = found
    return subject, subject_type.title(subject), subject_type.url(subject)


def queue(
    *,
    reason: str | None = None,
    target_type: str | None = None,
    older_than_hours: int | None = None,
    now: datetime | None = None,
) -> list[QueueItem]:
    """Items with open reports and comments waiting for approval, oldest first."""
    now = now or db.utcnow()
    cutoff = now - timedelta(hours=older_than_hours) if older_than_hours else None
    conditions = [Flag.resolved_at.is_(None)]
    if target_type:
        conditions.append(Flag.target_type == target_type)
    if reason:
        conditions.append(Flag.reason == reason)
    flags = db.session.scalars(select(Flag).where(*conditions).order_by(Flag.created_at, Flag.id).limit(2000))
    items: dict[tuple[str, int], QueueItem] = {}
    for report in flags:
        key = (report.target_type, report.target_id)
        item = items.get(key)
        if item is None:
            if len(items) >= QUEUE_LIMIT:
                continue
            subject, title, url = _describe(*key)
            item = items[key] = QueueItem(key[0], key[1], subject, title, url, oldest=report.created_at)
        item.flag_count += 1
        item.reasons[report.reason.value] = item.reasons.get(report.reason.value, 0) + 1
        if report.note:
            item.notes.append(report.note)
    if not reason and target_type in (None, "comment"):
        pending = db.session.scalars(
            select(Comment)
            .where(Comment.status == CommentStatus.pending)
            .order_by(Comment.created_at, Comment.id)
            .limit(QUEUE_LIMIT)
        )
        for comment in pending:
            key = ("comment", comment.id)
            if key not in items:
                subject, title, url = _describe(*key)
                items[key] = QueueItem("comment", comment.id, subject, title, url, oldest=comment.created_at)
            items[key].pending = True
    result = [i for i in items.values() if cutoff is None or (i.oldest and i.oldest <= cutoff)]
    result.sort(key=lambda i: i.oldest or now)
    return result


def actions_on(target_type: str, target_id: int) -> list[ModerationAction]:
    return list(
        db.session.scalars(
            select(ModerationAction)
            .where(ModerationAction.target_type == target_type, ModerationAction.target_id == target_id)
            .order_by(ModerationAction.id)
        )
    )


LOG_PAGE_SIZE = 50


def log_page(
    before_id: int | None = None, limit: int = LOG_PAGE_SIZE
) -> tuple[list[ModerationAction], int | None]:
    """A page of the public log, newest first, and the id to continue from."""
    query = select(ModerationAction).order_by(ModerationAction.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(ModerationAction.id < before_id)
    rows = list(db.session.scalars(query))
    more = rows[limit].id + 1 if len(rows) > limit else None
    return rows[:limit], more


def counts_by_reason() -> list[tuple[str, int]]:
    """Decisions that hid something or blocked someone, per public reason."""
    rows = db.session.execute(
        select(ModerationAction.reason, func.count(ModerationAction.id))
        .where(
            ModerationAction.kind.in_([ActionKind.hide, ActionKind.auto_hide, ActionKind.block_user]),
            ModerationAction.reason.is_not(None),
        )
        .group_by(ModerationAction.reason)
        .order_by(func.count(ModerationAction.id).desc())
    )
    return [(reason, n) for reason, n in rows]


def counts_by_month() -> list[tuple[str, int]]:
    """Every moderation action per month (``YYYY-MM``, UTC), oldest first."""
    if db.database().is_sqlite:
        month = func.strftime("%Y-%m", ModerationAction.created_at)
    else:
        month = func.to_char(ModerationAction.created_at, "YYYY-MM")
    rows = db.session.execute(
        select(month.label("month"), func.count(ModerationAction.id)).group_by("month").order_by("month")
    )
    return [(m, n) for m, n in rows]


def counts_by_kind() -> dict[str, int]:
    rows = db.session.execute(
        select(ModerationAction.kind, func.count(ModerationAction.id)).group_by(ModerationAction.kind)
    )
    return {kind.value: n for kind, n in rows}


def decisions_about(user_id: int) -> list[tuple[ModerationAction, Appeal | None]]:
    """Decisions about a person's content or account, newest first, with their appeals."""
    actions = list(
        db.session.scalars(
            select(ModerationAction)
            .where(ModerationAction.target_author_id == user_id)
            .order_by(ModerationAction.id.desc())
            .limit(200)
        )
    )
    appeals = {}
    if actions:
        appeals = {
            a.action_id: a
            for a in db.session.scalars(select(Appeal).where(Appeal.action_id.in_([x.id for x in actions])))
        }
    return [(action, appeals.get(action.id)) for action in actions]


def appeal_for(action_id: int) -> Appeal | None:
    return db.session.scalars(select(Appeal).where(Appeal.action_id == action_id)).first()


def pending_appeals() -> list[Appeal]:
    return list(
        db.session.scalars(
            select(Appeal).where(Appeal.status == AppealStatus.pending).order_by(Appeal.created_at, Appeal.id)
        )
    )
