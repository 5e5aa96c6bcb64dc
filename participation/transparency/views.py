"""Transparency pages: the ledger, open data and API docs, search, Atom feeds."""

from __future__ import annotations

import json

import click
from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select

from participation import db, subjects
from participation.i18n import _
from participation.transparency import api, feeds, jobs, openapi
from participation.transparency import search as search_index
from participation.transparency.ledger import GENESIS
from participation.transparency.models import LedgerEntry, LedgerHead

#: ``cli_group``: the blueprint's commands are ``participation search ...``.
bp = Blueprint("transparency", __name__, cli_group="search")

LEDGER_PAGE_SIZE = 50
FEED_SIZE = 50


def _ledger_head() -> tuple[int, str]:
    head = db.session.get(LedgerHead, 1)
    return (head.seq, head.hash) if head else (0, GENESIS)


@bp.get("/transparency")
def index():
    """What is public, how to verify it, the head of the chain and the ledger, newest first."""
    try:
        page = api.paginate(
            select(LedgerEntry),
            [LedgerEntry.seq],
            request.args.get("cursor") or None,
            LEDGER_PAGE_SIZE,
            descending=True,
            scope="transparency.ledger",
        )
    except api.ApiError:
        abort(400)
    head_seq, head_hash = _ledger_head()
    return render_template(
        "transparency/index.html",
        entries=page.items,
        next_cursor=page.next_cursor,
        head_seq=head_seq,
        head_hash=head_hash,
        verification=jobs.last_verification(),
        event_title=feeds.event_title,
    )


@bp.get("/open-data")
def api_docs():
    """The API, its endpoints and schemas, the feeds, and how to verify the ledger."""
    return render_template(
        "transparency/api_docs.html",
        endpoints=openapi.endpoints(),
        base_url=request.host_url.rstrip("/"),
        prefix=openapi.API_PREFIX,
        rate_limit=api.rate_limit_text(),
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    kinds = search_index.kind_labels()
    page, error = None, None
    if query.strip():
        try:
            page = search_index.search(
                query, kinds=[kind] if kind else None, status=status, cursor=request.args.get("cursor")
            )
        except search_index.SearchError as exc:
            error = api.search_error_message(exc.code)
    html = render_template(
        "transparency/search.html",
        query=query,
        kind=kind,
        status=status,
        kinds=kinds,
        statuses=search_index.status_labels(),
        status_label=search_index.status_label,
        page=page,
        error=error,
    )
    return html, 400 if error else 200


@bp.get("/transparency/ledger/<int:seq>")
def ledger_entry(seq: int):
    """One ledger entry: its permalink, with everything that its hash covers."""
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.seq == seq))
    if entry is None:
        abort(404)
    data = api.ledger_entry_json(entry)
    return render_template(
        "transparency/entry.html",
        entry=entry,
        data=data,
        payload=json.dumps(data["payload"], ensure_ascii=False, indent=2, sort_keys=True),
        event_title=feeds.event_title,
    )


@bp.get("/feeds/ledger.atom")
def ledger_feed():
    """The newest public events, as Atom."""
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(FEED_SIZE)).all()
    updated = entries[0].created_at if entries else db.utcnow()
    feed = feeds.AtomFeed(
        feed_id=feeds.tag_uri("ledger"),
        title=_("Public ledger"),
        subtitle=_("Every public event on the platform, newest first."),
        self_url=url_for("transparency.ledger_feed", _external=True),
        alternate_url=url_for("transparency.index", _external=True),
        updated=updated,
    )
    for entry in entries:
        feed.add(
            entry_id=feeds.tag_uri(f"ledger/{entry.seq}"),
            title=feeds.event_title(entry.kind),
            updated=entry.created_at,
            url=url_for("transparency.ledger_entry", seq=entry.seq, _external=True),
            categories=[entry.kind],
            summary=_(
                "%(kind)s on %(subject)s. Entry %(seq)s, hash %(hash)s.",
                kind=feeds.event_title(entry.kind),
                subject=_subject_label(entry),
                seq=entry.seq,
                hash=entry.hash,
            ),
        )
    return feeds.atom_response(feed)


def _subject_label(entry: LedgerEntry) -> str:
    return subjects.label(entry.subject_type, entry.subject_id)


@bp.app_context_processor
def _transparency_helpers():
    return {"ledger_subject_label": _subject_label}


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from every registered indexer."""
    count = search_index.reindex_all()
    db.session.commit()
    click.echo(f"Indexed {count} documents.")
