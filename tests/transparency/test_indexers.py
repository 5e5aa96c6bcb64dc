"""The domains' content is searchable; hidden things are not."""

from __future__ import annotations

import pytest

from participation.transparency import search
from tests.transparency import domain_data


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def _kinds(query):
    return {(r.kind, r.ref_id) for r in search.search(query).results}


def test_a_thai_word_inside_an_unspaced_section_is_found(data, db):
    # "ที่จอดรถ" sits inside "ทางจักรยานที่ปลอดภัยและที่จอดรถจักรยานสาธารณะ" with no spaces.
    results = search.search("ที่จอดรถ").results
    sections = [r for r in results if r.kind == "hearing_section"]
    assert sections, [r.kind for r in results]
    assert sections[0].parent_kind == "hearing" and sections[0].parent_ref_id == data.hearing.id
    assert sections[0].url.startswith(f"/hearings/{data.hearing.id}")


def test_hearings_initiatives_proposals_and_comments_are_indexed_by_events(data, db):
    assert ("hearing", data.hearing.id) in _kinds("ส่งเสริมการใช้จักรยาน")
    assert ("initiative", data.initiative.id) in _kinds("สวนสาธารณะ")
    assert ("budget_proposal", data.proposals[1].id) in _kinds("ไฟส่องสว่าง")
    assert ("comment", data.answered.id) in _kinds("ปลอดภัยมากขึ้น")


def test_hidden_deleted_comments_are_not_found_also_after_reindex(data, db):
    assert not _kinds("สนามกอล์ฟ")
    assert ("comment", data.deleted.id) not in _kinds("ผู้เขียนลบเอง")
    search.reindex_all()
    db.commit()
    assert not _kinds("สนามกอล์ฟ")
    assert ("comment", data.deleted.id) not in _kinds("ผู้เขียนลบเอง")
    assert ("comment", data.answered.id) in _kinds("ปลอดภัยมากขึ้น")


def test_draft_hearings_and_initiatives_are_not_found(data, db, factory):
    from datetime import timedelta

    from participation.hearings import services
    from participation.hearings.models import HearingKind, LawType

    now = data.clock.now
    services.create_hearing(
        organisation=data.organisation,
        actor=data.staff,
        title_th="ร่างลับเรื่องเรือดำน้ำ",
        summary_th="ยังไม่ประกาศ",
        kind=HearingKind.draft_law,
        law_type=LawType.act,
        contact="-",
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )
    db.commit()
    search.reindex_all()
    db.commit()
    assert not _kinds("เรือดำน้ำ")


def test_search_page_shows_domain_kinds(client, data):
    page = client.get("/search?q=จักรยาน", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Hearings" in text and "Draft sections" in text


def test_posting_a_comment_does_not_reindex_the_hearing(data, db, factory):
    from datetime import timedelta

    from sqlalchemy import select

    from participation.comments import services as comments
    from participation.hearings import services
    from participation.hearings.models import HearingKind, LawType
    from participation.transparency.models import SearchDocument

    now = data.clock.now
    hearing = services.create_hearing(
        organisation=data.organisation,
        actor=data.staff,
        title_th="ร่างพระราชบัญญัติทางเท้า",
        summary_th="ทางเท้าที่เดินได้",
        kind=HearingKind.draft_law,
        law_type=LawType.act,
        contact="-",
        opens_at=now,
        closes_at=now + timedelta(days=20),
    )
    services.replace_sections(hearing.versions[0], domain_data.SECTION_TEXT)
    services.schedule(hearing, data.staff, now)
    services.advance(now)
    db.commit()
    stamp = db.scalar(
        select(SearchDocument.updated_at).where(
            SearchDocument.kind == "hearing", SearchDocument.ref_id == hearing.id
        )
    )
    data.clock.advance(hours=1)
    comment = comments.post_comment(
        author=data.citizen, subject_type="hearing", subject_id=hearing.id, body="ทางเท้ากว้างขึ้น"
    )
    db.commit()
    assert ("comment", comment.id) in _kinds("ทางเท้ากว้าง")
    assert (
        db.scalar(
            select(SearchDocument.updated_at).where(
                SearchDocument.kind == "hearing", SearchDocument.ref_id == hearing.id
            )
        )
        == stamp
    )


def test_signing_does_not_reindex_the_initiative(data, db, factory):
    """A signature changes no searchable text; re-indexing on each one would slow signing down."""
    from sqlalchemy import select

    from participation.initiatives import services as initiatives
    from participation.transparency.models import SearchDocument

    def stamp():
        return db.scalar(
            select(SearchDocument.updated_at).where(
                SearchDocument.kind == "initiative", SearchDocument.ref_id == data.initiative.id
            )
        )

    before = stamp()
    assert before is not None
    initiatives.sign(data.initiative, factory.user(), data.clock.advance(hours=1), consent=True)
    db.commit()
    assert stamp() == before
