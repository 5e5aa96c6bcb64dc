"""Who may do what with comments. Plain predicates, shared by views and templates."""

from __future__ import annotations

from participation import db
from participation.accounts.permissions import is_moderator
from participation.comments import registry
from participation.comments.models import Comment, CommentStatus


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and not user.is_deleted)


def comment_refusal(user, subject_type: str, subject) -> str | None:
    """Why ``user`` may not comment on ``subject`` now (a CommentError code), or None."""
    from participation.comments.services import CommentError, check_can_post

    policy = registry.get_policy(subject_type)
    if policy is None or subject is None:
        return "unknown_subject"
    try:
        check_can_post(user, policy, subject, db.utcnow())
    except CommentError as exc:
        return exc.code
    return None


def can_comment(user, subject_type: str, subject) -> bool:
    return comment_refusal(user, subject_type, subject) is None


def can_reply(user, comment: Comment, subject=None) -> bool:
    if comment.status != CommentStatus.published or not _signed_in(user):
        return False
    if subject is None:
        found = registry.resolve(comment.subject_type, comment.subject_id)
        subject = found[2] if found else None
    return can_comment(user, comment.subject_type, subject)


def can_edit(user, comment: Comment) -> bool:
    from participation.comments.services import can_still_edit

    return _signed_in(user) and comment.author_id == user.id and can_still_edit(comment)


def can_delete(user, comment: Comment) -> bool:
    return (
        _signed_in(user)
        and comment.author_id == user.id
        and comment.status in (CommentStatus.published, CommentStatus.pending)
    )


def can_flag(user, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id != user.id and comment.status == CommentStatus.published


def can_see_text(user, comment: Comment) -> bool:
    """Published text is public; pending or hidden text only for its author and moderators."""
    if comment.status == CommentStatus.published:
        return True
    if comment.status in (CommentStatus.pending, CommentStatus.hidden):
        return _signed_in(user) and (comment.author_id == user.id or is_moderator(user))
    return False


TEMPLATE_PREDICATES = {
    "can_comment": can_comment,
    "comment_refusal": comment_refusal,
    "can_reply": can_reply,
    "can_edit_comment": can_edit,
    "can_delete_comment": can_delete,
    "can_flag_comment": can_flag,
    "can_see_comment_text": can_see_text,
}
