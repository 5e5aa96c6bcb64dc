"""Reports arriving at the same moment cross the hiding threshold exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from participation.moderation.models import ActionKind, ModerationAction
from participation.transparency.models import LedgerEntry


@pytest.mark.postgres_only
def test_simultaneous_reports_hide_once(app, db, factory, org, post, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: real concurrent transactions")
    from participation import db as db_module
    from participation.accounts.models import User
    from participation.moderation import services

    comment = post(factory.user())
    flaggers = [factory.user().id for _ in range(8)]
    barrier = threading.Barrier(len(flaggers))
    errors: list[BaseException] = []

    def report(user_id: int) -> None:
        try:
            with app.app_context():
                user = db_module.session.get(User, user_id)
                barrier.wait(timeout=10)
                try:
                    services.flag(user, "comment", comment.id, "spam")
                    db_module.session.commit()
                except services.ModerationError:
                    db_module.session.rollback()  # already hidden: no longer flaggable
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=report, args=(uid,)) for uid in flaggers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.expire_all()
    hides = db.scalar(
        select(func.count(ModerationAction.id)).where(ModerationAction.kind == ActionKind.auto_hide)
    )
    assert hides == 1
    assert (
        db.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "moderation.flag_threshold"))
        == 1
    )
