"""Atom feeds: well-formed Atom 1.0, human titles, no personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from participation.events import Event, publish
from participation.transparency import feeds
from tests.factories import valid_national_id
from tests.transparency.helpers import publish_events
from tests.transparency.privacy import assert_no_personal_data

A = "{http://www.w3.org/2005/Atom}"

CATALOGUE = (
    "hearing.scheduled",
    "hearing.opened",
    "hearing.extended",
    "hearing.closed",
    "hearing.version_published",
    "hearing.report_published",
    "comment.published",
    "comment.edited",
    "comment.deleted",
    "comment.hidden",
    "comment.restored",
    "comment.approved",
    "moderation.flag_threshold",
    "moderation.user_blocked",
    "moderation.appeal_decided",
    "initiative.submitted",
    "initiative.approved",
    "initiative.returned",
    "initiative.published",
    "initiative.milestone",
    "initiative.threshold_reached",
    "initiative.handed_over",
    "initiative.response_recorded",
    "initiative.response_overdue",
    "initiative.expired",
    "initiative.withdrawn",
    "initiative.timeline_event",
    "initiative.count_checkpoint",
    "initiative.signatures_exported",
    "budget.phase_changed",
    "budget.process_edited",
    "budget.proposal_submitted",
    "budget.proposal_reviewed",
    "budget.results_published",
    "budget.implementation_update",
)


def _feed(client, url="/feeds/ledger.atom", lang="en"):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response, ET.fromstring(response.data)  # noqa: S314 - our own output


def test_ledger_feed_is_atom(client, db):
    publish_events(db, 3)
    response, root = _feed(client)
    assert root.tag == f"{A}feed"
    assert root.find(f"{A}id").text == "tag:localhost,2026:ledger"
    assert root.find(f"{A}updated").text.endswith("Z")
    self_link = [link for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    assert self_link and self_link[0].get("href") == "http://localhost/feeds/ledger.atom"
    assert root.find(f"{A}author/{A}name").text
    entries = root.findall(f"{A}entry")
    assert [e.find(f"{A}id").text for e in entries] == [f"tag:localhost,2026:ledger/{n}" for n in (3, 2, 1)]
    first = entries[0]
    assert first.find(f"{A}title").text == "Hearing opened"
    assert first.find(f"{A}link").get("href") == "http://localhost/transparency/ledger/3"
    assert first.find(f"{A}updated").text.endswith("Z")


def test_newest_fifty(client, db):
    publish_events(db, 55)
    _response, root = _feed(client)
    ids = [e.find(f"{A}id").text.rsplit("/", 1)[1] for e in root.findall(f"{A}entry")]
    assert ids == [str(n) for n in range(55, 5, -1)]


def test_thai_titles_and_unknown_kinds(client, db):
    publish(Event(kind="hearing.closed", subject_type="hearing", subject_id=1))
    publish(Event(kind="pilot.something_new", subject_type="pilot", subject_id=None))
    db.commit()
    _response, root = _feed(client, lang="en")
    titles = [e.find(f"{A}title").text for e in root.findall(f"{A}entry")]
    assert titles == ["Public event: pilot.something_new", "Hearing closed"]
    _response, root = _feed(client, lang="th")
    th_titles = [e.find(f"{A}title").text for e in root.findall(f"{A}entry")]
    assert th_titles[1] != "Hearing closed" and th_titles[1]


def test_empty_feed_is_still_valid(client):
    _response, root = _feed(client)
    assert root.findall(f"{A}entry") == []
    assert root.find(f"{A}updated").text


def test_every_catalogue_kind_has_a_title(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for kind in CATALOGUE:
            assert kind in feeds.event_kinds()
            assert not feeds.event_title(kind).startswith("Public event")


def test_hostile_text_is_escaped_and_control_characters_dropped(app):
    with app.test_request_context():
        feed = feeds.AtomFeed(
            feed_id=feeds.tag_uri("x"),
            title="<script>alert(1)</script> & ]]>",
            self_url="http://localhost/x?a=1&b=2",
            updated=datetime(2026, 11, 21, tzinfo=UTC),
        )
        feed.add(entry_id="tag:localhost,2026:x/1", title="bad\x00\x1b char", updated=datetime.now(UTC))
        xml = feed.to_xml()
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    assert root.find(f"{A}title").text == "<script>alert(1)</script> & ]]>"
    assert b"<script>" not in xml
    assert root.find(f"{A}entry/{A}title").text == "bad char"


def test_no_personal_data(client, db, factory):
    user = factory.user(
        email="signer.private@example.org", name="ผู้ลงชื่อ ลับ", national_id=valid_national_id("110370001234")
    )
    publish(
        Event(
            kind="comment.published",
            subject_type="comment",
            subject_id=1,
            payload={"hearing_id": 3},
            actor_id=user.id,
            private={"email": user.email},
        )
    )
    db.commit()
    response, _root = _feed(client)
    assert_no_personal_data(response.get_data(as_text=True), forbidden=[user.email, user.display_name])
    api_text = client.get("/api/v1/ledger").get_data(as_text=True)
    assert_no_personal_data(api_text, forbidden=[user.email, user.display_name])
    page = client.get("/transparency").get_data(as_text=True)
    assert_no_personal_data(page, forbidden=[user.email, user.display_name])
