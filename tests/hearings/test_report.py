"""Dispositions and the hearing report: every comment answered before publication."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from participation import events
from participation.comments import services as comments
from participation.hearings import queries, services
from participation.hearings.models import DispositionOutcome, HearingDisposition, HearingStatus
from participation.transparency.models import LedgerEntry
from tests.hearings.conftest import sections_of

LETTER = "ขอให้ยกเลิกโทษปรับสำหรับผู้จอดรถบนทางจักรยานในช่วงกลางคืน เพราะไม่มีที่จอดรถเพียงพอในชุมชนเก่า"


@pytest.fixture
def commented(hearings, agency, staff, factory, db, clock):
    """An open hearing with four comments (two of them one form letter) and a reply."""
    hearing = hearings.open(agency, staff)
    people = [factory.user() for _ in range(3)]
    section = sections_of(hearing)[-1]
    posted = [
        comments.post_comment(
            author=people[0],
            subject_type="hearing",
            subject_id=hearing.id,
            part_id=section.id,
            body=LETTER,
            position="disagree",
            stakeholder_group="citizen",
            now=clock.now,
        ),
        comments.post_comment(
            author=people[1],
            subject_type="hearing",
            subject_id=hearing.id,
            part_id=section.id,
            body=LETTER,
            position="disagree",
            stakeholder_group="citizen",
            now=clock.now,
        ),
        comments.post_comment(
            author=people[2],
            subject_type="hearing",
            subject_id=hearing.id,
            body='=HYPERLINK("http://evil.example","คลิก") เห็นด้วยทั้งฉบับ',
            position="agree",
            stakeholder_group="academia",
            on_behalf_of="มหาวิทยาลัยทดสอบ",
            now=clock.now,
        ),
        comments.post_comment(
            author=people[0],
            subject_type="hearing",
            subject_id=hearing.id,
            body="ควรมีบทเฉพาะกาลสำหรับท้องถิ่นขนาดเล็ก",
            position="suggest_change",
            now=clock.now,
        ),
    ]
    comments.post_comment(
        author=people[1],
        subject_type="hearing",
        subject_id=hearing.id,
        parent=posted[3],
        body="เห็นด้วยกับความเห็นนี้",
        now=clock.now,
    )
    db.commit()
    return hearing, posted, people


def close(hearing, clock, db):
    clock.now = hearing.closes_at
    services.advance(clock.now)
    db.commit()


def test_dispositions_only_after_closing(commented, staff, clock):
    hearing, posted, _people = commented
    with pytest.raises(services.HearingError) as info:
        services.dispose(
            hearing,
            [posted[0].id],
            outcome="accepted",
            explanation="ok",
            changed_section_id=None,
            actor=staff,
            now=clock.now,
        )
    assert info.value.code == "not_closed"


def test_report_refused_until_every_comment_is_answered(commented, staff, clock, db):
    hearing, posted, _people = commented
    close(hearing, clock, db)
    # Replies are conversation: the four top-level comments need an answer.
    assert queries.undisposed_count(hearing) == 4
    services.dispose(
        hearing,
        [posted[0].id, posted[1].id],
        outcome="not_accepted",
        explanation="เหตุผล",
        changed_section_id=None,
        actor=staff,
        now=clock.now,
    )
    with pytest.raises(services.HearingError) as info:
        services.publish_report(hearing, "สรุปผล", staff, clock.now)
    assert info.value.code == "undisposed" and info.value.params["count"] == 2
    assert hearing.status == HearingStatus.closed
    for comment in posted[2:]:
        services.dispose(
            hearing,
            [comment.id],
            outcome="out_of_scope",
            explanation="นอกขอบเขต",
            changed_section_id=None,
            actor=staff,
            now=clock.now,
        )
    with pytest.raises(services.HearingError) as info:
        services.publish_report(hearing, "  ", staff, clock.now)
    assert info.value.code == "required"
    services.publish_report(hearing, "สรุปผล", staff, clock.now)
    assert hearing.status == HearingStatus.report_published


def test_comments_of_another_hearing_or_replies_cannot_be_disposed(
    commented, hearings, agency, staff, clock, db
):
    hearing, posted, _people = commented
    close(hearing, clock, db)
    reply_id = db.scalar(select(comments.Comment.id).where(comments.Comment.parent_id == posted[3].id))
    with pytest.raises(services.HearingError) as info:
        services.dispose(
            hearing,
            [reply_id],
            outcome="accepted",
            explanation="x",
            changed_section_id=None,
            actor=staff,
            now=clock.now,
        )
    assert info.value.code == "bad_comment"
    with pytest.raises(services.HearingError) as info:
        services.dispose(
            hearing,
            [posted[0].id],
            outcome="accepted",
            explanation="x",
            changed_section_id=sections_of(hearing)[0].id,
            actor=staff,
            now=clock.now,
        )
    assert info.value.code == "bad_section"


def test_one_disposition_per_comment_in_the_database(commented, staff, clock, db):
    hearing, posted, _people = commented
    db.add(
        HearingDisposition(
            hearing_id=hearing.id,
            comment_id=posted[0].id,
            outcome=DispositionOutcome.accepted,
            explanation="a",
        )
    )
    db.commit()
    db.add(
        HearingDisposition(
            hearing_id=hearing.id,
            comment_id=posted[0].id,
            outcome=DispositionOutcome.accepted,
            explanation="b",
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_form_letter_answered_in_one_step_and_report_published(client, login, commented, staff, clock, db):
    hearing, posted, people = commented
    close(hearing, clock, db)
    version = services.new_version(hearing, staff, clock.now)
    changed = [s for s in version.sections if s.number == "4"][0]
    services.update_section(
        changed,
        prefix="มาตรา",
        number="4",
        heading="",
        body="ผู้ใดจอดยานพาหนะบนทางจักรยานในเวลากลางวันต้องระวางโทษปรับไม่เกินหนึ่งพันบาท",
    )
    services.publish_version(version, "ปรับตามความเห็น", staff, clock.now)
    db.commit()
    login(staff)
    page = client.get(f"/hearings/{hearing.id}/dispositions").get_data(as_text=True)
    assert "Near-identical comments" in page
    response = client.post(
        f"/hearings/{hearing.id}/dispositions",
        data={
            "comment_ids": [posted[0].id, posted[1].id],
            "outcome": "partly_accepted",
            "explanation": "ยกเว้นเวลากลางคืนแล้ว",
            "changed_section_id": str(changed.id),
        },
    )
    assert response.status_code == 302
    response = client.post(f"/hearings/{hearing.id}/report", data={"summary": "สรุป", "action": "publish"})
    assert response.status_code == 422
    assert "2 comments have no answer" in response.get_data(as_text=True)
    for comment in posted[2:]:
        client.post(
            f"/hearings/{hearing.id}/dispositions",
            data={
                "comment_ids": comment.id,
                "outcome": "accepted",
                "explanation": "รับไว้พิจารณา",
                "changed_section_id": "",
            },
        )
    # Bad input: no outcome, empty explanation.
    response = client.post(
        f"/hearings/{hearing.id}/dispositions", data={"comment_ids": posted[2].id, "explanation": ""}
    )
    assert response.status_code == 422
    seen = []
    events.listen(seen.append)
    try:
        response = client.post(
            f"/hearings/{hearing.id}/report", data={"summary": "สรุปผลการรับฟังความคิดเห็น", "action": "publish"}
        )
    finally:
        events._listeners.remove(seen.append)
    assert response.status_code == 302
    event = [e for e in seen if e.kind == "hearing.report_published"][0]
    assert sorted(event.recipient_ids) == sorted(p.id for p in people)
    assert event.private["answers"][people[0].id] == [posted[0].id, posted[3].id]
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "hearing.report_published")).one()
    payload = json.loads(entry.payload)
    assert payload["comments"] == 4 and payload["participants"] == 3
    assert "@" not in entry.payload

    # The public report: statistics, "you said, we did" with the changed text.
    client.post("/signout")
    html = client.get(f"/hearings/{hearing.id}/report").get_data(as_text=True)
    assert "ยกเว้นเวลากลางคืนแล้ว" in html
    assert "ในเวลากลางวัน" in html
    assert "<svg" in html
    assert people[0].email not in html

    # CSV: every comment and answer, formula-safe.
    response = client.get(f"/hearings/{hearing.id}/report.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 5
    bodies = [r[7] for r in rows[1:]]
    assert any(b.startswith("'=HYPERLINK") for b in bodies)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert all(p.email not in text for p in people)


def test_unpublished_report_is_private(client, login, commented, factory, clock, db):
    hearing, _posted, _people = commented
    close(hearing, clock, db)
    assert client.get(f"/hearings/{hearing.id}/report").status_code == 404
    assert client.get(f"/hearings/{hearing.id}/report.csv").status_code == 404


@pytest.mark.parametrize(
    ("query", "status"), [("part=abc", 400), ("part=²", 400), ("part=none", 200), ("part=all", 200)]
)
def test_report_part_filter_is_checked(client, login, commented, staff, clock, db, query, status):
    hearing, _posted, _people = commented
    close(hearing, clock, db)
    login(staff)
    assert client.get(f"/hearings/{hearing.id}/report?{query}").status_code == status
