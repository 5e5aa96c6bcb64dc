"""The whole life cycle through HTTP, like the people who use it."""

from __future__ import annotations

from sqlalchemy import select

from participation import worker
from participation.comments.models import Comment
from participation.hearings.models import Hearing, HearingStatus
from tests.hearings.conftest import DRAFT_ACT


def test_hearing_life_cycle_through_http(client, login, factory, agency, staff, db, clock):
    # Staff create the hearing, add the text and a question, and schedule it.
    login(staff)
    response = client.post(
        "/hearings/new",
        data={
            "organisation_id": agency.id,
            "title_th": "ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ....",
            "summary_th": "ส่งเสริมการใช้จักรยานในเมือง",
            "kind": "draft_law",
            "law_type": "act",
            "contact": "กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐",
            "required_level": "1",
            "opens_at": "2026-12-02T09:00",
            "closes_at": "2026-12-20T17:00",
        },
    )
    assert response.status_code == 302
    hearing = db.scalars(select(Hearing)).one()
    assert client.post(f"/hearings/{hearing.id}/text", data={"text": ""}).status_code == 422
    response = client.post(f"/hearings/{hearing.id}/text", data={"text": "มาตรา ๑\nมาตรา ๒ ข้อความ"})
    assert response.status_code == 422
    assert "has no text" in response.get_data(as_text=True)
    assert client.post(f"/hearings/{hearing.id}/text", data={"text": DRAFT_ACT}).status_code == 302
    response = client.post(
        f"/hearings/{hearing.id}/questions",
        data={"prompt": "เห็นด้วยหรือไม่", "kind": "yes_no", "allow_reason": "y"},
    )
    assert response.status_code == 302
    assert client.post(f"/hearings/{hearing.id}/schedule").status_code == 302
    db.expire_all()
    assert hearing.status == HearingStatus.scheduled
    section = [s for s in hearing.versions[0].sections if s.number == "๓"][0]
    client.post("/signout")

    # The public sees the announcement; nobody can comment before the opening.
    page = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "มาตรา ๓/๑" in page
    citizen = factory.user(locale="en", name="ประชาชน ทดสอบ")
    login(citizen)
    comment_url = f"/comments/on/hearing/{hearing.id}"
    response = client.post(comment_url, data={"body": "เร็วไป", "part_id": section.id})
    assert response.status_code in (403, 422)

    # The clock opens it; the worker records it.
    clock.now = hearing.opens_at
    assert worker.run_once(clock.now)["participation.hearings.services:advance"] == 1
    page = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "19 days left" in page

    # A citizen comments on a section and answers the questionnaire.
    response = client.post(
        comment_url,
        data={
            "body": "ควรกำหนดความกว้างขั้นต่ำของทางจักรยาน <script>alert(1)</script>",
            "part_id": section.id,
            "position": "suggest_change",
            "stakeholder_group": "citizen",
        },
    )
    assert response.status_code == 302
    assert client.post(comment_url, data={"body": "   ", "part_id": section.id}).status_code == 422
    comment = db.scalars(select(Comment)).one()
    section_page = client.get(f"/hearings/{hearing.id}/sections/{section.id}").get_data(as_text=True)
    assert "ควรกำหนดความกว้างขั้นต่ำ" in section_page
    assert "<script>alert(1)" not in section_page
    assert "1 comment on มาตรา ๓" in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    question = hearing.questions[0]
    response = client.post(
        f"/hearings/{hearing.id}/questionnaire", data={f"q{question.id}": question.choices[0].id}
    )
    assert response.status_code == 302

    # The clock closes it; comments are refused from then on.
    clock.now = hearing.closes_at
    worker.run_once(clock.now)
    db.expire_all()
    assert hearing.status == HearingStatus.closed
    assert client.post(comment_url, data={"body": "ช้าไป", "part_id": section.id}).status_code in (403, 422)
    client.post("/signout")

    # Staff answer the comment and publish the report.
    login(staff)
    response = client.post(
        f"/hearings/{hearing.id}/dispositions",
        data={
            "comment_ids": comment.id,
            "outcome": "accepted",
            "explanation": "จะกำหนดความกว้างขั้นต่ำ ๑.๕ เมตร",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/hearings/{hearing.id}/report", data={"summary": "มีผู้ร่วมแสดงความคิดเห็น ๑ คน", "action": "publish"}
    )
    assert response.status_code == 302
    db.expire_all()
    assert hearing.status == HearingStatus.report_published
    client.post("/signout")

    # The citizen sees the answer to their comment.
    login(citizen)
    report = client.get(f"/hearings/{hearing.id}/report").get_data(as_text=True)
    assert "ควรกำหนดความกว้างขั้นต่ำ" in report
    assert "จะกำหนดความกว้างขั้นต่ำ ๑.๕ เมตร" in report
    assert "Accepted" in report
    assert "Report published" in client.get("/hearings/").get_data(as_text=True)
