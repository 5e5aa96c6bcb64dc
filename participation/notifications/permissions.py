"""Who may follow, and whose subscriptions one may change.

Plain predicates returning bool, used by views and templates alike.
"""

from __future__ import annotations


def can_follow(user) -> bool:
    """Signed-in accounts follow with one button; others subscribe with an address."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage_subscription(user, subscription) -> bool:
    return can_follow(user) and subscription is not None and subscription.user_id == user.id


TEMPLATE_PREDICATES = {"can_follow": can_follow}
