"""Atom feeds of hearings, comments, initiatives, budgets and moderation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.transparency import domain_data
from tests.transparency.privacy import assert_no_personal_data

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def _entries(client, url):
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert_no_personal_data(response.get_data(as_text=True), forbidden=domain_data.FORBIDDEN)
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed"
    return [
        (e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}summary") or "")
        for e in root.findall(f"{ATOM}entry")
    ]


def test_hearings_feed_lists_public_hearings(client, data):
    entries = _entries(client, "/feeds/hearings.atom")
    assert [t for t, _i, _s in entries] == [data.hearing.title_th]
    assert entries[0][1].endswith(f":hearings/{data.hearing.id}")


def test_comment_feed_leaves_out_hidden_and_deleted(client, data):
    entries = _entries(client, f"/feeds/hearings/{data.hearing.id}/comments.atom")
    ids = {i.rsplit("/", 1)[1] for _t, i, _s in entries}
    assert ids == {str(data.answered.id), str(data.by_deleted_user.id)}
    assert any(t == "Comment by deleted user" for t, _i, _s in entries)


def test_initiative_feed_has_its_steps(client, data):
    titles = [t for t, _i, _s in _entries(client, f"/feeds/initiatives/{data.initiative.id}.atom")]
    assert titles[0] == "Initiative published" and "Initiative submitted" in titles


def test_budget_feed_has_phases_and_results(client, data):
    titles = [t for t, _i, _s in _entries(client, f"/feeds/budgets/{data.process.id}.atom")]
    assert "Budget results published" in titles


def test_moderation_feed(client, data):
    entries = _entries(client, "/feeds/moderation.atom")
    assert len(entries) == 1
    title, _id, summary = entries[0]
    # The decision, the subject and the reason by their names in the reader's language, not their codes.
    assert title.startswith("Decision ") and "Hidden" in title and "Comment " in title
    assert "Spam or advertising" in summary


def test_pages_link_their_feeds(client, data):
    for page, feed in (
        ("/hearings/", "/feeds/hearings.atom"),
        (f"/hearings/{data.hearing.id}", f"/feeds/hearings/{data.hearing.id}/comments.atom"),
        (f"/initiatives/{data.initiative.id}", f"/feeds/initiatives/{data.initiative.id}.atom"),
        (f"/budgets/{data.process.slug}", f"/feeds/budgets/{data.process.id}.atom"),
        ("/moderation/log", "/feeds/moderation.atom"),
    ):
        html = client.get(page, follow_redirects=True).get_data(as_text=True)
        assert 'type="application/atom+xml"' in html and feed in html, page


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/hearings/999/comments.atom",
        "/feeds/initiatives/999.atom",
        "/feeds/budgets/999.atom",
        "/feeds/budgets/99999999999999.atom",
    ],
)
def test_unknown_subjects_are_404(client, data, url):
    assert client.get(url).status_code == 404
