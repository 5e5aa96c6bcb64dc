"""The questionnaire: one answer per person and question, changeable while open, aggregated cheaply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participation.hearings import queries, services
from participation.hearings.models import HearingAnswer, QuestionKind


@pytest.fixture
def hearing(hearings, agency, staff, db, clock):
    draft = hearings.draft(agency, staff, opens_in=timedelta(0))
    services.add_question(draft, prompt="เห็นด้วยกับทางจักรยานหรือไม่", kind=QuestionKind.yes_no)
    services.add_question(
        draft, prompt="ควรทำอะไรก่อน", kind=QuestionKind.multiple, choices=["ทางจักรยาน", "ที่จอด", "ที่จอด", ""]
    )
    services.schedule(draft, staff, clock.now)
    db.commit()
    return draft


def test_questions_need_choices_and_a_draft(hearings, agency, staff, hearing):
    multi = hearing.questions[1]
    assert [c.label for c in multi.choices] == ["ทางจักรยาน", "ที่จอด"]
    with pytest.raises(services.HearingError) as info:
        services.add_question(hearing, prompt="?", kind=QuestionKind.single, choices=["a"])
    assert info.value.code in ("few_choices", "not_draft")
    draft = hearings.draft(agency, staff)
    with pytest.raises(services.HearingError) as info:
        services.add_question(draft, prompt="ข้อเดียว", kind=QuestionKind.single, choices=["a", " "])
    assert info.value.code == "few_choices"


def test_answer_once_then_change_while_open(client, login, factory, hearing, db, clock):
    citizen = factory.user(locale="en")
    login(citizen)
    yes_no, multi = hearing.questions
    url = f"/hearings/{hearing.id}/questionnaire"
    response = client.post(
        url, data={f"q{yes_no.id}": yes_no.choices[0].id, f"reason{yes_no.id}": "ปลอดภัยขึ้น"}
    )
    assert response.status_code == 302
    response = client.post(
        url,
        data={
            f"q{yes_no.id}": yes_no.choices[1].id,
            f"q{multi.id}": [multi.choices[0].id, multi.choices[1].id],
        },
    )
    assert response.status_code == 302
    answers = db.scalars(select(HearingAnswer).where(HearingAnswer.user_id == citizen.id)).all()
    assert len(answers) == 2
    results = {r.question.id: r for r in queries.questionnaire_results(hearing)}
    assert [c.count for c in results[yes_no.id].choices] == [0, 1]
    assert [c.count for c in results[multi.id].choices] == [1, 1]
    assert results[yes_no.id].respondents == 1
    # Shown on the hearing page.
    assert "1 respondent" in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)


def test_bad_answers_are_refused_with_messages(client, login, factory, hearing, db):
    login(factory.user(locale="en"))
    yes_no, multi = hearing.questions
    url = f"/hearings/{hearing.id}/questionnaire"
    response = client.post(url, data={f"q{yes_no.id}": [yes_no.choices[0].id, yes_no.choices[1].id]})
    assert response.status_code == 422
    assert "exactly one answer" in response.get_data(as_text=True)
    response = client.post(url, data={f"q{yes_no.id}": multi.choices[0].id})
    assert response.status_code == 422
    response = client.post(url, data={})
    assert response.status_code == 422
    assert "at least one question" in response.get_data(as_text=True)
    response = client.post(
        url, data={f"q{yes_no.id}": yes_no.choices[0].id, f"reason{yes_no.id}": "ก" * 2001}
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(HearingAnswer)) == 0


def test_no_answers_after_closing_or_anonymously(client, login, factory, hearing, db, clock):
    yes_no = hearing.questions[0]
    url = f"/hearings/{hearing.id}/questionnaire"
    assert client.post(url, data={f"q{yes_no.id}": yes_no.choices[0].id}).status_code == 302  # to sign in
    login(factory.user(locale="en"))
    clock.now = hearing.closes_at
    response = client.post(url, data={f"q{yes_no.id}": yes_no.choices[0].id})
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(HearingAnswer)) == 0


def test_one_answer_per_person_and_question_in_the_database(factory, hearing, db):
    citizen = factory.user()
    question = hearing.questions[0]
    db.add(HearingAnswer(question_id=question.id, hearing_id=hearing.id, user_id=citizen.id))
    db.commit()
    db.add(HearingAnswer(question_id=question.id, hearing_id=hearing.id, user_id=citizen.id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
