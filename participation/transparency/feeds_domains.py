"""Atom feeds of the domains: new hearings, a hearing's comments, an initiative's
events, a budget process's phases and results, the moderation log.

Routes on the ``transparency_domains`` blueprint; public data only (comments
by display name, hidden and pending comments left out, no signer ever).
"""

from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select

from participation import db, subjects
from participation.i18n import _, localized
from participation.moderation.forms import action_label, reason_label
from participation.text import excerpt
from participation.transparency import feeds
from participation.transparency.api_hearings import author_name
from participation.transparency.domains import bp
from participation.transparency.models import LedgerEntry

FEED_SIZE = 50


def _updated(entries, fallback):
    return max((e.updated for e in entries), default=fallback)


@bp.get("/feeds/hearings.atom")
def hearings_feed():
    from participation.hearings.models import Hearing, HearingStatus

    hearings = db.session.scalars(
        select(Hearing)
        .where(Hearing.status != HearingStatus.draft)
        .order_by(Hearing.opens_at.desc(), Hearing.id.desc())
        .limit(FEED_SIZE)
    ).all()
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri("hearings"),
        title=_("Public hearings"),
        subtitle=_("New hearings on draft laws, newest first."),
        self_url=url_for("transparency_domains.hearings_feed", _external=True),
        alternate_url=url_for("hearings.index", _external=True),
        updated=db.utcnow(),
    )
    now = db.utcnow()
    for hearing in hearings:
        feed.add(
            entry_id=feeds.tag_uri(f"hearings/{hearing.id}"),
            title=localized(hearing, "title"),
            updated=hearing.updated_at or hearing.opens_at,
            url=url_for("hearings.show", hearing_id=hearing.id, _external=True),
            summary=_(
                "%(summary)s (open from %(opens)s to %(closes)s)",
                summary=excerpt(localized(hearing, "summary"), 400),
                opens=hearing.opens_at.date().isoformat(),
                closes=hearing.closes_at.date().isoformat(),
            ),
            categories=[hearing.status_at(now).value, hearing.law_type.value],
        )
    feed.updated = _updated(feed.entries, feed.updated)
    return feeds.atom_response(feed)


@bp.get("/feeds/hearings/<int:hearing_id>/comments.atom")
def hearing_comments_feed(hearing_id: int):
    from participation.comments.models import Comment, CommentStatus
    from participation.hearings.models import Hearing, HearingStatus

    hearing = db.session.get(Hearing, hearing_id) if hearing_id <= 2**31 - 1 else None
    if hearing is None or hearing.status == HearingStatus.draft:
        abort(404)
    comments = db.session.scalars(
        select(Comment)
        .where(
            Comment.subject_type == "hearing",
            Comment.subject_id == hearing.id,
            Comment.status == CommentStatus.published,
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    ).all()
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri(f"hearings/{hearing.id}/comments"),
        title=_("Comments on %(title)s", title=localized(hearing, "title")),
        self_url=url_for("transparency_domains.hearing_comments_feed", hearing_id=hearing.id, _external=True),
        alternate_url=url_for("hearings.show", hearing_id=hearing.id, _external=True),
        updated=hearing.opens_at,
    )
    for comment in comments:
        feed.add(
            entry_id=feeds.tag_uri(f"comments/{comment.id}"),
            title=_("Comment by %(name)s", name=author_name(comment.author)),
            updated=comment.edited_at or comment.created_at,
            url=url_for("comments.permalink", comment_id=comment.id, _external=True),
            summary=excerpt(comment.body, 1000),
            categories=[c.value for c in (comment.position, comment.stakeholder_group) if c],
        )
    feed.updated = _updated(feed.entries, feed.updated)
    return feeds.atom_response(feed)


@bp.get("/feeds/initiatives/<int:initiative_id>.atom")
def initiative_feed(initiative_id: int):
    from participation.initiatives import queries
    from participation.initiatives.models import Initiative

    initiative = db.session.get(Initiative, initiative_id) if initiative_id <= 2**31 - 1 else None
    if initiative is None or initiative.state not in queries.PUBLIC_STATES:
        abort(404)
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri(f"initiatives/{initiative.id}"),
        title=initiative.title,
        subtitle=_("Every public step of this initiative."),
        self_url=url_for("transparency_domains.initiative_feed", initiative_id=initiative.id, _external=True),
        alternate_url=url_for("initiatives.show", initiative_id=initiative.id, _external=True),
        updated=initiative.published_at or initiative.created_at,
    )
    events = list(queries.timeline(initiative))[-FEED_SIZE:]
    # Each step names the ledger entry that records it: its kind gives the title (one query).
    kinds = dict(
        db.session.execute(
            select(LedgerEntry.seq, LedgerEntry.kind).where(
                LedgerEntry.seq.in_([e.ledger_seq for e in events if e.ledger_seq is not None] or [0])
            )
        ).all()
    )
    page = url_for("initiatives.show", initiative_id=initiative.id, _external=True)
    for event in reversed(events):
        feed.add(
            entry_id=feeds.tag_uri(f"initiatives/{initiative.id}/events/{event.id}"),
            title=feeds.event_title(kinds.get(event.ledger_seq, "initiative.timeline_event")),
            updated=event.created_at,
            url=page,
            summary=excerpt(event.body, 1000) if event.body else None,
            categories=[event.kind.value, event.code],
        )
    feed.updated = _updated(feed.entries, feed.updated)
    return feeds.atom_response(feed)


@bp.get("/feeds/budgets/<int:process_id>.atom")
def budget_feed(process_id: int):
    from participation.budgeting.models import BudgetProcess

    process = db.session.get(BudgetProcess, process_id) if process_id <= 2**31 - 1 else None
    if process is None:
        abort(404)
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.subject_type == "budget_process", LedgerEntry.subject_id == process.id)
        .order_by(LedgerEntry.seq.desc())
        .limit(FEED_SIZE)
    ).all()
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri(f"budgets/{process.id}"),
        title=localized(process, "title"),
        subtitle=_("Phases and results of this participatory budget."),
        self_url=url_for("transparency_domains.budget_feed", process_id=process.id, _external=True),
        alternate_url=url_for("budgeting.show", slug=process.slug, _external=True),
        updated=process.proposals_opens_at,
    )
    for entry in entries:
        feed.add(
            entry_id=feeds.tag_uri(f"ledger/{entry.seq}"),
            title=feeds.event_title(entry.kind),
            updated=entry.created_at,
            url=url_for("transparency.ledger_entry", seq=entry.seq, _external=True),
            summary=_("Public ledger entry %(seq)s, hash %(hash)s.", seq=entry.seq, hash=entry.hash),
            categories=[entry.kind],
        )
    feed.updated = _updated(feed.entries, feed.updated)
    return feeds.atom_response(feed)


@bp.get("/feeds/moderation.atom")
def moderation_feed():
    from participation.moderation.models import ActionKind, ModerationAction

    actions = db.session.scalars(
        select(ModerationAction).order_by(ModerationAction.id.desc()).limit(FEED_SIZE)
    ).all()
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri("moderation"),
        title=_("Moderation log"),
        subtitle=_("Every moderation decision with its public reason."),
        self_url=url_for("transparency_domains.moderation_feed", _external=True),
        alternate_url=url_for("moderation.log", _external=True),
        updated=db.utcnow(),
    )
    for action in actions:
        about = (
            _("an account")
            if action.kind == ActionKind.block_user
            else subjects.label(action.target_type, action.target_id)
        )
        feed.add(
            entry_id=feeds.tag_uri(f"moderation/{action.id}"),
            title=_(
                "Decision %(id)s: %(kind)s on %(about)s",
                id=action.id,
                kind=action_label(action.kind),
                about=about,
            ),
            updated=action.created_at,
            url=url_for("moderation.action", action_id=action.id, _external=True),
            summary=" · ".join(
                filter(None, [reason_label(action.reason) if action.reason else None, action.note])
            )
            or None,
            categories=[action.kind.value],
        )
    feed.updated = _updated(feed.entries, feed.updated)
    return feeds.atom_response(feed)
