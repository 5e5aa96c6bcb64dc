"""The life cycle: the 15-day rule, scheduling, the clock, extensions, versions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import events, worker
from participation.hearings import services
from participation.hearings.models import HearingStatus
from participation.transparency.models import LedgerEntry
from tests.hearings.conftest import sections_of


def ledger(db, kind):
    return [json.loads(e.payload) for e in db.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind))]


@pytest.fixture
def captured():
    seen = []
    events.listen(seen.append)
    yield seen
    events._listeners.remove(seen.append)


def test_period_under_fifteen_days_is_refused(hearings, agency, staff):
    with pytest.raises(services.HearingError) as info:
        hearings.draft(agency, staff, days=14)
    assert info.value.code == "too_short"
    assert info.value.params["days"] == 15


def test_minimum_days_is_a_setting(app, hearings, agency, staff):
    app.config["HEARING_MIN_DAYS"] = 30
    with pytest.raises(services.HearingError):
        hearings.draft(agency, staff, days=20)


def test_dates_in_the_wrong_order_are_refused(agency, staff, db, clock):
    with pytest.raises(services.HearingError) as info:
        services.check_period(clock.now, clock.now - timedelta(days=20))
    assert info.value.code == "dates_order"


def test_http_form_refuses_short_period_with_a_message(client, login, staff, agency, db):
    login(staff)
    data = {
        "organisation_id": agency.id,
        "title_th": "ร่างทดสอบ",
        "summary_th": "สรุป",
        "kind": "draft_law",
        "law_type": "act",
        "contact": "โทร",
        "required_level": "1",
        "opens_at": "2026-12-10T09:00",
        "closes_at": "2026-12-20T09:00",
    }
    response = client.post("/hearings/new", data=data)
    assert response.status_code == 422
    assert "at least 15 days" in response.get_data(as_text=True)
    response = client.post("/hearings/new", data={**data, "closes_at": "2026-12-01T09:00"})
    assert response.status_code == 422
    assert "must be after the opening" in response.get_data(as_text=True)


def test_bangkok_form_times_are_stored_in_utc(client, login, staff, agency, db, clock):
    login(staff)
    response = client.post(
        "/hearings/new",
        data={
            "organisation_id": agency.id,
            "title_th": "ร่างทดสอบเวลา",
            "summary_th": "สรุป",
            "kind": "evaluation",
            "law_type": "royal_decree",
            "contact": "โทร",
            "required_level": "1",
            "opens_at": "2026-12-10T09:00",
            "closes_at": "2026-12-31T16:30",
        },
    )
    assert response.status_code == 302
    from participation.hearings.models import Hearing

    hearing = db.scalars(select(Hearing)).one()
    assert hearing.opens_at.isoformat() == "2026-12-10T02:00:00+00:00"
    assert hearing.closes_at.isoformat() == "2026-12-31T09:30:00+00:00"
    assert hearing.status == HearingStatus.draft


def test_schedule_needs_sections_and_publishes_the_text(hearings, agency, staff, db, clock):
    empty = hearings.draft(agency, staff, text=None)
    with pytest.raises(services.HearingError) as info:
        services.schedule(empty, staff, clock.now)
    assert info.value.code == "no_sections"
    hearing = hearings.draft(agency, staff)
    services.schedule(hearing, staff, clock.now)
    db.commit()
    assert hearing.status == HearingStatus.scheduled
    assert hearing.versions[0].published_at == clock.now
    assert ledger(db, "hearing.scheduled")[0]["title"] == hearing.title_th


def test_sections_are_frozen_once_scheduled(hearings, agency, staff, db, clock):
    hearing = hearings.draft(agency, staff)
    services.schedule(hearing, staff, clock.now)
    with pytest.raises(services.HearingError) as info:
        services.replace_sections(hearing.versions[0], "มาตรา ๑ ข้อความใหม่")
    assert info.value.code == "frozen"
    with pytest.raises(services.HearingError):
        services.update_section(sections_of(hearing)[0], prefix="มาตรา", number="๑", heading="", body="แก้")


def test_clock_opens_and_closes_with_events_once(hearings, agency, staff, db, clock, captured):
    hearing = hearings.draft(agency, staff, opens_in=timedelta(days=1), days=15)
    services.schedule(hearing, staff, clock.now)
    db.commit()
    # Before the opening nothing moves.
    assert worker.run_once(clock.now)["participation.hearings.services:advance"] == 0
    opening = hearing.opens_at
    # Effective state already open at the opening, before any worker run.
    assert hearing.status_at(opening) == HearingStatus.open
    assert worker.run_once(opening)["participation.hearings.services:advance"] == 1
    db.refresh(hearing)
    assert hearing.status == HearingStatus.open
    assert len(ledger(db, "hearing.opened")) == 1
    # Three days before closing: closing_soon once, not public.
    soon = hearing.closes_at - timedelta(days=2)
    assert services.advance(soon) == 1
    assert services.advance(soon + timedelta(hours=1)) == 0
    kinds = [e.kind for e in captured]
    assert kinds.count("hearing.closing_soon") == 1
    assert [e for e in captured if e.kind == "hearing.closing_soon"][0].public is False
    assert ledger(db, "hearing.closing_soon") == []
    # Closing.
    assert services.advance(hearing.closes_at) == 1
    assert hearing.status == HearingStatus.closed
    assert services.advance(hearing.closes_at + timedelta(days=1)) == 0
    assert len(ledger(db, "hearing.closed")) == 1


def test_worker_catches_up_a_hearing_whose_whole_period_passed(hearings, agency, staff, db, clock):
    hearing = hearings.draft(agency, staff)
    services.schedule(hearing, staff, clock.now)
    assert services.advance(hearing.closes_at + timedelta(days=5)) == 2
    assert hearing.status == HearingStatus.closed


def test_unschedule_only_before_opening(hearings, agency, staff, db, clock):
    hearing = hearings.draft(agency, staff)
    services.schedule(hearing, staff, clock.now)
    services.unschedule(hearing, staff, clock.now)
    assert hearing.status == HearingStatus.draft
    assert hearing.versions[0].published_at is None
    services.schedule(hearing, staff, clock.now)
    with pytest.raises(services.HearingError):
        services.unschedule(hearing, staff, hearing.opens_at + timedelta(minutes=1))


def test_extension_only_later_and_public(hearings, agency, staff, db, clock):
    hearing = hearings.open(agency, staff)
    old = hearing.closes_at
    with pytest.raises(services.HearingError) as info:
        services.extend(hearing, old - timedelta(days=1), "สั้นลง", staff, clock.now)
    assert info.value.code == "not_later"
    with pytest.raises(services.HearingError):
        services.extend(hearing, old, "เท่าเดิม", staff, clock.now)
    with pytest.raises(services.HearingError) as info:
        services.extend(hearing, old + timedelta(days=7), "   ", staff, clock.now)
    assert info.value.code == "required"
    services.extend(hearing, old + timedelta(days=7), "มีผู้ขอขยายเวลาจำนวนมาก", staff, clock.now)
    db.commit()
    assert hearing.closes_at == old + timedelta(days=7)
    entry = ledger(db, "hearing.extended")[0]
    assert entry["reason"] == "มีผู้ขอขยายเวลาจำนวนมาก"
    assert entry["closes_at"] == (old + timedelta(days=7)).isoformat()
    # Not while closed.
    with pytest.raises(services.HearingError) as info:
        services.extend(hearing, old + timedelta(days=60), "ช้าไป", staff, old + timedelta(days=8))
    assert info.value.code == "not_open"


def test_extension_is_shown_on_the_page(client, hearings, agency, staff, db, clock):
    hearing = hearings.open(agency, staff)
    services.extend(
        hearing, hearing.closes_at + timedelta(days=10), "เหตุผลการขยายเวลาที่เปิดเผย", staff, clock.now
    )
    db.commit()
    html = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "เหตุผลการขยายเวลาที่เปิดเผย" in html
    assert "30" in html  # 20 + 10 days left, server-rendered


def test_new_version_keeps_section_identity_and_publishes(hearings, agency, staff, db, clock):
    hearing = hearings.open(agency, staff)
    with pytest.raises(services.HearingError):
        services.publish_version(hearing.versions[0], "note", staff, clock.now)
    version = services.new_version(hearing, staff, clock.now)
    with pytest.raises(services.HearingError) as info:
        services.new_version(hearing, staff, clock.now)
    assert info.value.code == "version_pending"
    services.replace_sections(version, "มาตรา ๑ ชื่อใหม่\nมาตรา ๒ ใช้บังคับหลังประกาศเก้าสิบวัน\nมาตรา ๕ เพิ่มใหม่")
    keys1 = {s.number: s.key for s in sections_of(hearing)}
    keys2 = {s.number: s.key for s in version.sections}
    assert keys2["๑"] == keys1["๑"] and keys2["๒"] == keys1["๒"]
    assert keys2["๕"] not in keys1.values()
    with pytest.raises(services.HearingError) as info:
        services.publish_version(version, "  ", staff, clock.now)
    assert info.value.code == "required"
    services.publish_version(version, "ปรับตามความเห็น", staff, clock.now)
    db.commit()
    entry = ledger(db, "hearing.version_published")[0]
    assert entry["version"] == 2 and entry["while_open"] is True
    assert services.current_version(hearing) is version


def test_compare_page_shows_insertions_and_deletions(client, hearings, agency, staff, db, clock):
    hearing = hearings.open(agency, staff)
    version = services.new_version(hearing, staff, clock.now)
    section = [s for s in version.sections if s.number == "4"][0]
    services.update_section(
        section,
        prefix="มาตรา",
        number="4",
        heading="",
        body="ผู้ใดจอดยานพาหนะบนทางจักรยานต้องระวางโทษปรับไม่เกินสองพันบาท <b>",
    )
    services.publish_version(version, "เพิ่มโทษ", staff, clock.now)
    db.commit()
    html = client.get(f"/hearings/{hearing.id}/compare").get_data(as_text=True)
    assert "<ins>" in html and "<del>" in html
    assert "สอง" in html and "&lt;b&gt;" in html
