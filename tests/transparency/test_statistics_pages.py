"""The statistics pages: real figures from the domains, per organisation, cheap queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from participation.transparency import statistics
from tests.transparency import domain_data


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def _figure(html: str, key: str) -> str:
    match = re.search(rf'id="stat-{re.escape(key)}"><th scope="row">[^<]*</th><td>([^<]*)</td>', html)
    assert match, key
    return match.group(1)


def test_statistics_page_shows_real_figures(client, data):
    html = client.get("/statistics", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _figure(html, "hearings.opened") == "1"
    assert _figure(html, "hearings.comments") == "2"  # hidden and deleted comments do not count
    assert _figure(html, "hearings.answered_share") == "100%"
    assert float(_figure(html, "hearings.days_to_report")) == pytest.approx(4.2, abs=0.1)
    assert _figure(html, "initiatives.received") == "1"
    assert _figure(html, "initiatives.overdue") == "0"
    assert _figure(html, "budgets.ballots") == "2"
    assert "<svg" in html and "Hearings opened per month" in html


def test_organisation_page_counts_only_its_own(client, data, factory):
    other = factory.organisation(slug="other-dept")
    mine = client.get(f"/statistics/{data.organisation.slug}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    theirs = client.get(f"/statistics/{other.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _figure(mine, "hearings.opened") == "1"
    assert _figure(theirs, "hearings.opened") == "0"
    assert _figure(theirs, "hearings.answered_share") == "not yet available"
    assert client.get("/statistics/no-such-org").status_code == 404


def test_registry_has_the_domain_figures(data, db):
    values = {s.key: v for s, v in statistics.compute_all(data.clock.now)}
    assert values["hearings.comments"] == 2 and values["budgets.ballots"] == 2


def test_footer_links_statistics(client, data):
    assert 'href="/statistics"' in client.get("/").get_data(as_text=True)


def test_statistics_page_query_count_does_not_grow(app, client, data, db, factory):
    def count_queries():
        statements = []
        engine = app.extensions["participation.db"].engine

        def before(*_args):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", before)
        try:
            assert client.get("/statistics").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return len(statements)

    few = count_queries()
    hearing_open = data.hearing
    from participation.comments.models import Comment, CommentStatus

    author = factory.user()
    for i in range(30):
        db.add(
            Comment(
                subject_type="hearing",
                subject_id=hearing_open.id,
                author_id=author.id,
                body=f"ความเห็นที่ {i}",
                status=CommentStatus.published,
            )
        )
    db.commit()
    assert count_queries() == few
