"""Concurrency on PostgreSQL: one opening event however many workers run; one answer per person."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation import db as db_module
from participation.accounts.models import User
from participation.hearings import services
from participation.hearings.models import Hearing, HearingAnswer
from participation.transparency.models import LedgerEntry


def run_in_threads(app, n, work):
    barrier = threading.Barrier(n)
    errors = []

    def target():
        with app.app_context():
            try:
                barrier.wait()
                work()
                db_module.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the test
                db_module.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.postgres_only
def test_parallel_workers_open_a_hearing_once(app, is_postgres, hearings, agency, staff, db, clock):
    if not is_postgres:
        pytest.skip("needs PostgreSQL row locks (FOR UPDATE SKIP LOCKED)")
    hearing = hearings.draft(agency, staff)
    services.schedule(hearing, staff, clock.now)
    db.commit()
    moment = hearing.opens_at
    hearing_id = hearing.id
    errors = run_in_threads(app, 6, lambda: services.advance(moment))
    assert errors == []
    db.expire_all()
    assert db.get(Hearing, hearing_id).status.value == "open"
    opened = db.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "hearing.opened")
    )
    assert opened == 1


@pytest.mark.postgres_only
def test_parallel_answers_of_one_person_keep_one_row(
    app, is_postgres, hearings, agency, staff, factory, db, clock
):
    if not is_postgres:
        pytest.skip("needs PostgreSQL concurrency")
    from participation.hearings.models import QuestionKind

    draft = hearings.draft(agency, staff, opens_in=timedelta(0))
    question = services.add_question(draft, prompt="เห็นด้วยหรือไม่", kind=QuestionKind.yes_no)
    services.schedule(draft, staff, clock.now)
    services.advance(clock.now)
    db.commit()
    citizen_id = factory.user().id
    hearing_id, question_id, choice_id = draft.id, question.id, question.choices[0].id
    now = clock.now

    def answer():
        session = db_module.session
        services.answer_questionnaire(
            session.get(Hearing, hearing_id),
            session.get(User, citizen_id),
            {question_id: ([choice_id], "")},
            now,
        )

    errors = run_in_threads(app, 5, answer)
    assert errors == []
    rows = db.scalar(
        select(func.count()).select_from(HearingAnswer).where(HearingAnswer.user_id == citizen_id)
    )
    assert rows == 1
