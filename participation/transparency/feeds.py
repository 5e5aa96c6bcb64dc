"""Atom 1.0 feeds (RFC 4287) and the human titles of public event kinds.

A domain adds a feed with :class:`AtomFeed` and :func:`atom_response`::

    feed = AtomFeed(feed_id=tag_uri("hearings"), title=_("Hearings"), self_url=request.url,
                    alternate_url=url_for("hearings.index", _external=True), updated=now)
    for h in hearings:
        feed.add(entry_id=tag_uri(f"hearing/{h.id}"), title=..., updated=h.updated_at,
                 url=url_for("hearings.show", hearing_id=h.id, _external=True), summary=...)
    return atom_response(feed)

Everything is written through ``xml.etree`` (escaped, well-formed); text that
XML 1.0 cannot carry (control characters) is dropped. Feeds are public: put
no personal data in them (no emails, IDs, signer identities).

Event titles: :func:`register_event_title` maps a ledger ``kind`` to a human
title in Thai and English (through the catalogue); :func:`event_title` falls
back to a generic title for kinds nobody registered.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Response, current_app

from participation.i18n import _, _l

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
#: The date in every tag: URI minted by this platform (RFC 4151); never change it.
TAG_DATE = "2026"

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value) -> str:
    return _XML_INVALID.sub("", str(value))


def _atom_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(specific: str) -> str:
    """A permanent Atom id: ``tag:<site host>,2026:<specific>`` (RFC 4151)."""
    host = urlsplit(current_app.config.get("BASE_URL") or "http://localhost").hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{specific}"


@dataclass
class AtomEntry:
    entry_id: str
    title: str
    updated: datetime
    url: str | None = None
    summary: str | None = None
    categories: list[str] = field(default_factory=list)


@dataclass
class AtomFeed:
    feed_id: str
    title: str
    self_url: str
    updated: datetime
    alternate_url: str | None = None
    subtitle: str | None = None
    author: str | None = None
    language: str | None = None
    entries: list[AtomEntry] = field(default_factory=list)

    def add(self, **kwargs) -> AtomEntry:
        entry = AtomEntry(**kwargs)
        self.entries.append(entry)
        return entry

    def to_xml(self) -> bytes:
        ET.register_namespace("", ATOM_NS)

        def sub(parent, tag, text=None, **attrs):
            element = ET.SubElement(
                parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()}
            )
            if text is not None:
                element.text = _xml_text(text)
            return element

        root = ET.Element(f"{{{ATOM_NS}}}feed")
        if self.language:
            root.set("{http://www.w3.org/XML/1998/namespace}lang", self.language)
        sub(root, "id", self.feed_id)
        sub(root, "title", self.title)
        if self.subtitle:
            sub(root, "subtitle", self.subtitle)
        sub(root, "updated", _atom_time(self.updated))
        sub(root, "link", rel="self", type="application/atom+xml", href=self.self_url)
        if self.alternate_url:
            sub(root, "link", rel="alternate", type="text/html", href=self.alternate_url)
        author = sub(root, "author")
        sub(author, "name", self.author or _("Participation"))
        sub(root, "generator", "participation")
        for entry in self.entries:
            element = sub(root, "entry")
            sub(element, "id", entry.entry_id)
            sub(element, "title", entry.title)
            sub(element, "updated", _atom_time(entry.updated))
            if entry.url:
                sub(element, "link", rel="alternate", type="text/html", href=entry.url)
            for term in entry.categories:
                sub(element, "category", term=term)
            if entry.summary:
                sub(element, "summary", entry.summary, type="text")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_response(feed: AtomFeed) -> Response:
    response = Response(feed.to_xml(), mimetype="application/atom+xml")
    response.headers["Content-Type"] = ATOM_MEDIA_TYPE
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- human titles of event kinds ------------------------------------------------------

_event_titles: dict[str, object] = {}


def register_event_title(kind: str, title) -> None:
    """Give a ledger event kind its human title (a lazy ``_l`` string)."""
    _event_titles[kind] = title


def event_title(kind: str) -> str:
    """The human title of ``kind`` in the reader's language; generic if unregistered."""
    title = _event_titles.get(kind)
    if title is None:
        return _("Public event: %(kind)s", kind=kind)
    return str(title)


def event_kinds() -> list[str]:
    return sorted(_event_titles)


#: The catalogue of public events the domains emit.
for _kind, _title in (
    ("hearing.scheduled", _l("Hearing scheduled")),
    ("hearing.opened", _l("Hearing opened")),
    ("hearing.extended", _l("Hearing extended")),
    ("hearing.closed", _l("Hearing closed")),
    ("hearing.version_published", _l("Revised draft published")),
    ("hearing.report_published", _l("Hearing report published")),
    ("comment.published", _l("Comment published")),
    ("comment.edited", _l("Comment edited")),
    ("comment.deleted", _l("Comment deleted by its author")),
    ("comment.hidden", _l("Comment hidden by a moderator")),
    ("comment.restored", _l("Comment restored")),
    ("comment.approved", _l("Comment approved")),
    ("moderation.flag_threshold", _l("Content flagged for review")),
    ("moderation.user_blocked", _l("Account blocked by a moderator")),
    ("moderation.appeal_decided", _l("Moderation appeal decided")),
    ("initiative.submitted", _l("Initiative submitted")),
    ("initiative.approved", _l("Initiative approved for signing")),
    ("initiative.returned", _l("Initiative returned to its authors")),
    ("initiative.published", _l("Initiative published")),
    ("initiative.milestone", _l("Initiative reached a milestone")),
    ("initiative.threshold_reached", _l("Initiative reached its signature threshold")),
    ("initiative.handed_over", _l("Initiative handed over")),
    ("initiative.response_recorded", _l("Response to initiative recorded")),
    ("initiative.response_overdue", _l("Response to initiative overdue")),
    ("initiative.expired", _l("Initiative expired")),
    ("initiative.withdrawn", _l("Initiative withdrawn")),
    ("initiative.timeline_event", _l("Initiative timeline updated")),
    ("initiative.count_checkpoint", _l("Signature count checkpoint")),
    ("initiative.signatures_exported", _l("Signatures exported for hand-over")),
    ("budget.phase_changed", _l("Budget phase changed")),
    ("budget.process_edited", _l("Budget process edited")),
    ("budget.proposal_submitted", _l("Budget proposal submitted")),
    ("budget.proposal_reviewed", _l("Budget proposal reviewed")),
    ("budget.results_published", _l("Budget results published")),
    ("budget.implementation_update", _l("Budget project implementation update")),
):
    register_event_title(_kind, _title)
