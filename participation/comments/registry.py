"""Which subjects take comments, and on what terms.

A domain registers one ``CommentPolicy`` per commentable subject type when its
views module is imported, after registering the type in ``participation.subjects``
(which gives the title, page, organisation and author):

    from participation.comments.registry import CommentPolicy, register_policy

    register_policy(CommentPolicy(
        subject_type="hearing",
        is_open=lambda hearing: hearing.effective_state(utcnow()) == HearingState.open,
        premoderated=lambda hearing: hearing.premoderated,
        required_level=lambda hearing: IdentityLevel.email,
        parts=lambda hearing: [(s.id, s.title) for s in hearing.sections],
        extra_fields=True,  # position, stakeholder group, on behalf of
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from participation import subjects
from participation.identity import IdentityLevel


@dataclass(frozen=True)
class CommentPolicy:
    #: A name registered in ``participation.subjects``.
    subject_type: str
    #: Whether new comments and replies are accepted now (edits and deletions too).
    is_open: Callable[[Any], bool] = lambda _subject: True
    #: Whether new comments wait for a moderator before they are shown.
    premoderated: Callable[[Any], bool] = lambda _subject: False
    #: The identity a person must have proven to comment.
    required_level: Callable[[Any], IdentityLevel] = lambda _subject: IdentityLevel.email
    #: The parts one may comment on (id, label), e.g. a hearing's sections; None if none.
    parts: Callable[[Any], list[tuple[int, str]] | None] = lambda _subject: None
    #: Whether the form asks for position, stakeholder group and "on behalf of".
    extra_fields: bool = False


_policies: dict[str, CommentPolicy] = {}


def register_policy(policy: CommentPolicy) -> CommentPolicy:
    """Make ``policy.subject_type`` commentable (idempotent; the last one wins)."""
    _policies[policy.subject_type] = policy
    return policy


def get_policy(subject_type: str) -> CommentPolicy | None:
    return _policies.get(subject_type)


def resolve(subject_type: str, subject_id: int) -> tuple[CommentPolicy, subjects.SubjectType, Any] | None:
    """The policy, the subject type and the subject, or None if any is unknown."""
    policy = _policies.get(subject_type)
    if policy is None:
        return None
    found = subjects.resolve(subject_type, subject_id)
    if found is None:
        return None
    return policy, found[0], found[1]


def policy_names() -> list[str]:
    return sorted(_policies)
