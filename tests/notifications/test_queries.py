"""Publishing an event costs the same number of queries whatever the number of followers."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from participation import db as db_module
from participation.notifications import services


@pytest.fixture
def count_statements(db):
    engine = db_module.database().engine

    def _count(action) -> int:
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            action()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    return _count


def _followers(db, factory, org, n):
    for i in range(n):
        user = factory.user(email=f"f{org.id}-{i}@example.org")
        services.follow(user, "organisation", org.id)
        if i % 2:
            services.set_preferences(user, digest=True, paused=False)
    db.commit()


@pytest.mark.parametrize("kind", ["comment.published", "initiative.signed", "hearing.opened"])
def test_hot_path_events_do_a_constant_number_of_queries(db, factory, case, emit, count_statements, kind):
    small, large = factory.organisation(), factory.organisation()
    _followers(db, factory, small, 3)
    _followers(db, factory, large, 30)
    counts = []
    for org in (small, large):
        subject = case(org)
        actor = factory.user()
        counts.append(count_statements(lambda s=subject, a=actor: emit(kind, s, actor_id=a.id, public=False)))
    assert counts[0] == counts[1]
