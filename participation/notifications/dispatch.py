"""From public events to emails: who is told what.

``on_event`` is registered with ``participation.events.listen`` and runs inside
``publish``, in the transaction of the change: it only adds outbox rows, digest
items and default subscriptions, and flushes. Nothing is sent here.

Event → email table (the dictionaries below are the source of truth):

==============================  ==========================================  ==========================
kind                            followers of the subject and of its         direct recipients
                                organisation (``subjects.organisation_id``)  (``recipient_ids``)
==============================  ==========================================  ==========================
hearing.scheduled, .opened,     email, or a digest line                     email
.extended, .closing_soon,
.closed, .version_published
hearing.report_published        email, or a digest line                     email with the answers to
                                                                            their own comments
initiative.approved,            email, or a digest line                     email
.published, .returned,
.milestone, .threshold_reached,
.handed_over,
.response_recorded,
.response_overdue, .expired,
.withdrawn
budget.phase_changed            email, or a digest line, worded by the      email
                                phase reached (``payload["to"]``); the
                                ``results`` phase is told by the next row
budget.results_published        email, or a digest line                     email
budget.process_edited           only when a phase date changed: told as     only when a phase date
                                ``budget.dates_changed``, by email (with    changed: email
                                the new dates) or a digest line; other
                                edits: nothing
comment.published,              digest line only (never one email per       email
budget.proposal_submitted,      comment to every follower)
budget.implementation_update
comment.replied, .hidden,       nothing                                     email (``DIRECT_KINDS``)
.restored, .approved,
moderation.flag_threshold,
.appeal_decided, .user_blocked,
budget.proposal_reviewed
any other kind                  nothing                                     generic email
==============================  ==========================================  ==========================

Rules: the actor of an event is never told about it; accounts need a
confirmed email address; a subject the person muted is silent even if they
follow its organisation; a recipient who paused notification emails gets
nothing; with the daily digest on, follower emails become digest lines
(direct emails about one's own contributions still go at once). One email
per (event, recipient): the outbox ``dedupe_key`` is
``notify:<event ref>:<recipient>`` where the event ref is ``s<ledger seq>``
(or a random id for private events, which have no seq).

Default follows: the actor of ``comment.published`` follows the commented
subject, the actor of ``initiative.signed`` and ``initiative.submitted``
follows the initiative, unless they muted it before.

Payload keys read (all optional, all public): ``subject_type``/``subject_id``
(or ``target_type``/``target_id``): the followed subject when the event's own
subject is a comment; ``url``: a public path to link to instead of the
subject page; ``comment_id``: linked through ``comments.permalink``;
``opens_at``/``closes_at`` (ISO 8601, hearings); ``signatures`` (or
``signature_count``) with ``threshold``; ``pct`` (initiative milestones);
``changes`` (``budget.process_edited``: ``{field: {"from", "to"}}``, the phase
dates in ISO 8601).

``hearing.report_published`` private data: ``{"answers": {<user id>: [item, ...]}}``
where an item is a comment id (linked to its permalink) or
``{"comment_id": int, "url": "/path", "disposition": code}`` with ``code`` one
of ``DISPOSITION_LABELS`` (accepted, partly_accepted, not_accepted, noted,
out_of_scope); the answer text itself stays on the public report page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from participation import db, subjects
from participation.accounts.models import User
from participation.events import Event
from participation.i18n import _, _l, format_datetime
from participation.identity import email_hash
from participation.notifications import services
from participation.notifications.models import (
    DeliveryPreference,
    DigestItem,
    OutboxMessage,
    OutboxStatus,
    Subscription,
    SubscriptionState,
)

#: Placeholder replaced by each recipient's own unsubscribe address after one render.
UNSUBSCRIBE_PLACEHOLDER = "UNSUBSCRIBE-LINK-PLACEHOLDER-7f3a"


@dataclass(frozen=True)
class EventText:
    #: A few words for the subject line and digest lines.
    short: object
    #: One sentence saying what happened, for the body.
    sentence: object


#: Kinds whose followers are told (one email, or a digest line).
FOLLOWER_KINDS: dict[str, EventText] = {
    "hearing.scheduled": EventText(
        _l("Hearing announced"), _l("A public hearing has been announced. You can comment once it opens.")
    ),
    "hearing.opened": EventText(
        _l("Hearing opened"), _l("The public hearing is now open. You can read the draft and comment.")
    ),
    "hearing.extended": EventText(
        _l("Hearing extended"), _l("The public hearing has been extended. There is more time to comment.")
    ),
    "hearing.closing_soon": EventText(
        _l("Hearing closes in 3 days"),
        _l("The public hearing closes in 3 days. There is still time to comment."),
    ),
    "hearing.closed": EventText(
        _l("Hearing closed"),
        _l("The public hearing has closed. The agency will now answer the comments in its report."),
    ),
    "hearing.version_published": EventText(
        _l("Revised draft published"), _l("The agency has published a revised version of the draft.")
    ),
    "hearing.report_published": EventText(
        _l("Hearing report published"),
        _l("The agency has published the hearing report, with its answer to every comment."),
    ),
    "initiative.approved": EventText(
        _l("Initiative approved"), _l("The initiative was approved and is now collecting signatures.")
    ),
    "initiative.published": EventText(
        _l("Initiative collecting signatures"), _l("The initiative is now open for signatures.")
    ),
    "initiative.returned": EventText(
        _l("Initiative returned"), _l("The initiative was returned to its authors for changes.")
    ),
    "initiative.milestone": EventText(
        _l("Signature milestone"), _l("The initiative has reached a new signature milestone.")
    ),
    "initiative.threshold_reached": EventText(
        _l("Signature threshold reached"),
        _l("The initiative has collected the number of signatures it needs."),
    ),
    "initiative.handed_over": EventText(
        _l("Initiative handed over"), _l("The initiative has been handed over to the authority.")
    ),
    "initiative.response_recorded": EventText(
        _l("Authority responded"), _l("The authority has recorded its response to the initiative.")
    ),
    "initiative.response_overdue": EventText(
        _l("Response overdue"),
        _l("The authority has not responded to the initiative within the time allowed."),
    ),
    "initiative.expired": EventText(
        _l("Initiative closed"),
        _l("The signature period has ended without reaching the number of signatures needed."),
    ),
    "initiative.withdrawn": EventText(
        _l("Initiative withdrawn"), _l("The authors have withdrawn the initiative.")
    ),
    # budget.phase_changed is told by the phase it moved to (see ``effective_kind``).
    "budget.phase.proposals": EventText(
        _l("Budget open for proposals"), _l("The participatory budget is open: you can propose projects.")
    ),
    "budget.phase.review": EventText(
        _l("Budget proposals under review"), _l("The proposals are now being reviewed by the agency.")
    ),
    "budget.phase.voting": EventText(
        _l("Budget vote opened"), _l("Voting is open in the participatory budget. You can vote now.")
    ),
    "budget.phase.implementation": EventText(
        _l("Budget projects in progress"), _l("The selected projects are now being carried out.")
    ),
    "budget.phase_changed": EventText(
        _l("Budget phase changed"), _l("The participatory budget has moved to its next phase.")
    ),
    "budget.results_published": EventText(
        _l("Budget results published"), _l("The results of the participatory budget vote are published.")
    ),
    # budget.process_edited is told only when a phase date moved (see ``effective_kind``).
    "budget.dates_changed": EventText(
        _l("Budget dates changed"),
        _l("The agency has changed the dates of the participatory budget. Please check the new dates."),
    ),
}

#: Kinds followers only see as a line in their daily digest (never one email each).
DIGEST_ONLY_KINDS: dict[str, EventText] = {
    "comment.published": EventText(_l("New comments"), _l("There are new comments.")),
    "budget.proposal_submitted": EventText(_l("New project proposals"), _l("New projects were proposed.")),
    "budget.implementation_update": EventText(
        _l("Project progress update"), _l("There is news on the progress of a project.")
    ),
}

#: Kinds about a person's own contribution, for the event's ``recipient_ids``.
DIRECT_KINDS: dict[str, EventText] = {
    "comment.replied": EventText(
        _l("Reply to your comment"), _l("Someone replied to your comment. Open it to read the reply.")
    ),
    "comment.hidden": EventText(
        _l("Your comment was hidden"),
        _l(
            "A moderator hid your comment. The public reason is shown in its place; you can appeal the decision."
        ),
    ),
    "comment.restored": EventText(_l("Your comment was restored"), _l("Your comment is visible again.")),
    "comment.approved": EventText(
        _l("Your comment is published"), _l("A moderator approved your comment; it is now public.")
    ),
    "moderation.flag_threshold": EventText(
        _l("Your comment is hidden for review"),
        _l("Several people flagged your comment, so it is hidden until a moderator reviews it."),
    ),
    "moderation.appeal_decided": EventText(
        _l("Decision on your appeal"), _l("A moderator has decided on your appeal. Open the link to see it.")
    ),
    "moderation.user_blocked": EventText(
        _l("Posting paused on your account"),
        _l("A moderator has paused posting from your account. The public reason is in the moderation log."),
    ),
    "budget.proposal_reviewed": EventText(
        _l("Your proposal was reviewed"), _l("The agency has reviewed your project proposal.")
    ),
}

#: Direct recipients of a kind not listed anywhere above.
GENERIC_DIRECT = EventText(
    _l("News about your contribution"), _l("There is news about your contribution. Open the link to see it.")
)

#: Disposition codes a hearing report may attach to a person's comment.
DISPOSITION_LABELS = {
    "accepted": _l("Taken into account"),
    "partly_accepted": _l("Partly taken into account"),
    "not_accepted": _l("Not taken into account"),
    "noted": _l("Noted"),
    "out_of_scope": _l("Outside the scope of this draft"),
}

#: Default follows: the event's actor follows the event's subject (or the commented subject).
AUTO_FOLLOW_KINDS = ("comment.published", "initiative.signed", "initiative.submitted")


#: Dates from the payload worth saying, per kind.
DATE_DETAILS = {
    "hearing.scheduled": ("opens_at", "closes_at"),
    "hearing.opened": ("closes_at",),
    "hearing.extended": ("closes_at",),
    "hearing.closing_soon": ("closes_at",),
}

#: Budget phases whose change is not told: ``results`` is told by ``budget.results_published``.
SILENT_PHASES = ("results", "upcoming")

#: The phase dates of a budget process (``budget.process_edited`` changes), as told to followers.
BUDGET_DATES = {
    "proposals_opens_at": _l("Proposals open on %(when)s."),
    "review_opens_at": _l("The review starts on %(when)s."),
    "voting_opens_at": _l("Voting opens on %(when)s."),
    "voting_closes_at": _l("Voting closes on %(when)s."),
    "implementation_opens_at": _l("The projects start on %(when)s."),
}


def text_for(kind: str) -> EventText:
    return FOLLOWER_KINDS.get(kind) or DIGEST_ONLY_KINDS.get(kind) or DIRECT_KINDS.get(kind) or GENERIC_DIRECT


def effective_kind(event: Event) -> str | None:
    """The kind used to choose recipients and words; None when nothing is to be told."""
    if event.kind == "budget.phase_changed":
        phase = (event.payload or {}).get("to")
        if phase in SILENT_PHASES:
            return None
        if f"budget.phase.{phase}" in FOLLOWER_KINDS:
            return f"budget.phase.{phase}"
    if event.kind == "budget.process_edited":
        # Residents plan around the dates; a corrected text or category is not worth an email.
        changes = (event.payload or {}).get("changes") or {}
        return "budget.dates_changed" if any(name in changes for name in BUDGET_DATES) else None
    return event.kind


@dataclass
class About:
    """The subject an event is about, as followers know it."""

    subject_type: str
    subject_id: int
    kind: subjects.SubjectType
    subject: object
    organisation_id: int | None
    #: Public path of the precise thing to open (permalink) or the subject page.
    path: str | None = None


def _payload_subject(payload: dict) -> tuple[str, int] | None:
    for type_key, id_key in (("subject_type", "subject_id"), ("target_type", "target_id")):
        if isinstance(payload.get(type_key), str) and isinstance(payload.get(id_key), int):
            return payload[type_key], payload[id_key]
    return None


def _local_path(value) -> str | None:
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return None


def comment_permalink(comment_id: int) -> str | None:
    """The public permalink of a comment, when the comments blueprint is installed."""
    try:
        return url_for("comments.permalink", comment_id=comment_id)
    except BuildError:
        return None


def _precise_path(payload: dict) -> str | None:
    """A public path more precise than the subject page: ``url``, or the comment's permalink."""
    path = _local_path(payload.get("url"))
    if path is None and isinstance(payload.get("comment_id"), int):
        path = comment_permalink(payload["comment_id"])
    return path


def resolve_about(event: Event) -> About | None:
    """The followed subject of an event: the payload's subject if given, else the event's."""
    candidates = []
    named = _payload_subject(event.payload or {})
    if named:
        candidates.append(named)
    if event.subject_id is not None:
        candidates.append((event.subject_type, event.subject_id))
    for subject_type, subject_id in candidates:
        resolved = subjects.resolve(subject_type, subject_id)
        if resolved is None:
            continue
        kind, subject = resolved
        about = About(subject_type, subject_id, kind, subject, kind.organisation_id(subject))
        about.path = _precise_path(event.payload or {})
        return about
    return None


# --- default follows -----------------------------------------------------------------


def _auto_follow(event: Event, about: About | None) -> None:
    if event.kind not in AUTO_FOLLOW_KINDS or event.actor_id is None or about is None:
        return
    user = db.session.get(User, event.actor_id)
    if user is None or user.is_deleted:
        return
    services.follow_by_default(user, about.subject_type, about.subject_id)


# --- recipients ------------------------------------------------------------------------


@dataclass
class Recipient:
    #: ``u:<id>`` or ``e:<address>``.
    key: str
    address: str
    locale: str
    user_id: int | None = None
    #: ``subject``, ``organisation`` or ``direct``: why they get it (said in the email).
    reason: str = "direct"
    subscription: Subscription | None = None
    direct: bool = False
    answers: list[dict] = field(default_factory=list)


def _can_receive(user: User | None) -> bool:
    return (
        user is not None and not user.is_deleted and bool(user.email) and user.email_verified_at is not None
    )


def _followers(about: About, digest_only: bool) -> tuple[list[tuple[Subscription, User | None]], set[str]]:
    """Active followers of the subject or its organisation, and the keys of people who muted it.

    For digest-only kinds (a comment), only followers who chose the digest are
    loaded: commenting stays one small query however many people follow.
    """
    conditions = [
        and_(Subscription.subject_type == about.subject_type, Subscription.subject_id == about.subject_id)
    ]
    if about.organisation_id is not None:
        conditions.append(
            and_(
                Subscription.subject_type == "organisation", Subscription.subject_id == about.organisation_id
            )
        )
    query = (
        select(Subscription, User)
        .outerjoin(User, User.id == Subscription.user_id)
        .where(or_(*conditions), Subscription.state != SubscriptionState.pending)
        .order_by(Subscription.id)
    )
    if digest_only:
        wants_digest = select(DeliveryPreference.id).where(
            DeliveryPreference.digest.is_(True),
            or_(
                DeliveryPreference.user_id == Subscription.user_id,
                DeliveryPreference.email == Subscription.email,
            ),
        )
        query = query.where(wants_digest.exists())
    rows = db.session.execute(query).all()
    muted = set()
    active = []
    for subscription, user in rows:
        key = f"u:{subscription.user_id}" if subscription.user_id else f"e:{subscription.email}"
        if subscription.state == SubscriptionState.muted:
            if (subscription.subject_type, subscription.subject_id) == (about.subject_type, about.subject_id):
                muted.add(key)
        else:
            active.append((subscription, user))
    return active, muted


def _answers_for(event: Event, about: About | None) -> dict[int, list[dict]]:
    raw = (event.private or {}).get("answers") if event.kind == "hearing.report_published" else None
    if not isinstance(raw, dict):
        return {}
    base = about.kind.url(about.subject) if about else ""
    result: dict[int, list[dict]] = {}
    for user_key, items in raw.items():
        try:
            user_id = int(user_key)
        except (TypeError, ValueError):
            continue
        answers = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, int):
                url = comment_permalink(item) or f"{base}#comment-{item}"
                answers.append({"url": url, "disposition": None, "number": item})
            elif isinstance(item, dict) and isinstance(item.get("comment_id"), int):
                url = _local_path(item.get("url")) or comment_permalink(item["comment_id"])
                url = url or f"{base}#comment-{item['comment_id']}"
                code = item.get("disposition")
                answers.append(
                    {
                        "url": url,
                        "disposition": code if code in DISPOSITION_LABELS else None,
                        "number": item["comment_id"],
                    }
                )
        if answers:
            result[user_id] = answers
    return result


def recipients_for(event: Event, about: About | None) -> list[Recipient]:
    """Everyone to tell about ``event``, once each, with why (see module docstring)."""
    follower_kind = event.kind in FOLLOWER_KINDS or event.kind in DIGEST_ONLY_KINDS
    answers = _answers_for(event, about)
    direct_ids = list(dict.fromkeys([*event.recipient_ids, *answers]))
    found: dict[str, Recipient] = {}
    muted: set[str] = set()

    if direct_ids:
        users = db.session.scalars(select(User).where(User.id.in_(direct_ids))).all()
        for user in users:
            if _can_receive(user):
                found[f"u:{user.id}"] = Recipient(
                    key=f"u:{user.id}",
                    address=user.email,
                    locale=user.locale,
                    user_id=user.id,
                    direct=True,
                    answers=answers.get(user.id, []),
                )

    if follower_kind and about is not None:
        active, muted = _followers(about, digest_only=event.kind in DIGEST_ONLY_KINDS)
        for subscription, user in active:
            if subscription.user_id is not None:
                if not _can_receive(user):
                    continue
                key, address, locale = f"u:{user.id}", user.email, user.locale
            else:
                key, address, locale = f"e:{subscription.email}", subscription.email, subscription.locale
            via_organisation = (
                subscription.subject_type == "organisation" and about.subject_type != "organisation"
            )
            reason = "organisation" if via_organisation else "subject"
            existing = found.get(key)
            if existing is None:
                found[key] = Recipient(
                    key=key,
                    address=address,
                    locale=locale,
                    user_id=subscription.user_id,
                    reason=reason,
                    subscription=subscription,
                )
            elif existing.subscription is None or (reason == "subject" and existing.reason == "organisation"):
                # Prefer the link that unsubscribes from the subject itself.
                existing.subscription = subscription
                existing.reason = "direct" if existing.direct else reason

    actor_key = f"u:{event.actor_id}" if event.actor_id is not None else None
    return [r for key, r in found.items() if key != actor_key and (r.direct or key not in muted)]


def _preferences(recipients: Iterable[Recipient]) -> dict[str, DeliveryPreference]:
    user_ids = [r.user_id for r in recipients if r.user_id is not None]
    emails = [r.address for r in recipients if r.user_id is None]
    if not user_ids and not emails:
        return {}
    rows = db.session.scalars(
        select(DeliveryPreference).where(
            or_(DeliveryPreference.user_id.in_(user_ids), DeliveryPreference.email.in_(emails))
        )
    ).all()
    return {(f"u:{p.user_id}" if p.user_id is not None else f"e:{p.email}"): p for p in rows}


# --- the listener ------------------------------------------------------------------------


def on_event(event: Event) -> None:
    """Listener for ``participation.events``: default follows, digest items, outbox rows."""
    with services.url_context():
        _handle(event)


def _handle(event: Event) -> None:
    about = resolve_about(event)
    _auto_follow(event, about)
    kind = effective_kind(event)
    if kind is None:
        return
    event = replace(event, kind=kind)
    known = event.kind in FOLLOWER_KINDS or event.kind in DIGEST_ONLY_KINDS
    if not known and not event.recipient_ids:
        return
    recipients = recipients_for(event, about)
    if not recipients:
        return
    preferences = _preferences(recipients)
    ref = f"s{event.seq}" if event.seq is not None else f"r{uuid.uuid4().hex[:24]}"
    to_email: list[Recipient] = []
    digest_rows: list[dict] = []
    for recipient in recipients:
        preference = preferences.get(recipient.key)
        if preference is not None and preference.paused:
            continue
        if recipient.direct:
            to_email.append(recipient)
        elif preference is not None and preference.digest:
            if about is not None and recipient.subscription is not None:
                digest_rows.append(_digest_row(recipient, event, about, ref))
        elif event.kind not in DIGEST_ONLY_KINDS:
            to_email.append(recipient)
    if digest_rows:
        # One multi-row INSERT: a comment costs the same for 10 or 10,000 digest readers.
        db.session.execute(insert(DigestItem), digest_rows)
    if to_email:
        _queue_emails(event, about, ref, to_email, preferences)
    db.session.flush()


def _digest_row(recipient: Recipient, event: Event, about: About, ref: str) -> dict:
    return {
        "recipient": recipient.key,
        "user_id": recipient.user_id,
        "subscription_id": recipient.subscription.id,
        "event_ref": ref,
        "kind": event.kind,
        "subject_type": about.subject_type,
        "subject_id": about.subject_id,
        "path": about.path,
        "created_at": db.utcnow(),
    }


def _recipient_hash(key: str) -> str:
    return key if key.startswith("u:") else "e:" + email_hash(key[2:])[:32]


def _timestamp(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _details(event: Event, locale: str) -> list[str]:
    """Public facts from the payload, as sentences in ``locale``."""
    payload = event.payload or {}
    lines = []
    with force_locale(locale):
        sentences = {"opens_at": _l("It opens on %(when)s."), "closes_at": _l("Comments close on %(when)s.")}
        for key in DATE_DETAILS.get(event.kind, ()):
            when = _timestamp(payload.get(key))
            if when is not None:
                lines.append(str(sentences[key]) % {"when": format_datetime(when, locale)})
        if event.kind == "budget.dates_changed":
            for key, sentence in BUDGET_DATES.items():
                change = (payload.get("changes") or {}).get(key)
                when = _timestamp(change.get("to")) if isinstance(change, dict) else None
                if when is not None:
                    lines.append(str(sentence) % {"when": format_datetime(when, locale)})
        count = payload.get("signatures", payload.get("signature_count"))
        threshold = payload.get("threshold")
        pct = payload.get("pct")
        if isinstance(pct, int) and event.kind == "initiative.milestone":
            lines.append(_("It has reached %(pct)s%% of the signatures it needs.", pct=pct))
        if isinstance(count, int) and isinstance(threshold, int) and threshold > 0:
            lines.append(
                _("%(count)s of %(threshold)s signatures.", count=f"{count:,}", threshold=f"{threshold:,}")
            )
    return lines


def _ensure_preferences(recipients: list[Recipient], preferences: dict[str, DeliveryPreference]) -> None:
    """Direct recipients' unsubscribe links need a preference row: create the missing ones at once."""
    missing = [
        r.user_id
        for r in recipients
        if r.subscription is None and r.user_id is not None and r.key not in preferences
    ]
    if not missing:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(DeliveryPreference), [{"user_id": user_id} for user_id in missing])
    except IntegrityError:
        pass  # created meanwhile by a concurrent transaction: read below, or one by one later
    for preference in db.session.scalars(
        select(DeliveryPreference).where(DeliveryPreference.user_id.in_(missing))
    ):
        preferences[f"u:{preference.user_id}"] = preference


def _queue_emails(
    event: Event,
    about: About | None,
    ref: str,
    recipients: list[Recipient],
    preferences: dict[str, DeliveryPreference],
) -> None:
    keys = {r.key: f"notify:{ref}:{_recipient_hash(r.key)}" for r in recipients}
    already = set(
        db.session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))
        )
    )
    _ensure_preferences(recipients, preferences)
    text = FOLLOWER_KINDS.get(event.kind) or DIRECT_KINDS.get(event.kind) or GENERIC_DIRECT
    rendered: dict[tuple, tuple[str, str, str]] = {}
    rows: list[dict] = []
    now = db.utcnow()
    with services.url_context():
        for recipient in recipients:
            if keys[recipient.key] in already:
                continue
            if recipient.subscription is not None:
                unsubscribe_url = services.unsubscribe_url(recipient.subscription)
            else:
                preference = preferences.get(recipient.key) or services.preference_for(
                    user_id=recipient.user_id,
                    email=None if recipient.user_id else recipient.address,
                    create=True,
                )
                preferences[recipient.key] = preference
                unsubscribe_url = services.unsubscribe_url(preference)
            group = (recipient.locale, recipient.reason, recipient.direct)
            if recipient.answers:
                parts = _render(event, about, text, recipient, UNSUBSCRIBE_PLACEHOLDER)
            else:
                if group not in rendered:
                    rendered[group] = _render(event, about, text, recipient, UNSUBSCRIBE_PLACEHOLDER)
                parts = rendered[group]
            subject, body_text, body_html = parts
            rows.append(
                {
                    "user_id": recipient.user_id,
                    "to_address": recipient.address,
                    "kind": "notifications/event",
                    "locale": recipient.locale,
                    "subject": subject[:300],
                    "body_text": body_text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
                    "body_html": body_html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
                    "dedupe_key": keys[recipient.key],
                    "message_id": services.new_message_id(),
                    "unsubscribe_url": unsubscribe_url,
                    "status": OutboxStatus.pending,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
            already.add(keys[recipient.key])
    if rows:
        db.session.execute(insert(OutboxMessage), rows)


def _render(event: Event, about: About | None, text: EventText, recipient: Recipient, unsubscribe_url: str):
    with force_locale(recipient.locale):
        title = about.kind.title(about.subject) if about else None
        organisation_title = None
        if recipient.reason == "organisation" and recipient.subscription is not None:
            resolved = subjects.resolve("organisation", recipient.subscription.subject_id)
            organisation_title = resolved[0].title(resolved[1]) if resolved else None
        path = (about.path or about.kind.url(about.subject)) if about else "/"
    context = {
        "kind": event.kind,
        "short": text.short,
        "sentence": text.sentence,
        "title": title,
        "url": services.external_url(path),
        "details": _details(event, recipient.locale),
        "answers": [
            {
                "url": services.external_url(a["url"]),
                "number": a["number"],
                "disposition": DISPOSITION_LABELS.get(a["disposition"]) if a["disposition"] else None,
            }
            for a in recipient.answers
        ],
        "reason": recipient.reason,
        "organisation_title": organisation_title,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": services.external_url(url_for("notifications.settings"))
        if recipient.user_id
        else None,
    }
    return services.render_email("notifications/event", recipient.locale, context)
