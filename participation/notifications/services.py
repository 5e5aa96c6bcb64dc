"""Queue emails in the outbox, and manage who follows what.

Nothing is sent from a web request: ``enqueue_email`` writes an outbox row in
the caller's transaction and ``participation worker`` sends it later (see
``delivery.py``). Services flush and never commit; the view commits once.

Signed links (no sign-in needed):

- unsubscribe from one subscription: ``{"s": subscription id, "n": its nonce}``;
- stop every notification email of a recipient: ``{"p": preference id, "n": nonce}``;
- confirm an address subscription (double opt-in, valid ``EMAIL_TOKEN_MAX_AGE``
  seconds): ``{"s": id, "n": nonce, "d": digest wanted}``.

A row's nonce changes when it is re-created or re-confirmed, so an old link
never acts on a newer row that happens to reuse an id.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from participation import db, subjects
from participation.identity import normalise_email
from participation.notifications.models import (
    DeliveryPreference,
    DigestItem,
    OutboxMessage,
    Subscription,
    SubscriptionOrigin,
    SubscriptionState,
)

log = logging.getLogger("participation.mail")

#: A new confirmation link for the same pending subscription only after this long.
RESEND_AFTER = timedelta(minutes=10)

#: Subject types people may follow (others are followed through these).
FOLLOWABLE = ("hearing", "initiative", "budget_process", "organisation")


class NotificationError(Exception):
    """A rule refused the action; ``code`` selects the message shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- the outbox ---------------------------------------------------------------


def console_mail_enabled() -> bool:
    """Development without SMTP settings: emails are written to the console log."""
    return not current_app.config.get("MAIL_SERVER")


def new_message_id() -> str:
    """A fresh RFC 5322 Message-ID in the sender's domain."""
    sender = current_app.config.get("MAIL_FROM") or "no-reply@participation.localhost"
    domain = sender.rpartition("@")[2].strip("> ") or "participation.localhost"
    return make_msgid(domain=domain)


@contextmanager
def url_context():
    """Build absolute links outside a request too (worker jobs publish events).

    Inside a request this does nothing; otherwise it pushes a request context
    for ``BASE_URL`` so ``url_for`` works and ``subjects.url`` can be called.
    """
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        yield


def external_url(path: str) -> str:
    """``BASE_URL`` + a path from ``url_for`` (absolute links in emails)."""
    if path.startswith(("http://", "https://")):
        return path
    return current_app.config["BASE_URL"] + path


def render_email(template: str, locale: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``templates/email/<template>`` in ``locale``."""
    with url_context(), force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    # A subject is one line: a template's stray newline must not start a header fold.
    return " ".join(subject.split()), body_text, body_html


def queue_rendered(
    *,
    to_address: str,
    template: str,
    locale: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    user_id: int | None = None,
    dedupe_key: str | None = None,
    unsubscribe_url: str | None = None,
) -> OutboxMessage:
    """Add one already rendered email to the outbox (no flush; callers batch)."""
    message = OutboxMessage(
        user_id=user_id,
        to_address=to_address,
        kind=template[:64],
        locale=locale,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
        message_id=new_message_id(),
        unsubscribe_url=unsubscribe_url,
        next_attempt_at=db.utcnow(),
    )
    db.session.add(message)
    return message


def _console_log(message: OutboxMessage) -> None:
    if console_mail_enabled() and current_app.config["ENV_MODE"] == "development":
        # The recipient address is deliberately left out of the log.
        log.info("Email (console, not sent) #%s: %s\n%s", message.id, message.subject, message.body_text)


def enqueue_email(
    *,
    to_address: str,
    template: str,
    locale: str,
    context: dict,
    user_id: int | None = None,
    dedupe_key: str | None = None,
    unsubscribe_url: str | None = None,
) -> OutboxMessage:
    """Render ``templates/email/<template>.{subject.txt,txt,html}`` in ``locale`` and queue it.

    The row is written in the caller's transaction, so the email exists exactly
    when the change that caused it is committed. Flushes; the caller commits.
    ``unsubscribe_url`` (absolute) becomes the ``List-Unsubscribe`` header.
    """
    subject, body_text, body_html = render_email(template, locale, context)
    message = queue_rendered(
        to_address=to_address,
        template=template,
        locale=locale,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        user_id=user_id,
        dedupe_key=dedupe_key,
        unsubscribe_url=unsubscribe_url,
    )
    db.session.flush()
    _console_log(message)
    return message


# --- signed links ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications.unsubscribe")


def _timed_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="notifications.confirm")


def unsubscribe_token(target: Subscription | DeliveryPreference) -> str:
    if isinstance(target, Subscription):
        return _serializer().dumps({"s": target.id, "n": target.nonce})
    return _serializer().dumps({"p": target.id, "n": target.nonce})


def unsubscribe_url(target: Subscription | DeliveryPreference) -> str:
    """The absolute one-click unsubscribe address for a subscription or a recipient."""
    with url_context():
        return external_url(url_for("notifications.unsubscribe", token=unsubscribe_token(target)))


def read_unsubscribe_token(token: str) -> Subscription | DeliveryPreference:
    """What a link unsubscribes from.

    Raises NotificationError('token_invalid') for a forged link and
    NotificationError('gone') for a genuine link whose row no longer exists
    (an address already unsubscribed: there is nothing left to stop).
    """
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise NotificationError("token_invalid") from None
    target: Subscription | DeliveryPreference | None = None
    if isinstance(data, dict) and isinstance(data.get("s"), int):
        target = db.session.get(Subscription, data["s"])
    elif isinstance(data, dict) and isinstance(data.get("p"), int):
        target = db.session.get(DeliveryPreference, data["p"])
    else:
        raise NotificationError("token_invalid")
    if target is None or target.nonce != data.get("n"):
        raise NotificationError("gone")
    return target


def unsubscribe(token: str) -> Subscription | DeliveryPreference:
    """Act on a one-click link, idempotently.

    An account's subscription is muted (remembered, so a default follow does
    not bring it back); a link from an email about one's own contribution
    pauses every notification email of the account. An address subscriber's
    row is deleted outright, and "stop all" forgets the address entirely
    (subscriptions, digest items, preference): no personal data is kept for
    someone who asked for nothing more.
    """
    target = read_unsubscribe_token(token)
    if isinstance(target, Subscription):
        if target.email is not None:
            _forget_address(target.email, only=target)
        else:
            target.state = SubscriptionState.muted
    elif target.email is not None:
        _forget_address(target.email)
    else:
        target.paused = True
    db.session.flush()
    return target


def _forget_address(address: str, only: Subscription | None = None) -> None:
    subscriptions = select(Subscription.id).where(Subscription.email == address)
    if only is not None:
        subscriptions = subscriptions.where(Subscription.id == only.id)
    else:
        db.session.execute(delete(DeliveryPreference).where(DeliveryPreference.email == address))
    db.session.execute(delete(DigestItem).where(DigestItem.subscription_id.in_(subscriptions)))
    db.session.execute(delete(Subscription).where(Subscription.id.in_(subscriptions)))


# --- following (accounts) ------------------------------------------------------------


def subject_exists(subject_type: str, subject_id: int) -> bool:
    return subject_type in FOLLOWABLE and subjects.resolve(subject_type, subject_id) is not None


def find_subscription(user_id: int, subject_type: str, subject_id: int) -> Subscription | None:
    return db.session.scalar(
        select(Subscription).where(
            Subscription.user_id == user_id,
            Subscription.subject_type == subject_type,
            Subscription.subject_id == subject_id,
        )
    )


def is_following(user, subject_type: str, subject_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    row = find_subscription(user.id, subject_type, subject_id)
    return row is not None and row.state == SubscriptionState.active


def follow(user, subject_type: str, subject_id: int) -> Subscription:
    """Follow a subject on the person's own request: always active afterwards, also
    after an earlier unfollow. (The automatic follow after taking part is
    ``follow_by_default``, which never overrides an unfollow.)"""
    row = find_subscription(user.id, subject_type, subject_id)
    if row is None:
        row = Subscription(
            user_id=user.id,
            locale=user.locale,
            subject_type=subject_type,
            subject_id=subject_id,
            state=SubscriptionState.active,
            origin=SubscriptionOrigin.explicit,
            confirmed_at=db.utcnow(),
        )
        try:
            # A savepoint: a concurrent identical follow must not undo the caller's work.
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = find_subscription(user.id, subject_type, subject_id)
        else:
            return row
    row.state = SubscriptionState.active
    row.origin = SubscriptionOrigin.explicit
    db.session.flush()
    return row


def follow_by_default(user, subject_type: str, subject_id: int) -> None:
    """The automatic follow after taking part (commenting, signing): one statement.

    A new active follow if the person has no subscription to the subject, and no
    change if they have one (so an earlier unfollow stays). ``ON CONFLICT DO NOTHING`` makes it a
    single insert without a savepoint, also when a concurrent request follows the
    same subject; it is on the signing hot path, so the statement is built once.
    """
    db.session.execute(
        _follow_by_default_statement(),
        {
            "user_id": user.id,
            "locale": user.locale,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "confirmed_at": db.utcnow(),
        },
    )


@db.prepared
def _follow_by_default_statement():
    table = Subscription.__table__
    return (
        db.insert(table)
        .values(
            user_id=bindparam("user_id"),
            locale=bindparam("locale"),
            subject_type=bindparam("subject_type"),
            subject_id=bindparam("subject_id"),
            state=SubscriptionState.active,
            origin=SubscriptionOrigin.automatic,
            confirmed_at=bindparam("confirmed_at"),
        )
        .on_conflict_do_nothing()
    )


def unfollow(user, subject_type: str, subject_id: int) -> Subscription:
    """Stop following, and remember it (``muted``) so a default follow does not return."""
    row = find_subscription(user.id, subject_type, subject_id)
    if row is None:
        row = Subscription(
            user_id=user.id,
            locale=user.locale,
            subject_type=subject_type,
            subject_id=subject_id,
            state=SubscriptionState.muted,
            origin=SubscriptionOrigin.explicit,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = find_subscription(user.id, subject_type, subject_id)
    row.state = SubscriptionState.muted
    db.session.flush()
    return row


@dataclass
class FollowedItem:
    subscription: Subscription
    subject_type: str
    title: str
    url: str | None


def subscriptions_of(user) -> list[FollowedItem]:
    """The active subscriptions of an account, with titles in the reader's language."""
    rows = db.session.scalars(
        select(Subscription)
        .where(Subscription.user_id == user.id, Subscription.state == SubscriptionState.active)
        .order_by(Subscription.created_at.desc(), Subscription.id.desc())
    ).all()
    items = []
    for row in rows:
        resolved = subjects.resolve(row.subject_type, row.subject_id)
        if resolved is None:
            continue
        kind, subject = resolved
        items.append(FollowedItem(row, row.subject_type, kind.title(subject), kind.url(subject)))
    return items


def remove_subscription(user, subscription_id: int) -> Subscription:
    """Unfollow from the settings page; only the owner may. Raises NotificationError('not_found')."""
    row = db.session.get(Subscription, subscription_id)
    if row is None or row.user_id != user.id:
        raise NotificationError("not_found")
    row.state = SubscriptionState.muted
    db.session.flush()
    return row


# --- delivery preferences --------------------------------------------------------------


def preference_for(*, user_id: int | None = None, email: str | None = None, create: bool = False):
    """The preference row of an account or an address (created on demand)."""
    column = DeliveryPreference.user_id if user_id is not None else DeliveryPreference.email
    value = user_id if user_id is not None else email
    row = db.session.scalar(select(DeliveryPreference).where(column == value))
    if row is None and create:
        row = DeliveryPreference(user_id=user_id, email=email)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(select(DeliveryPreference).where(column == value))
    return row


def set_preferences(user, *, digest: bool, paused: bool) -> DeliveryPreference:
    row = preference_for(user_id=user.id, create=True)
    row.digest = digest
    row.paused = paused
    db.session.flush()
    return row


# --- address subscribers (double opt-in) ------------------------------------------------


def subscribe_address(email: str, subject_type: str, subject_id: int, locale: str, digest: bool) -> bool:
    """Ask to follow by email: queue a confirmation link; nothing else is sent until it is opened.

    Returns whether a confirmation email was queued. An address that already
    follows the subject gets nothing (the page says the same either way, so it
    reveals nothing about who subscribes).
    """
    if not subject_exists(subject_type, subject_id):
        raise NotificationError("not_found")
    address = normalise_email(email)
    row = db.session.scalar(
        select(Subscription).where(
            Subscription.email == address,
            Subscription.subject_type == subject_type,
            Subscription.subject_id == subject_id,
        )
    )
    if row is not None and row.state == SubscriptionState.active:
        return False
    if row is not None and row.created_at > db.utcnow() - RESEND_AFTER:
        return False  # a link was sent minutes ago: do not let anyone flood an inbox
    if row is None:
        row = Subscription(email=address, subject_type=subject_type, subject_id=subject_id)
        db.session.add(row)
    row.state = SubscriptionState.pending
    row.origin = SubscriptionOrigin.explicit
    row.locale = locale
    row.created_at = db.utcnow()
    row.confirmed_at = None
    db.session.flush()
    subject_kind, subject = subjects.resolve(subject_type, subject_id)
    token = _timed_serializer().dumps({"s": row.id, "n": row.nonce, "d": bool(digest)})
    with url_context(), force_locale(locale):
        title = subject_kind.title(subject)
        confirm = external_url(url_for("notifications.confirm", token=token))
    enqueue_email(
        to_address=address,
        template="notifications/confirm_subscription",
        locale=locale,
        context={"title": title, "url": confirm, "hours": _confirm_hours()},
    )
    return True


def _confirm_hours() -> int:
    return max(1, current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600)


def confirm_address(token: str) -> Subscription:
    """Open the confirmation link: the subscription becomes active (idempotent).

    Raises NotificationError('token_expired'|'token_invalid').
    """
    try:
        data = _timed_serializer().loads(token, max_age=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise NotificationError("token_expired") from None
    except BadSignature:
        raise NotificationError("token_invalid") from None
    row = db.session.get(Subscription, data.get("s")) if isinstance(data, dict) else None
    if row is None or row.nonce != data.get("n") or row.email is None:
        raise NotificationError("token_invalid")
    if row.state == SubscriptionState.pending:
        row.state = SubscriptionState.active
        row.confirmed_at = db.utcnow()
        preference = preference_for(email=row.email, create=True)
        preference.digest = bool(data.get("d"))
        preference.paused = False
        db.session.flush()
    elif row.state == SubscriptionState.muted:
        raise NotificationError("token_invalid")
    return row


def expire_unconfirmed(now) -> int:
    """Worker job: forget address subscriptions never confirmed within the link's lifetime."""
    cutoff = now - timedelta(seconds=current_app.config["EMAIL_TOKEN_MAX_AGE"])
    result = db.session.execute(
        delete(Subscription).where(
            Subscription.state == SubscriptionState.pending, Subscription.created_at < cutoff
        )
    )
    return result.rowcount or 0
