"""Posting, editing and withdrawing comments; moderation primitives; counts.

Services flush and never commit; the view commits once. Every change to a
published comment adjusts ``comment_counts`` in the same transaction with an
atomic ``count = count + delta``, and ``reconcile`` proves counts equal rows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from participation import db, text
from participation.accounts.models import User
from participation.comments import registry
from participation.comments.models import (
    PENDING_REVIEW,
    Comment,
    CommentCount,
    CommentRevision,
    CommentStatus,
    Position,
    StakeholderGroup,
)
from participation.events import Event, publish
from participation.identity import IdentityLevel

log = logging.getLogger(__name__)

#: Defaults of the settings (config key, or environment PARTICIPATION_<KEY>).
DEFAULTS = {
    "COMMENT_MAX_LENGTH": 5000,
    "COMMENT_EDIT_MINUTES": 15,
    "COMMENT_RATE_LIMIT": "5 per minute;60 per day",
    "FLAG_RATE_LIMIT": "20 per hour",
    "FLAG_HIDE_THRESHOLD": 3,
    "NEW_ACCOUNT_DAYS": 3,
    "NEW_ACCOUNT_MIN_COMMENTS": 3,
    "NEW_ACCOUNT_MAX_LINKS": 2,
    #: Letters (after normalisation) a text needs before it can be grouped as a form letter.
    "FORM_LETTER_MIN_LETTERS": 40,
    "FORM_LETTER_SIMILARITY": 0.8,
}


def setting(name: str):
    """A comments/moderation setting: app config, then PARTICIPATION_<NAME>, then the default."""
    default = DEFAULTS[name]
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(f"PARTICIPATION_{name}")
    if value is None or value == "":
        return default
    if isinstance(default, int) and not isinstance(value, int):
        return int(value)
    if isinstance(default, float) and not isinstance(value, float):
        return float(value)
    return value


class CommentError(Exception):
    """A refusal the person can understand; ``code`` picks the message."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# --- posting ---------------------------------------------------------------


def post_comment(
    *,
    author: User,
    subject_type: str,
    subject_id: int,
    body: str,
    part_id: int | None = None,
    parent: Comment | None = None,
    position: Position | str | None = None,
    stakeholder_group: StakeholderGroup | str | None = None,
    on_behalf_of: str | None = None,
    now: datetime | None = None,
) -> Comment:
    """Post a comment or a reply as ``author``; returns it (flushed).

    Refuses (CommentError) unknown or closed subjects, people without the
    required identity level or blocked, unknown parts, empty or too long text,
    too many links from a new account, and extra fields on subjects without
    them. A reply to a reply attaches to the top-level comment. On a
    pre-moderated subject the comment waits (``pending``) for a moderator.
    Counts and events follow in the same transaction.
    """
    now = now or db.utcnow()
    found = registry.resolve(subject_type, subject_id)
    if found is None:
        raise CommentError("unknown_subject")
    policy, _type, subject = found
    check_can_post(author, policy, subject, now)
    if parent is not None:
        if parent.subject_type != subject_type or parent.subject_id != subject_id:
            raise CommentError("bad_parent")
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
        if parent is None or parent.status != CommentStatus.published:
            raise CommentError("bad_parent")
        part_id = parent.part_id
    elif part_id is not None:
        parts = policy.parts(subject) or []
        if part_id not in {pid for pid, _label in parts}:
            raise CommentError("bad_part")
    if not policy.extra_fields and (position or stakeholder_group or on_behalf_of):
        raise CommentError("no_extra_fields")
    cleaned = _clean_body(body)
    _check_links(author, cleaned, now)
    organisation = text.clean_text(on_behalf_of or "", max_length=200, multiline=False) or None
    comment = Comment(
        subject_type=subject_type,
        subject_id=subject_id,
        part_id=part_id,
        parent_id=parent.id if parent is not None else None,
        author_id=author.id,
        author=author,
        body=cleaned,
        status=CommentStatus.pending if policy.premoderated(subject) else CommentStatus.published,
        position=Position(position) if position else None,
        stakeholder_group=StakeholderGroup(stakeholder_group) if stakeholder_group else None,
        on_behalf_of=organisation,
        created_at=now,
    )
    _set_similarity(comment)
    db.session.add(comment)
    db.session.flush()
    if parent is None:
        _assign_form_letter_group(comment)
    if comment.status == CommentStatus.published:
        _announce_published(comment, parent)
    log.info("comment %s posted on %s:%s (%s)", comment.id, subject_type, subject_id, comment.status)
    return comment


def check_can_post(user: User, policy: registry.CommentPolicy, subject, now: datetime) -> None:
    """Raise CommentError unless ``user`` may post on ``subject`` now."""
    from participation.moderation.services import active_block

    if user is None or not getattr(user, "is_authenticated", False) or user.is_deleted:
        raise CommentError("sign_in")
    if not policy.is_open(subject):
        raise CommentError("closed")
    required = policy.required_level(subject)
    if not user.has_identity_level(required):
        raise CommentError(
            "identity" if required <= IdentityLevel.email else "identity_id", level=required.name
        )
    block = active_block(user, now)
    if block is not None:
        raise CommentError("blocked", until=block.until)


def _clean_body(body: str) -> str:
    limit = setting("COMMENT_MAX_LENGTH")
    try:
        cleaned = text.clean_text(body or "", max_length=limit)
    except text.TextTooLong as exc:
        raise CommentError("too_long", limit=limit, length=getattr(exc, "length", None)) from None
    if not cleaned:
        raise CommentError("empty")
    return cleaned


def is_new_account(user: User, now: datetime) -> bool:
    """Younger than NEW_ACCOUNT_DAYS with fewer than NEW_ACCOUNT_MIN_COMMENTS published comments."""
    if user.created_at > now - timedelta(days=setting("NEW_ACCOUNT_DAYS")):
        published = db.session.scalar(
            select(func.count(Comment.id)).where(
                Comment.author_id == user.id, Comment.status == CommentStatus.published
            )
        )
        return published < setting("NEW_ACCOUNT_MIN_COMMENTS")
    return False


def _check_links(user: User, body: str, now: datetime) -> None:
    limit = setting("NEW_ACCOUNT_MAX_LINKS")
    if text.count_links(body) > limit and is_new_account(user, now):
        raise CommentError("too_many_links", limit=limit)


def _announce_published(comment: Comment, parent: Comment | None = None) -> None:
    """Count the comment and publish ``comment.published`` (and ``comment.replied``)."""
    adjust_count(comment, +1)
    publish(
        Event(
            kind="comment.published",
            subject_type=comment.subject_type,
            subject_id=comment.subject_id,
            payload=_payload(comment),
            actor_id=comment.author_id,
        )
    )
    if parent is None and comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
    if parent is not None and parent.author_id != comment.author_id and not parent.author.is_deleted:
        publish(
            Event(
                kind="comment.replied",
                subject_type=comment.subject_type,
                subject_id=comment.subject_id,
                payload=_payload(comment),
                actor_id=comment.author_id,
                recipient_ids=[parent.author_id],
                public=False,
            )
        )


def _payload(comment: Comment, **extra) -> dict:
    payload = {
        "comment_id": comment.id,
        "subject_type": comment.subject_type,
        "subject_id": comment.subject_id,
        "part_id": comment.part_id,
        "parent_id": comment.parent_id,
    }
    payload.update(extra)
    return payload


# --- form letters ----------------------------------------------------------


def _signed64(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


def _set_similarity(comment: Comment) -> None:
    comment.fingerprint = text.fingerprint(comment.body)
    h = text.simhash(comment.body)
    comment.simhash = _signed64(h)
    comment.simhash_band0 = h & 0xFFFF
    comment.simhash_band1 = (h >> 16) & 0xFFFF
    comment.simhash_band2 = (h >> 32) & 0xFFFF
    comment.simhash_band3 = (h >> 48) & 0xFFFF


def _groupable(body: str) -> bool:
    letters = text.normalise_for_similarity(body).replace(" ", "")
    return len(letters) >= setting("FORM_LETTER_MIN_LETTERS")


def _assign_form_letter_group(comment: Comment) -> None:
    """Join the comment to an earlier near-identical top-level comment of the subject.

    Candidates share the fingerprint or one simhash band (indexed); each is
    confirmed with ``text.similarity``. The group's representative is its
    earliest comment, so groups never chain.
    """
    comment.similar_to_id = None
    if not _groupable(comment.body):
        return
    candidates = db.session.execute(
        select(Comment.id, Comment.body, Comment.fingerprint)
        .where(
            Comment.subject_type == comment.subject_type,
            Comment.subject_id == comment.subject_id,
            Comment.parent_id.is_(None),
            Comment.similar_to_id.is_(None),
            Comment.id != comment.id,
            Comment.status != CommentStatus.deleted,
            or_(
                Comment.fingerprint == comment.fingerprint,
                Comment.simhash_band0 == comment.simhash_band0,
                Comment.simhash_band1 == comment.simhash_band1,
                Comment.simhash_band2 == comment.simhash_band2,
                Comment.simhash_band3 == comment.simhash_band3,
            ),
        )
        .order_by(Comment.created_at, Comment.id)
        .limit(50)
    ).all()
    threshold = setting("FORM_LETTER_SIMILARITY")
    for candidate_id, body, fingerprint in candidates:
        if fingerprint == comment.fingerprint or text.similarity(body, comment.body) >= threshold:
            comment.similar_to_id = candidate_id
            db.session.flush()
            return


# --- editing and withdrawing -------------------------------------------------


def edit_window() -> timedelta:
    return timedelta(minutes=setting("COMMENT_EDIT_MINUTES"))


def can_still_edit(comment: Comment, now: datetime | None = None) -> bool:
    now = now or db.utcnow()
    return comment.status in (CommentStatus.published, CommentStatus.pending) and now <= (
        comment.created_at + edit_window()
    )


def edit_comment(comment: Comment, user: User, body: str, now: datetime | None = None) -> Comment:
    """Replace the text; the former text is kept in the public history.

    Only the author, only within the edit window, only while published or
    pending, and never while blocked.
    """
    from participation.moderation.services import active_block

    now = now or db.utcnow()
    if user is None or comment.author_id != user.id:
        raise CommentError("not_author")
    if not can_still_edit(comment, now):
        raise CommentError("edit_window")
    if active_block(user, now) is not None:
        raise CommentError("blocked")
    cleaned = _clean_body(body)
    if cleaned == comment.body:
        return comment
    _check_links(user, cleaned, now)
    db.session.add(
        CommentRevision(
            comment=comment,
            body=comment.body,
            written_at=comment.edited_at or comment.created_at,
            replaced_at=now,
        )
    )
    comment.body = cleaned
    comment.edited_at = now
    _set_similarity(comment)
    if comment.parent_id is None and comment.similar_to_id is not None:
        _assign_form_letter_group(comment)
    db.session.flush()
    if comment.status == CommentStatus.published:
        publish(
            Event(
                kind="comment.edited",
                subject_type=comment.subject_type,
                subject_id=comment.subject_id,
                payload=_payload(comment, revision_count=len(comment.revisions)),
                actor_id=user.id,
            )
        )
    return comment


def delete_comment(comment: Comment, user: User, now: datetime | None = None) -> Comment:
    """Withdraw the author's own comment: a tombstone stays, the text and history go.

    Replies stay visible under the tombstone. A hidden comment cannot be
    withdrawn (the moderation decision and any appeal stay meaningful).
    """
    now = now or db.utcnow()
    if user is None or comment.author_id != user.id:
        raise CommentError("not_author")
    if comment.status not in (CommentStatus.published, CommentStatus.pending):
        raise CommentError("not_deletable")
    if comment.status == CommentStatus.published:
        adjust_count(comment, -1)
    comment.status = CommentStatus.deleted
    comment.deleted_at = now
    comment.body = ""
    comment.revisions.clear()
    comment.fingerprint = None
    comment.simhash = None
    comment.simhash_band0 = comment.simhash_band1 = comment.simhash_band2 = comment.simhash_band3 = None
    db.session.flush()
    publish(
        Event(
            kind="comment.deleted",
            subject_type=comment.subject_type,
            subject_id=comment.subject_id,
            payload=_payload(comment),
            actor_id=user.id,
        )
    )
    return comment


# --- moderation primitives (called by participation.moderation) ---------------


def hide_comment(comment: Comment, reason: str) -> None:
    """Hide with a public reason code; the comment stays as a tombstone."""
    if comment.status == CommentStatus.deleted:
        raise CommentError("not_hideable")
    if comment.status == CommentStatus.published:
        adjust_count(comment, -1)
    comment.status = CommentStatus.hidden
    comment.hidden_reason = reason
    db.session.flush()


def restore_comment(comment: Comment) -> None:
    """Show a hidden comment again."""
    if comment.status != CommentStatus.hidden:
        raise CommentError("not_hidden")
    comment.status = CommentStatus.published
    comment.hidden_reason = None
    adjust_count(comment, +1)
    db.session.flush()


def approve_comment(comment: Comment) -> None:
    """Publish a pre-moderated comment (counted and announced from now)."""
    if comment.status != CommentStatus.pending:
        raise CommentError("not_pending")
    comment.status = CommentStatus.published
    db.session.flush()
    _announce_published(comment)


def is_hidden_pending_review(comment: Comment) -> bool:
    return comment.status == CommentStatus.hidden and comment.hidden_reason == PENDING_REVIEW


# --- counts ---------------------------------------------------------------------


def adjust_count(comment: Comment, delta: int) -> None:
    """Add ``delta`` to the subject's and the part's published counts, atomically."""
    parts = [0] if comment.part_id is None else [0, comment.part_id]
    for part in parts:
        statement = db.insert(CommentCount).values(
            subject_type=comment.subject_type,
            subject_id=comment.subject_id,
            part_id=part,
            published_count=max(delta, 0),
        )
        statement = statement.on_conflict_do_update(
            index_elements=["subject_type", "subject_id", "part_id"],
            set_={"published_count": CommentCount.published_count + delta},
        )
        db.session.execute(statement)


@dataclass(frozen=True)
class CountMismatch:
    subject_type: str
    subject_id: int
    part_id: int
    stored: int
    actual: int


def reconcile(fix: bool = True) -> list[CountMismatch]:
    """Compare every stored count with the published rows; correct them if ``fix``.

    Returns the mismatches found (empty when counts equal rows).
    """
    actual: dict[tuple[str, int, int], int] = {}
    published = Comment.status == CommentStatus.published
    for subject_type, subject_id, n in db.session.execute(
        select(Comment.subject_type, Comment.subject_id, func.count(Comment.id))
        .where(published)
        .group_by(Comment.subject_type, Comment.subject_id)
    ):
        actual[(subject_type, subject_id, 0)] = n
    for subject_type, subject_id, part_id, n in db.session.execute(
        select(Comment.subject_type, Comment.subject_id, Comment.part_id, func.count(Comment.id))
        .where(published, Comment.part_id.is_not(None))
        .group_by(Comment.subject_type, Comment.subject_id, Comment.part_id)
    ):
        actual[(subject_type, subject_id, part_id)] = n
    stored = {
        (row.subject_type, row.subject_id, row.part_id): row
        for row in db.session.scalars(select(CommentCount))
    }
    mismatches = []
    for key in sorted(set(actual) | set(stored), key=lambda k: (k[0], k[1], k[2])):
        have = stored[key].published_count if key in stored else 0
        want = actual.get(key, 0)
        if have != want:
            mismatches.append(CountMismatch(*key, stored=have, actual=want))
            if fix:
                if key in stored:
                    stored[key].published_count = want
                else:
                    db.session.add(
                        CommentCount(
                            subject_type=key[0], subject_id=key[1], part_id=key[2], published_count=want
                        )
                    )
    db.session.flush()
    return mismatches
