"""Reads of comment streams and counts, in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select
from werkzeug.exceptions import BadRequest

from participation import db
from participation.comments.models import Comment, CommentCount, CommentStatus, Position, StakeholderGroup
from participation.web.query import whole_number

ORDERS = ("newest", "oldest")
MAX_LIMIT = 100


class InvalidCursor(BadRequest):
    """A cursor that was not made by ``stream`` (or for another stream): a 400."""

    description = "invalid cursor"


@dataclass
class Thread:
    """A top-level comment with its replies and its near-identical copies (form letter)."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    #: Later near-identical comments grouped under this one (each with its replies).
    similar: list[Thread] = field(default_factory=list)


@dataclass
class StreamPage:
    subject_type: str
    subject_id: int
    threads: list[Thread]
    #: Opaque cursor of the next page, or None on the last page.
    next_cursor: str | None
    #: The filters that made this page (for links to the next page).
    part_id: int | str | None = None
    position: str | None = None
    stakeholder_group: str | None = None
    order: str = "newest"
    #: Latest public moderation action per hidden comment id (for tombstone links).
    actions: dict = field(default_factory=dict)

    def filters(self) -> dict:
        """Query-string arguments that reproduce the filters (for next-page links)."""
        values = {
            "part": "none" if self.part_id is None else self.part_id,
            "position": self.position,
            "group": self.stakeholder_group,
            "order": None if self.order == "newest" else self.order,
        }
        return {k: v for k, v in values.items() if v is not None}

    def next_url(self) -> str | None:
        """The current page's address with this stream's filters and the next cursor."""
        if not self.next_cursor:
            return None
        from flask import request, url_for

        args = {
            k: v for k, v in request.args.items() if k not in ("part", "position", "group", "order", "cursor")
        }
        args.update(self.filters())
        args["cursor"] = self.next_cursor
        return url_for(request.endpoint, **(request.view_args or {}), **args) + (
            f"#comments-{self.subject_type}-{self.subject_id}"
        )


def _serializer(subject_type: str, subject_id: int, order: str) -> URLSafeSerializer:
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"], salt=f"comment-cursor:{subject_type}:{subject_id}:{order}"
    )


def _decode_cursor(cursor: str, subject_type: str, subject_id: int, order: str) -> tuple[datetime, int]:
    try:
        created, comment_id = _serializer(subject_type, subject_id, order).loads(cursor)
        return datetime.fromisoformat(created), int(comment_id)
    except (BadSignature, ValueError, TypeError):
        raise InvalidCursor() from None


def _encode_cursor(comment: Comment, subject_type: str, subject_id: int, order: str) -> str:
    return _serializer(subject_type, subject_id, order).dumps([comment.created_at.isoformat(), comment.id])


def stream(
    subject_type: str,
    subject_id: int,
    part_id: int | str | None = None,
    position: Position | str | None = None,
    stakeholder_group: StakeholderGroup | str | None = None,
    order: str = "newest",
    cursor: str | None = None,
    limit: int = 20,
    viewer_id: int | None = None,
) -> StreamPage:
    """One page of top-level comments with their replies, copies and authors.

    ``part_id``: None for comments on the subject as a whole, ``"all"`` for
    every comment, or a part id. Keyset pagination on (created_at, id); an
    invalid cursor raises ``InvalidCursor`` (a 400). Pending comments appear
    only to their author (``viewer_id``). Three queries whatever the number of
    comments: the page, everything under it, the moderation actions.
    """
    if order not in ORDERS:
        raise BadRequest("invalid order")
    limit = max(1, min(int(limit), MAX_LIMIT))
    visible = Comment.status != CommentStatus.pending
    if viewer_id is not None:
        visible = or_(visible, Comment.author_id == viewer_id)
    conditions = [
        Comment.subject_type == subject_type,
        Comment.subject_id == subject_id,
        Comment.parent_id.is_(None),
        Comment.similar_to_id.is_(None),
        visible,
    ]
    if part_id is None:
        conditions.append(Comment.part_id.is_(None))
    elif part_id != "all":
        conditions.append(Comment.part_id == int(part_id))
    if position:
        conditions.append(Comment.position == Position(position))
    if stakeholder_group:
        conditions.append(Comment.stakeholder_group == StakeholderGroup(stakeholder_group))
    newest = order == "newest"
    if cursor:
        created, last_id = _decode_cursor(cursor, subject_type, subject_id, order)
        if newest:
            conditions.append(
                or_(Comment.created_at < created, and_(Comment.created_at == created, Comment.id < last_id))
            )
        else:
            conditions.append(
                or_(Comment.created_at > created, and_(Comment.created_at == created, Comment.id > last_id))
            )
    ordering = (Comment.created_at.desc(), Comment.id.desc()) if newest else (Comment.created_at, Comment.id)
    rows = list(db.session.scalars(select(Comment).where(*conditions).order_by(*ordering).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1], subject_type, subject_id, order)
    threads, actions = _assemble(rows, viewer_id)
    return StreamPage(
        subject_type=subject_type,
        subject_id=subject_id,
        threads=threads,
        next_cursor=next_cursor,
        part_id=part_id,
        position=str(position) if position else None,
        stakeholder_group=str(stakeholder_group) if stakeholder_group else None,
        order=order,
        actions=actions,
    )


def _assemble(rows: list[Comment], viewer_id: int | None) -> tuple[list[Thread], dict]:
    """Threads for top-level ``rows``: two more queries (everything under them, actions)."""
    threads = {c.id: Thread(c) for c in rows}
    under: list[Comment] = []
    if threads:
        ids = list(threads)
        copies = select(Comment.id).where(Comment.similar_to_id.in_(ids)).scalar_subquery()
        under_visible = Comment.status != CommentStatus.pending
        if viewer_id is not None:
            under_visible = or_(under_visible, Comment.author_id == viewer_id)
        under = list(
            db.session.scalars(
                select(Comment)
                .where(
                    or_(
                        Comment.parent_id.in_(ids),
                        and_(Comment.similar_to_id.in_(ids), Comment.parent_id.is_(None)),
                        Comment.parent_id.in_(copies),
                    ),
                    under_visible,
                )
                .order_by(Comment.created_at, Comment.id)
            )
        )
    copies_by_id: dict[int, Thread] = {}
    for c in under:
        if c.parent_id is None and c.similar_to_id in threads:
            copy = Thread(c)
            copies_by_id[c.id] = copy
            threads[c.similar_to_id].similar.append(copy)
    for c in under:
        if c.parent_id is not None:
            owner = threads.get(c.parent_id) or copies_by_id.get(c.parent_id)
            if owner is not None:
                owner.replies.append(c)
    hidden_ids = [c.id for c in [*rows, *under] if c.status == CommentStatus.hidden]
    return list(threads.values()), latest_actions("comment", hidden_ids)


def thread(top: Comment, viewer_id: int | None = None) -> StreamPage:
    """A page holding one top-level comment's thread (for its permalink)."""
    threads, actions = _assemble([top], viewer_id)
    return StreamPage(top.subject_type, top.subject_id, threads, None, part_id="all", actions=actions)


def part_arg(raw: str | None, default: int | str | None = "all") -> int | str | None:
    """The ``part`` filter of a query string: a part id, ``all``, or None for the
    subject as a whole (written ``none`` or ``whole``); ``default`` when absent; 400 otherwise."""
    if not raw:
        return default
    if raw == "all":
        return "all"
    if raw in ("none", "whole"):
        return None
    number = whole_number(raw)
    if number is None:
        raise BadRequest("invalid part")
    return number


def stream_for_request(
    subject_type: str,
    subject_id: int,
    default_part: int | str | None = "all",
    limit: int = 20,
    *,
    part_from_query: bool = True,
) -> StreamPage:
    """``stream`` with the filters of the current request's query string.

    Arguments: ``part`` (a part id, ``all``, or ``none``/``whole`` for the
    subject as a whole; ignored when ``part_from_query`` is false, as on a
    section's own page), ``position``, ``group``, ``order`` (newest/oldest),
    ``cursor``. Invalid values are a 400, never a 500.
    """
    from flask import request
    from flask_login import current_user

    args = request.args
    part = part_arg(args.get("part"), default_part) if part_from_query else default_part
    try:
        position = Position(args["position"]) if args.get("position") else None
        group = StakeholderGroup(args["group"]) if args.get("group") else None
    except ValueError:
        raise BadRequest("invalid filter") from None
    return stream(
        subject_type,
        subject_id,
        part_id=part,
        position=position,
        stakeholder_group=group,
        order=args.get("order") or "newest",
        cursor=args.get("cursor") or None,
        limit=limit,
        viewer_id=current_user.id if current_user.is_authenticated else None,
    )


def latest_actions(target_type: str, target_ids: list[int]) -> dict:
    """The latest hiding action (hide or automatic) of each target id, in one query."""
    from participation.moderation.models import ActionKind, ModerationAction

    if not target_ids:
        return {}
    actions = db.session.scalars(
        select(ModerationAction)
        .where(
            ModerationAction.target_type == target_type,
            ModerationAction.target_id.in_(target_ids),
            ModerationAction.kind.in_([ActionKind.hide, ActionKind.auto_hide, ActionKind.appeal_upheld]),
        )
        .order_by(ModerationAction.id)
    )
    return {action.target_id: action for action in actions}


def counts(subject_type: str, subject_id: int) -> dict[int, int]:
    """Published comments per part of a subject; key 0 is the whole subject (all parts)."""
    rows = db.session.execute(
        select(CommentCount.part_id, CommentCount.published_count).where(
            CommentCount.subject_type == subject_type, CommentCount.subject_id == subject_id
        )
    )
    result = {part_id: n for part_id, n in rows}
    result.setdefault(0, 0)
    return result


def counts_for(subject_type: str, subject_ids: list[int]) -> dict[int, int]:
    """Published comments of many subjects at once (whole subject), for lists."""
    if not subject_ids:
        return {}
    rows = db.session.execute(
        select(CommentCount.subject_id, CommentCount.published_count).where(
            CommentCount.subject_type == subject_type,
            CommentCount.subject_id.in_(subject_ids),
            CommentCount.part_id == 0,
        )
    )
    found = dict(rows.all())
    return {sid: found.get(sid, 0) for sid in subject_ids}


@dataclass(frozen=True)
class FormLetterGroup:
    #: The earliest comment of the group (shown; the others collapse under it).
    representative_comment_id: int
    #: Every comment of the group, the representative first, in posting order.
    comment_ids: list[int]


def form_letter_groups(subject_type: str, subject_id: int) -> list[FormLetterGroup]:
    """Groups of near-identical top-level comments (form letters), largest first.

    Hidden, deleted and pending comments are left out of the members (the
    representative itself may be any status, as in the stream).
    """
    rows = db.session.execute(
        select(Comment.similar_to_id, Comment.id)
        .where(
            Comment.subject_type == subject_type,
            Comment.subject_id == subject_id,
            Comment.similar_to_id.is_not(None),
            Comment.parent_id.is_(None),
            Comment.status == CommentStatus.published,
        )
        .order_by(Comment.created_at, Comment.id)
    )
    groups: dict[int, list[int]] = {}
    for representative, comment_id in rows:
        groups.setdefault(representative, [representative]).append(comment_id)
    result = [FormLetterGroup(rep, ids) for rep, ids in groups.items()]
    result.sort(key=lambda g: (-len(g.comment_ids), g.representative_comment_id))
    return result
