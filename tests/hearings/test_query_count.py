"""The hearing page and its comment streams cost the same with 10 or 2,000 comments."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from participation.comments.models import Comment, CommentStatus
from participation.hearings import queries
from tests.hearings.conftest import sections_of


@pytest.fixture
def config_overrides():
    """The cost of rendering is measured: the anonymous page cache would answer the second request."""
    return {"PAGE_CACHE_SECONDS": 0}


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def add_comments(db, hearing, authors, n, clock):
    """Bulk test data through the model: positions, groups, sections and replies vary."""
    sections = sections_of(hearing)
    positions = ["agree", "disagree", "suggest_change", None]
    groups = ["citizen", "private_sector", "civil_society", "academia", "government", None]
    rows = []
    for i in range(n):
        rows.append(
            Comment(
                subject_type="hearing",
                subject_id=hearing.id,
                part_id=sections[i % len(sections)].id if i % 3 else None,
                author_id=authors[i % len(authors)].id,
                body=f"ความคิดเห็นที่ {i} เกี่ยวกับทางจักรยาน",
                status=CommentStatus.published,
                position=positions[i % 4],
                stakeholder_group=groups[i % 6],
                created_at=clock.now + timedelta(seconds=i),
            )
        )
    db.add_all(rows)
    db.flush()
    replies = [
        Comment(
            subject_type="hearing",
            subject_id=hearing.id,
            part_id=parent.part_id,
            parent_id=parent.id,
            author_id=authors[0].id,
            body="ตอบกลับ",
            status=CommentStatus.published,
            created_at=parent.created_at + timedelta(seconds=1),
        )
        for parent in rows[::5]
    ]
    db.add_all(replies)
    db.commit()


def measure(client, app, urls):
    engine = app.extensions["participation.db"].engine
    result = {}
    for url in urls:
        client.get(url)  # warm caches (templates, dictionary)
        with counting(engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        result[url] = len(statements)
    return result


def test_constant_queries_with_10_and_2000_comments(client, app, hearings, agency, staff, factory, db, clock):
    authors = [factory.user() for _ in range(5)]
    small = hearings.open(agency, staff)
    big = hearings.open(agency, staff)
    add_comments(db, small, authors, 10, clock)
    add_comments(db, big, authors, 2000, clock)

    def urls(h):
        section = sections_of(h)[1]
        return [
            f"/hearings/{h.id}",
            f"/hearings/{h.id}?order=oldest&position=agree&group=citizen",
            f"/hearings/{h.id}?part=whole",
            f"/hearings/{h.id}/sections/{section.id}",
            f"/hearings/{h.id}/sections/{section.id}?position=disagree&order=oldest",
        ]

    small_counts = list(measure(client, app, urls(small)).values())
    big_counts = list(measure(client, app, urls(big)).values())
    assert small_counts == big_counts
    assert max(big_counts) < 25


def test_next_page_by_cursor_costs_the_same(client, app, hearings, agency, staff, factory, db, clock):
    authors = [factory.user() for _ in range(3)]
    hearing = hearings.open(agency, staff)
    add_comments(db, hearing, authors, 300, clock)
    html = client.get(f"/hearings/{hearing.id}?order=oldest").get_data(as_text=True)
    assert "ความคิดเห็นที่ 0 " in html
    import re

    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "order=oldest" in next_url and "cursor=" in next_url
    engine = app.extensions["participation.db"].engine
    first_url = f"/hearings/{hearing.id}?order=oldest"
    with counting(engine) as first:
        client.get(first_url)
    with counting(engine) as second:
        page = client.get(next_url)
    assert page.status_code == 200
    assert len(first) == len(second), "\n".join(
        [" ".join(s.split())[:110] for s in first] + ["----"] + [" ".join(s.split())[:110] for s in second]
    )
    assert "ความคิดเห็นที่ 0 " not in page.get_data(as_text=True)


def test_report_statistics_are_grouped_queries(app, hearings, agency, staff, factory, db, clock):
    authors = [factory.user() for _ in range(4)]
    hearing = hearings.open(agency, staff)
    add_comments(db, hearing, authors, 120, clock)
    engine = app.extensions["participation.db"].engine
    with counting(engine) as statements:
        stats = queries.report_statistics(hearing)
    assert stats.comments == 120
    assert stats.participants == 4
    assert sum(n for _k, n in stats.positions) == 120
    assert dict(stats.positions)["agree"] == 30
    assert len(statements) <= 7
