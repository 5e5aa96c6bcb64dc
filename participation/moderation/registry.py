"""Which items can be flagged and moderated, and how a domain hides them.

Comments register themselves; other domains register at import of their views
(after ``participation.subjects.register``, which gives title, page and author):

    from participation.moderation.registry import FlaggablePolicy, register_flaggable

    register_flaggable(FlaggablePolicy(
        subject_type="initiative",
        hide=lambda initiative, reason: services.hide(initiative, reason),
        restore=lambda initiative: services.restore(initiative),
        is_hidden=lambda initiative: initiative.hidden_reason is not None,
    ))

``hide`` and ``restore`` flush and never commit; the moderation service records
the public action and the events around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from participation import subjects


@dataclass(frozen=True)
class FlaggablePolicy:
    #: A name registered in ``participation.subjects``.
    subject_type: str
    #: Hide the item with a public reason code (a FlagReason value or ``pending_review``).
    hide: Callable[[Any, str], None]
    #: Make a hidden item visible again.
    restore: Callable[[Any], None]
    is_hidden: Callable[[Any], bool]
    #: Items waiting for approval (pre-moderation), if the type has them.
    is_pending: Callable[[Any], bool] = lambda _subject: False
    #: Publish an item waiting for approval.
    approve: Callable[[Any], None] | None = None
    #: Whether the item can still be flagged (e.g. not deleted by its author).
    can_be_flagged: Callable[[Any], bool] = lambda _subject: True


_policies: dict[str, FlaggablePolicy] = {}


def register_flaggable(policy: FlaggablePolicy) -> FlaggablePolicy:
    _policies[policy.subject_type] = policy
    return policy


def get_flaggable(subject_type: str) -> FlaggablePolicy | None:
    return _policies.get(subject_type)


def resolve(target_type: str, target_id: int) -> tuple[FlaggablePolicy, subjects.SubjectType, Any] | None:
    policy = _policies.get(target_type)
    if policy is None:
        return None
    found = subjects.resolve(target_type, target_id)
    if found is None:
        return None
    return policy, found[0], found[1]


def flaggable_names() -> list[str]:
    return sorted(_policies)
