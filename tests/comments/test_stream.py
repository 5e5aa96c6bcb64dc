"""The stream query: pagination, constant query count, counts and reconcile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from participation.comments import queries, services
from participation.comments.models import Comment, CommentCount, CommentStatus
from participation.db import utcnow
from tests.comments.conftest import SUBJECT


def _bulk(db, org, authors, n, *, replies_every=5, start=None):
    """``n`` published top-level comments (every ``replies_every``-th with two replies), counted."""
    start = start or utcnow() - timedelta(days=1)
    made = []
    for i in range(n):
        c = Comment(
            subject_type=SUBJECT,
            subject_id=org.id,
            author=authors[i % len(authors)],
            body=f"ความคิดเห็นที่ {i} เรื่องที่ {i * 7919 % 1000}",
            created_at=start + timedelta(seconds=i),
        )
        db.add(c)
        made.append(c)
    db.flush()
    for i, parent in enumerate(made):
        if i % replies_every == 0:
            for j in range(2):
                db.add(
                    Comment(
                        subject_type=SUBJECT,
                        subject_id=org.id,
                        parent_id=parent.id,
                        author=authors[(i + j + 1) % len(authors)],
                        body=f"ตอบ {i}.{j}",
                        created_at=parent.created_at + timedelta(minutes=1 + j),
                    )
                )
    db.flush()
    services.reconcile(fix=True)
    db.commit()
    return made


def _queries_for_stream(count_queries, org, **kwargs):
    with count_queries() as statements:
        page = queries.stream(SUBJECT, org.id, part_id="all", **kwargs)
        # touch everything a page renders
        for t in page.threads:
            _ = t.comment.author.display_name
            for r in t.replies:
                _ = r.author.display_name
    return len(statements), page


def test_stream_uses_a_constant_number_of_queries(app, db, factory, org, count_queries):
    authors = [factory.user() for _ in range(5)]
    _bulk(db, org, authors, 10)
    other = factory.organisation()
    _bulk(db, other, authors, 1000)
    db.expunge_all()
    small, page = _queries_for_stream(count_queries, org)
    assert len(page.threads) == 10
    db.expunge_all()
    large, page = _queries_for_stream(count_queries, other)
    assert len(page.threads) == 20 and page.next_cursor
    assert sum(len(t.replies) for t in page.threads) == 8
    assert small == large <= 3


def test_subject_page_query_count_does_not_grow(client, db, factory, org, count_queries, login):
    authors = [factory.user() for _ in range(5)]
    _bulk(db, org, authors, 10)
    other = factory.organisation()
    _bulk(db, other, authors, 1000)
    login(factory.user())
    counts = []
    for subject in (org, other):
        db.expunge_all()
        with count_queries() as statements:
            response = client.get(f"/comments/on/{SUBJECT}/{subject.id}")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_keyset_pagination_walks_every_comment_once(db, factory, org):
    authors = [factory.user()]
    made = _bulk(db, org, authors, 45, replies_every=1000)
    # equal timestamps must not lose or repeat comments
    db.execute(
        update(Comment)
        .where(Comment.id.in_([c.id for c in made[10:20]]))
        .values(created_at=made[10].created_at)
    )
    db.commit()
    for order in ("newest", "oldest"):
        seen, cursor = [], None
        while True:
            page = queries.stream(SUBJECT, org.id, part_id="all", order=order, cursor=cursor, limit=7)
            seen.extend(t.comment.id for t in page.threads)
            cursor = page.next_cursor
            if not cursor:
                break
        assert sorted(seen) == sorted(c.id for c in made)
        assert len(seen) == len(set(seen))


def test_invalid_cursor_is_400_not_500(client, db, factory, org, post):
    post(factory.user())
    for cursor in ("garbage", "eyJ4Ijox", "W10.abc"):
        assert client.get(f"/comments/on/{SUBJECT}/{org.id}?cursor={cursor}").status_code == 400
    assert client.get(f"/comments/on/{SUBJECT}/{org.id}?order=sideways").status_code == 400
    assert client.get(f"/comments/on/{SUBJECT}/{org.id}?position=maybe").status_code == 400
    with pytest.raises(queries.InvalidCursor):
        queries.stream(SUBJECT, org.id, cursor="nonsense")


def test_cursor_of_another_subject_is_refused(db, factory, org):
    authors = [factory.user()]
    _bulk(db, org, authors, 5, replies_every=1000)
    page = queries.stream(SUBJECT, org.id, part_id="all", limit=2)
    other = factory.organisation()
    with pytest.raises(queries.InvalidCursor):
        queries.stream(SUBJECT, other.id, part_id="all", cursor=page.next_cursor)


def test_next_page_link_on_the_page(client, db, factory, org):
    _bulk(db, org, [factory.user()], 25, replies_every=1000)
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
    assert 'rel="next"' in html
    import re

    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    second = client.get(link)
    assert second.status_code == 200
    assert second.get_data(as_text=True).count('class="comment-thread"') == 5


def test_counts_follow_every_change_and_reconcile_proves_them(db, factory, org, post, subject_policy):
    subject_policy["parts"] = [(3, "มาตรา 3")]
    a, b = factory.user(), factory.user()
    first = post(a, part_id=3)
    post(b, body="ทั่วไป")
    reply = post(b, body="ตอบ", parent=first)
    assert queries.counts(SUBJECT, org.id) == {0: 3, 3: 2}
    services.hide_comment(reply, "spam")
    services.delete_comment(first, a)
    db.commit()
    assert queries.counts(SUBJECT, org.id) == {0: 1, 3: 0}
    services.restore_comment(reply)
    db.commit()
    assert queries.counts(SUBJECT, org.id) == {0: 2, 3: 1}
    assert services.reconcile(fix=False) == []
    assert queries.counts_for(SUBJECT, [org.id, org.id + 1000]) == {org.id: 2, org.id + 1000: 0}


def test_reconcile_finds_and_corrects_drift(db, factory, org, post):
    post(factory.user())
    post(factory.user())
    db.execute(update(CommentCount).where(CommentCount.part_id == 0).values(published_count=7))
    db.commit()
    mismatches = services.reconcile(fix=False)
    assert [(m.stored, m.actual) for m in mismatches] == [(7, 2)]
    services.reconcile(fix=True)
    db.commit()
    assert queries.counts(SUBJECT, org.id)[0] == 2
    assert services.reconcile(fix=False) == []


def test_reconcile_command(runner, db, factory, org, post, app):
    post(factory.user())
    db.execute(update(CommentCount).values(published_count=0))
    db.commit()
    result = runner.invoke(args=["comments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 count(s) corrected" in result.output


def test_count_cannot_go_negative(db, org):
    from sqlalchemy.exc import IntegrityError

    db.add(CommentCount(subject_type=SUBJECT, subject_id=org.id, part_id=0, published_count=-1))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_pending_comments_show_only_to_their_author(db, factory, org, post, subject_policy):
    subject_policy["premoderated"] = True
    author = factory.user()
    comment = post(author)
    assert comment.status == CommentStatus.pending
    assert queries.stream(SUBJECT, org.id).threads == []
    assert [t.comment.id for t in queries.stream(SUBJECT, org.id, viewer_id=author.id).threads] == [
        comment.id
    ]
    assert queries.counts(SUBJECT, org.id)[0] == 0
