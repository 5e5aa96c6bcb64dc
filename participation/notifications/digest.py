"""The daily digest: one email a day per recipient, grouped by subject.

Recipients who chose the digest get a ``DigestItem`` per event instead of an
email (see ``dispatch.py``). Once a day, after ``DIGEST_HOUR`` o'clock in
Bangkok, the ``send_digests`` job gathers every item recorded before that
moment into one email per recipient (dedupe key ``digest:<recipient>:<date>``)
and marks them digested in the same transaction. Items recorded later wait for
the next day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select, update

from participation import db, subjects
from participation.accounts.models import User
from participation.i18n import BANGKOK
from participation.identity import email_hash
from participation.notifications import services
from participation.notifications.dispatch import text_for
from participation.notifications.models import DigestItem, OutboxMessage, Subscription, SubscriptionState

#: Local hour (Asia/Bangkok) after which yesterday's events are sent.
DIGEST_HOUR = 7


def cutoff_for(now: datetime) -> datetime:
    """The latest ``DIGEST_HOUR``:00 Bangkok time not after ``now`` (as UTC-aware)."""
    local = now.astimezone(BANGKOK)
    cutoff = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=BANGKOK)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


def send_digests(now: datetime) -> int:
    """Worker job: queue one digest email per recipient with items before today's cut-off."""
    cutoff = cutoff_for(now)
    rows = db.session.execute(
        select(DigestItem, Subscription.state)
        .join(Subscription, Subscription.id == DigestItem.subscription_id)
        .where(DigestItem.digested_at.is_(None), DigestItem.created_at < cutoff)
        .order_by(DigestItem.recipient, DigestItem.id)
    ).all()
    if not rows:
        return 0
    items = [item for item, _state in rows]
    by_recipient: dict[str, list[DigestItem]] = defaultdict(list)
    for item, state in rows:
        # Unfollowed since the event: the item is dropped (marked digested, never sent).
        if state == SubscriptionState.active:
            by_recipient[item.recipient].append(item)
    queued = 0
    with services.url_context():
        for recipient, recipient_items in by_recipient.items():
            if _queue_digest(recipient, recipient_items, cutoff):
                queued += 1
    db.session.execute(
        update(DigestItem).where(DigestItem.id.in_([item.id for item in items])).values(digested_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    return queued


def _address_of(recipient: str) -> tuple[str, str, int | None] | None:
    """(address, locale, user id) of a digest recipient, or None if they cannot receive mail."""
    kind, _, value = recipient.partition(":")
    if kind == "u":
        user = db.session.get(User, int(value))
        if user is None or user.is_deleted or not user.email or user.email_verified_at is None:
            return None
        return user.email, user.locale, user.id
    subscription = db.session.scalar(
        select(Subscription).where(Subscription.email == value).order_by(Subscription.id.desc()).limit(1)
    )
    return (value, subscription.locale if subscription else "th", None)


def _queue_digest(recipient: str, items: list[DigestItem], cutoff: datetime) -> bool:
    target = _address_of(recipient)
    if target is None:
        return False
    address, locale, user_id = target
    preference = services.preference_for(user_id=user_id, email=None if user_id else address, create=True)
    if preference.paused:
        return False
    dedupe_key = f"digest:{_hash(recipient)}:{cutoff.date().isoformat()}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return False
    groups = _groups(items, locale)
    if not groups:
        return False
    unsubscribe_url = services.unsubscribe_url(preference)
    services.enqueue_email(
        to_address=address,
        template="notifications/digest",
        locale=locale,
        context={
            "groups": groups,
            "count": len(items),
            "unsubscribe_url": unsubscribe_url,
            "settings_url": services.external_url(url_for("notifications.settings")) if user_id else None,
        },
        user_id=user_id,
        dedupe_key=dedupe_key,
        unsubscribe_url=unsubscribe_url,
    )
    return True


def _hash(recipient: str) -> str:
    return recipient if recipient.startswith("u:") else "e:" + email_hash(recipient[2:])[:32]


def _groups(items: list[DigestItem], locale: str) -> list[dict]:
    """Items grouped by subject, in order of first appearance, with counted kinds."""
    order: list[tuple[str, int]] = []
    kinds: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for item in items:
        key = (item.subject_type, item.subject_id)
        if key not in kinds:
            order.append(key)
        kinds[key][item.kind] += 1
    groups = []
    with force_locale(locale):
        for key in order:
            resolved = subjects.resolve(*key)
            if resolved is None:
                continue
            kind, subject = resolved
            groups.append(
                {
                    "title": kind.title(subject),
                    "url": services.external_url(kind.url(subject)),
                    "lines": [(str(text_for(k).short), n) for k, n in kinds[key].items()],
                }
            )
    return groups
