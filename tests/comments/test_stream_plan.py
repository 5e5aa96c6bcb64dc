"""The stream reads top-level comments in index order: no sort of every comment of a subject.

Found by the load benchmark (issue 10): on PostgreSQL, ``ix_comments_stream`` cannot give
(created_at, id) order under ``parent_id IS NULL``, so each page sorted all the subject's
comments (20-30 ms at 10,000 comments). ``ix_comments_top_stream`` (partial, top level only)
gives the order directly.
"""

from __future__ import annotations

from sqlalchemy import event, text

from participation.comments import queries
from tests.comments.conftest import SUBJECT
from tests.comments.test_stream import _bulk


def _plan(db, app, org, **kwargs) -> tuple[str, queries.StreamPage]:
    engine = app.extensions["participation.db"].engine
    captured: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().startswith("SELECT comments.id") and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        page = queries.stream(SUBJECT, org.id, part_id="all", **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    statement, parameters = captured[0]
    raw = db.connection().connection.driver_connection
    if engine.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            # Small tables favour a sequential scan; the question is whether an ordered path exists.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    else:
        plan = "\n".join(str(row) for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    return plan, page


def test_first_and_next_page_need_no_sort(db, app, org, factory):
    authors = [factory.user() for _ in range(3)]
    _bulk(db, org, authors, 120)
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        db.execute(text("ANALYZE comments"))
    for order in ("newest", "oldest"):
        plan, page = _plan(db, app, org, order=order)
        if postgres:
            assert "ix_comments_top_stream" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        plan, second = _plan(db, app, org, order=order, cursor=page.next_cursor)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        first_ids = {t.comment.id for t in page.threads}
        assert second.threads and first_ids.isdisjoint(t.comment.id for t in second.threads)
