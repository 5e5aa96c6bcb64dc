"""Moderation: flags, decisions, blocks and appeals. Every decision is public.

Services flush and never commit; the view commits once.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from participation import db, subjects, text
from participation.accounts.models import User
from participation.accounts.permissions import is_moderator
from participation.comments.models import PENDING_REVIEW
from participation.events import Event, publish
from participation.moderation import registry
from participation.moderation.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    Flag,
    FlagReason,
    ModerationAction,
    UserBlock,
)

log = logging.getLogger(__name__)


def active_block(user: User | None, now: datetime | None = None) -> UserBlock | None:
    """The block in force for ``user`` at ``now`` (the one ending last), or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    now = now or db.utcnow()
    return db.session.scalars(
        select(UserBlock)
        .where(UserBlock.user_id == user.id, UserBlock.until > now)
        .order_by(UserBlock.until.desc())
        .limit(1)
    ).first()


class ModerationError(Exception):
    """A refused moderation request; ``code`` picks the translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _resolve(target_type: str, target_id: int):
    found = registry.resolve(target_type, target_id)
    if found is None:
        raise ModerationError("not_found")
    return found


def author_of(target_type: str, subject) -> int | None:
    subject_type = subjects.get(target_type)
    return subject_type.author_id(subject) if subject_type is not None else None


def _require_moderator(moderator: User, author_id: int | None = None) -> None:
    if not is_moderator(moderator):
        raise ModerationError("not_moderator")
    if author_id is not None and author_id == moderator.id:
        raise ModerationError("own_content")


#: The public event kind of each action (the item's type fills ``{type}``).
EVENT_KINDS = {
    ActionKind.hide: "{type}.hidden",
    ActionKind.auto_hide: "moderation.flag_threshold",
    ActionKind.restore: "{type}.restored",
    ActionKind.approve: "{type}.approved",
    ActionKind.dismiss_flags: "moderation.flags_dismissed",
    ActionKind.block_user: "moderation.user_blocked",
    ActionKind.appeal_upheld: "moderation.appeal_decided",
    ActionKind.appeal_overturned: "moderation.appeal_decided",
}


def _record(
    kind: ActionKind,
    *,
    moderator: User | None,
    target_type: str,
    target_id: int,
    author_id: int | None,
    reason: str | None = None,
    note: str | None = None,
    until: datetime | None = None,
    appealed_action_id: int | None = None,
    now: datetime | None = None,
) -> ModerationAction:
    """Write the public action and its ledger event; tell the author."""
    action = ModerationAction(
        kind=kind,
        moderator_id=moderator.id if moderator is not None else None,
        target_type=target_type,
        target_id=target_id,
        target_author_id=author_id,
        reason=reason,
        note=text.clean_text(note or "", max_length=1000) or None,
        until=until,
        appealed_action_id=appealed_action_id,
        created_at=now or db.utcnow(),
    )
    db.session.add(action)
    db.session.flush()
    payload = {"action_id": action.id, "action": kind.value, "reason": reason}
    if kind == ActionKind.block_user:
        # The blocked person's identity never enters the public record.
        subject_type, subject_id = "moderation", None
        payload["until"] = until.isoformat() if until else None
    else:
        subject_type, subject_id = target_type, target_id
        payload.update({"target_type": target_type, "target_id": target_id})
    if appealed_action_id is not None:
        payload["appealed_action_id"] = appealed_action_id
        payload["outcome"] = "overturned" if kind == ActionKind.appeal_overturned else "upheld"
    publish(
        Event(
            kind=EVENT_KINDS[kind].format(type=target_type),
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
            actor_id=action.moderator_id,
            recipient_ids=[author_id]
            if author_id and (moderator is None or author_id != moderator.id)
            else [],
        )
    )
    log.info("moderation action %s: %s on %s:%s", action.id, kind.value, target_type, target_id)
    return action


def _resolve_flags(target_type: str, target_id: int, now: datetime) -> int:
    result = db.session.execute(
        update(Flag)
        .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def open_flag_count(target_type: str, target_id: int) -> int:
    return db.session.scalar(
        select(func.count(Flag.id)).where(
            Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None)
        )
    )


# --- flags ---------------------------------------------------------------------


def _lock_target(target_type: str, target_id: int) -> None:
    """Serialise reports on one item until commit, so the threshold is crossed once.

    PostgreSQL: a transaction-scoped advisory lock per item. SQLite already
    serialises writers, and the item is re-read after the report is written.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(target_type.encode()) - 2**31
    db.session.execute(sql_text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": key, "b": target_id})


def flag(
    user: User,
    target_type: str,
    target_id: int,
    reason: FlagReason | str,
    note: str | None = None,
    now: datetime | None = None,
) -> Flag:
    """Record one person's report (once per person and item, by a unique constraint).

    When the open reports from distinct people reach FLAG_HIDE_THRESHOLD the
    item is hidden pending review: an automatic public action and a
    ``moderation.flag_threshold`` event, exactly once while it stays hidden.
    """
    from participation.comments.services import setting

    now = now or db.utcnow()
    if user is None or not getattr(user, "is_authenticated", False) or user.is_deleted:
        raise ModerationError("sign_in")
    if active_block(user, now) is not None:
        raise ModerationError("blocked")
    _lock_target(target_type, target_id)
    policy, _type, subject = _resolve(target_type, target_id)
    author_id = author_of(target_type, subject)
    if author_id == user.id:
        raise ModerationError("own_item")
    if not policy.can_be_flagged(subject):
        raise ModerationError("not_flaggable")
    report = Flag(
        target_type=target_type,
        target_id=target_id,
        user_id=user.id,
        reason=FlagReason(reason),
        note=text.clean_text(note or "", max_length=500) or None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        raise ModerationError("already_flagged") from None
    # Another report may have hidden the item since it was loaded.
    db.session.refresh(subject)
    if not policy.is_hidden(subject) and open_flag_count(target_type, target_id) >= setting(
        "FLAG_HIDE_THRESHOLD"
    ):
        policy.hide(subject, PENDING_REVIEW)
        _record(
            ActionKind.auto_hide,
            moderator=None,
            target_type=target_type,
            target_id=target_id,
            author_id=author_id,
            reason=PENDING_REVIEW,
            now=now,
        )
    return report


# --- decisions -------------------------------------------------------------------


def hide(
    moderator: User, target_type: str, target_id: int, reason: FlagReason | str, note: str | None = None
) -> ModerationAction:
    """Hide an item with a public reason (also confirms an item hidden pending review)."""
    now = db.utcnow()
    policy, _type, subject = _resolve(target_type, target_id)
    author_id = author_of(target_type, subject)
    _require_moderator(moderator, author_id)
    reason = FlagReason(reason).value
    if policy.is_hidden(subject):
        if not _hidden_pending_review(target_type, target_id):
            raise ModerationError("already_hidden")
        policy.restore(subject)
    policy.hide(subject, reason)
    _resolve_flags(target_type, target_id, now)
    return _record(
        ActionKind.hide,
        moderator=moderator,
        target_type=target_type,
        target_id=target_id,
        author_id=author_id,
        reason=reason,
        note=note,
        now=now,
    )


def _hidden_pending_review(target_type: str, target_id: int) -> bool:
    latest = latest_hiding_action(target_type, target_id)
    return latest is not None and latest.kind == ActionKind.auto_hide


def latest_hiding_action(target_type: str, target_id: int) -> ModerationAction | None:
    return db.session.scalars(
        select(ModerationAction)
        .where(
            ModerationAction.target_type == target_type,
            ModerationAction.target_id == target_id,
            ModerationAction.kind.in_([ActionKind.hide, ActionKind.auto_hide]),
        )
        .order_by(ModerationAction.id.desc())
        .limit(1)
    ).first()


def restore(moderator: User, target_type: str, target_id: int, note: str | None = None) -> ModerationAction:
    """Make a hidden item visible again; its open reports are closed."""
    now = db.utcnow()
    policy, _type, subject = _resolve(target_type, target_id)
    author_id = author_of(target_type, subject)
    _require_moderator(moderator, author_id)
    if not policy.is_hidden(subject):
        raise ModerationError("not_hidden")
    policy.restore(subject)
    _resolve_flags(target_type, target_id, now)
    return _record(
        ActionKind.restore,
        moderator=moderator,
        target_type=target_type,
        target_id=target_id,
        author_id=author_id,
        note=note,
        now=now,
    )


def dismiss_flags(
    moderator: User, target_type: str, target_id: int, note: str | None = None
) -> ModerationAction:
    """Close unfounded reports; an item hidden pending review by them is shown again."""
    now = db.utcnow()
    policy, _type, subject = _resolve(target_type, target_id)
    author_id = author_of(target_type, subject)
    _require_moderator(moderator, author_id)
    if open_flag_count(target_type, target_id) == 0:
        raise ModerationError("no_flags")
    if policy.is_hidden(subject) and _hidden_pending_review(target_type, target_id):
        policy.restore(subject)
    _resolve_flags(target_type, target_id, now)
    return _record(
        ActionKind.dismiss_flags,
        moderator=moderator,
        target_type=target_type,
        target_id=target_id,
        author_id=author_id,
        note=note,
        now=now,
    )


def approve(moderator: User, target_type: str, target_id: int, note: str | None = None) -> ModerationAction:
    """Publish a pre-moderated item."""
    policy, _type, subject = _resolve(target_type, target_id)
    author_id = author_of(target_type, subject)
    _require_moderator(moderator, author_id)
    if policy.approve is None or not policy.is_pending(subject):
        raise ModerationError("not_pending")
    policy.approve(subject)
    return _record(
        ActionKind.approve,
        moderator=moderator,
        target_type=target_type,
        target_id=target_id,
        author_id=author_id,
        note=note,
    )


def block_user(
    moderator: User, user: User, *, days: int, reason: FlagReason | str, note: str | None = None, now=None
) -> ModerationAction:
    """Stop ``user`` posting and flagging for ``days`` days (public, without their identity)."""
    now = now or db.utcnow()
    _require_moderator(moderator, user.id)
    if user.is_deleted:
        raise ModerationError("cannot_block")
    reason = FlagReason(reason).value
    until = now + timedelta(days=int(days))
    action = _record(
        ActionKind.block_user,
        moderator=moderator,
        target_type="user",
        target_id=user.id,
        author_id=user.id,
        reason=reason,
        note=note,
        until=until,
        now=now,
    )
    db.session.add(
        UserBlock(user_id=user.id, until=until, reason=reason, action_id=action.id, created_at=now)
    )
    db.session.flush()
    return action


# --- appeals -------------------------------------------------------------------------

#: Decisions the person concerned may appeal.
APPEALABLE = (ActionKind.hide, ActionKind.auto_hide, ActionKind.block_user)


def can_appeal(user: User | None, action: ModerationAction) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and action.kind in APPEALABLE
        and action.target_author_id == user.id
        and db.session.scalar(select(func.count(Appeal.id)).where(Appeal.action_id == action.id)) == 0
    )


def appeal(user: User, action: ModerationAction, reasons: str) -> Appeal:
    """The person concerned asks once (unique per decision) for another moderator to decide."""
    if action.kind not in APPEALABLE:
        raise ModerationError("not_appealable")
    if action.target_author_id != user.id:
        raise ModerationError("not_author")
    cleaned = text.clean_text(reasons or "", max_length=2000)
    if not cleaned:
        raise ModerationError("empty")
    record = Appeal(action_id=action.id, appellant_id=user.id, text=cleaned)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        raise ModerationError("already_appealed") from None
    return record


def can_decide_appeal(moderator: User | None, appeal_: Appeal) -> bool:
    return (
        is_moderator(moderator)
        and appeal_.status == AppealStatus.pending
        and appeal_.action.moderator_id != moderator.id
        and appeal_.appellant_id != moderator.id
    )


def decide_appeal(
    moderator: User, appeal_: Appeal, *, overturn: bool, note: str | None = None
) -> ModerationAction:
    """Uphold or overturn, by a moderator other than the one who decided.

    Overturning restores the hidden item or lifts the block. The outcome is a
    public action and a ``moderation.appeal_decided`` event to the appellant.
    """
    now = db.utcnow()
    if not is_moderator(moderator):
        raise ModerationError("not_moderator")
    if appeal_.status != AppealStatus.pending:
        raise ModerationError("already_decided")
    original = appeal_.action
    if original.moderator_id == moderator.id:
        raise ModerationError("same_moderator")
    if appeal_.appellant_id == moderator.id:
        raise ModerationError("own_content")
    if overturn:
        if original.kind == ActionKind.block_user:
            for block in db.session.scalars(select(UserBlock).where(UserBlock.action_id == original.id)):
                block.until = min(block.until, now)
        else:
            found = registry.resolve(original.target_type, original.target_id)
            if found is not None:
                policy, _type, subject = found
                if policy.is_hidden(subject):
                    policy.restore(subject)
            _resolve_flags(original.target_type, original.target_id, now)
    action = _record(
        ActionKind.appeal_overturned if overturn else ActionKind.appeal_upheld,
        moderator=moderator,
        target_type=original.target_type,
        target_id=original.target_id,
        author_id=original.target_author_id,
        reason=original.reason,
        note=note,
        until=original.until if original.kind == ActionKind.block_user else None,
        appealed_action_id=original.id,
        now=now,
    )
    appeal_.status = AppealStatus.overturned if overturn else AppealStatus.upheld
    appeal_.decided_by_id = moderator.id
    appeal_.decided_at = now
    appeal_.decision_action_id = action.id
    db.session.flush()
    return action
