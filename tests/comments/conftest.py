"""A test-only commentable subject type backed by the organisations table.

``test_org`` is registered in ``participation.subjects`` and as commentable
(and flaggable through comments) for these tests; ``subject_policy`` lets a
test open/close it, pre-moderate it, give it parts or the hearing fields.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import event

from participation import db as db_module
from participation import subjects
from participation.accounts.models import Organisation
from participation.comments import registry
from participation.identity import IdentityLevel

SUBJECT = "test_org"


@pytest.fixture
def subject_policy():
    """Mutable settings of the ``test_org`` policy."""
    return {"open": True, "premoderated": False, "level": IdentityLevel.email, "parts": None}


@pytest.fixture(autouse=True)
def register_test_subject(subject_policy):
    subjects.register(
        subjects.SubjectType(
            name=SUBJECT,
            load=lambda oid: db_module.session.get(Organisation, oid),
            title=lambda org: org.name_th,
            url=lambda org: url_for("comments.subject_stream", subject_type=SUBJECT, subject_id=org.id),
            organisation_id=lambda org: org.id,
        )
    )
    registry.register_policy(
        registry.CommentPolicy(
            subject_type=SUBJECT,
            is_open=lambda _org: subject_policy["open"],
            premoderated=lambda _org: subject_policy["premoderated"],
            required_level=lambda _org: subject_policy["level"],
            parts=lambda _org: subject_policy["parts"],
            extra_fields=True,
        )
    )
    yield


@pytest.fixture(autouse=True)
def fresh_locale_per_request(app):
    """Requests made inside the ``db`` fixture's app context share ``g``, where
    Flask-Babel caches the locale; recompute it per request as in production."""
    import flask_babel

    app.before_request(flask_babel.refresh)


@pytest.fixture
def org(factory):
    return factory.organisation()


@pytest.fixture
def post(db, org):
    """Post a comment through the service (committed)."""
    from participation.comments import services

    def _post(author, body="ความคิดเห็นทดสอบ", subject=None, **kwargs):
        comment = services.post_comment(
            author=author, subject_type=SUBJECT, subject_id=(subject or org).id, body=body, **kwargs
        )
        db.commit()
        return comment

    return _post


@pytest.fixture
def count_queries(app):
    """A context manager counting SQL statements executed inside it."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        engine = app.extensions["participation.db"].engine
        statements: list[str] = []

        def _before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", _before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", _before)

    return _count


def age(user, db, days: int) -> None:
    """Make an account look ``days`` old."""
    user.created_at = user.created_at - timedelta(days=days)
    db.commit()
