"""The life cycle: draft, co-authors, review, collecting, hand-over, response, expiry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import db as db_module
from participation.initiatives import services
from participation.initiatives.models import InitiativeState, TimelineEvent
from participation.notifications.models import OutboxMessage
from participation.worker import run_once
from tests.initiatives.conftest import collecting, ledger_kinds, make_initiative


def test_draft_review_approve_publishes_with_public_events(db, world, client_for):
    author = client_for(world.author)
    response = author.post(
        "/initiatives/new",
        data={
            "type_id": world.petition.id,
            "title": "ขอให้เพิ่มรถเมล์สาย 8",
            "summary": "รถเมล์ไม่พอในชั่วโมงเร่งด่วน",
            "body": "รายละเอียด **ข้อเสนอ**",
            "topic": "การเดินทาง",
            "duration_days": 60,
        },
    )
    assert response.status_code == 302
    initiative_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert author.get(f"/initiatives/{initiative_id}").status_code == 200
    # A draft is private: anonymous readers get 404.
    assert db_module.session.get(services.Initiative, initiative_id).state == InitiativeState.draft
    assert client_for(world.citizen).get(f"/initiatives/{initiative_id}").status_code == 404

    assert author.post(f"/initiatives/{initiative_id}/submit").status_code == 302
    moderator = client_for(world.moderator)
    assert "ขอให้เพิ่มรถเมล์สาย 8" in moderator.get("/initiatives/review").get_data(as_text=True)
    assert moderator.post(f"/initiatives/{initiative_id}/approve").status_code == 302

    db.expire_all()
    initiative = db.get(services.Initiative, initiative_id)
    assert initiative.state == InitiativeState.collecting
    assert initiative.deadline - initiative.published_at == timedelta(days=60)
    assert initiative.threshold == 1000
    for kind in ("initiative.submitted", "initiative.approved", "initiative.published"):
        assert len(ledger_kinds(kind)) == 1
    page = client_for(world.citizen).get(f"/initiatives/{initiative_id}").get_data(as_text=True)
    assert "<strong>ข้อเสนอ</strong>" in page


def test_moderator_returns_with_public_reason(db, world, client_for):
    initiative = make_initiative(world)
    services.submit(initiative, world.author, db_module.utcnow())
    db.commit()
    response = client_for(world.moderator).post(
        f"/initiatives/{initiative.id}/return", data={"reason": "unclear", "note": "โปรดระบุพื้นที่ให้ชัดเจน"}
    )
    assert response.status_code == 302
    db.expire_all()
    assert initiative.state == InitiativeState.draft
    assert initiative.return_reason == "unclear"
    entry = ledger_kinds("initiative.returned")[0]
    assert json.loads(entry.payload)["reason"] == "unclear"
    page = client_for(world.author).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "โปรดระบุพื้นที่ให้ชัดเจน" in page
    # The author can edit again after a return.
    assert client_for(world.author).get(f"/initiatives/{initiative.id}/edit").status_code == 200


def test_return_with_unknown_reason_is_refused(db, world, client_for):
    initiative = make_initiative(world)
    services.submit(initiative, world.author, db_module.utcnow())
    db.commit()
    response = client_for(world.moderator).post(
        f"/initiatives/{initiative.id}/return", data={"reason": "nope"}
    )
    assert response.status_code == 422
    db.expire_all()
    assert initiative.state == InitiativeState.in_review


def test_illegal_transitions_are_refused(db, world):
    initiative = make_initiative(world)
    now = db_module.utcnow()
    with pytest.raises(services.InitiativeError) as exc:
        services.approve(initiative, world.moderator, now)
    assert exc.value.code == "illegal_transition"
    with pytest.raises(services.InitiativeError):
        services.hand_over(initiative, world.author, now)
    with pytest.raises(services.InitiativeError):
        services.record_response(initiative, world.agency_staff, "ตอบ", [], now)
    assert initiative.state == InitiativeState.draft


def test_approving_a_draft_over_http_is_409(db, world, client_for):
    initiative = make_initiative(world)
    response = client_for(world.moderator).post(f"/initiatives/{initiative.id}/approve")
    assert response.status_code == 409
    db.expire_all()
    assert initiative.state == InitiativeState.draft


def test_coauthor_invitation_signed_link(db, world, client_for):
    initiative = make_initiative(world)
    author = client_for(world.author)
    assert (
        author.post(f"/initiatives/{initiative.id}/invite", data={"email": world.coauthor.email}).status_code
        == 302
    )
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == world.coauthor.email))
    assert message is not None
    link = next(line for line in message.body_text.splitlines() if "/initiatives/invitation/" in line)
    path = link[link.index("/initiatives/invitation/") :].strip()

    # Someone else cannot use it.
    assert client_for(world.citizen).post(path).status_code == 403
    # A forged token is refused.
    assert client_for(world.coauthor).post(path + "x").status_code == 400
    coauthor = client_for(world.coauthor)
    assert coauthor.post(path).status_code == 302
    db.expire_all()
    assert world.coauthor.id in initiative.author_ids()
    response = coauthor.post(
        f"/initiatives/{initiative.id}/edit",
        data={
            "type_id": initiative.type_id,
            "title": "ชื่อใหม่จากผู้ร่วมเขียน",
            "summary": initiative.summary,
            "body": initiative.body,
            "duration_days": 30,
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert initiative.title == "ชื่อใหม่จากผู้ร่วมเขียน"


def test_edit_with_too_long_period_is_422_and_keeps_text(db, world, client_for):
    initiative = make_initiative(world)
    response = client_for(world.author).post(
        f"/initiatives/{initiative.id}/edit",
        data={
            "type_id": initiative.type_id,
            "title": "ใหม่",
            "summary": "ส",
            "body": "ข",
            "duration_days": 500,
        },
    )
    assert response.status_code == 422
    assert "500" in response.get_data(as_text=True) or "90" in response.get_data(as_text=True)
    db.expire_all()
    assert initiative.title == "ขอให้เพิ่มสวนสาธารณะ"


def test_expiry_by_the_clock(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, days=10)
    later = initiative.deadline + timedelta(seconds=1)
    # Pages see the effective state before the worker runs.
    assert services.effective_state(initiative, later) == InitiativeState.expired
    with pytest.raises(services.InitiativeError):
        services.check_can_sign(initiative, world.citizen, later)
    assert services.close_due(later) == 1
    db.commit()
    assert initiative.state == InitiativeState.expired
    assert len(ledger_kinds("initiative.expired")) == 1
    assert services.close_due(later + timedelta(hours=1)) == 0


def test_deadline_with_threshold_met_hands_over(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=1)
    services.sign(initiative, world.citizen, now, consent=True)
    db.commit()
    later = initiative.deadline + timedelta(minutes=1)
    assert services.effective_state(initiative, later) == InitiativeState.handed_over
    run_once(later)
    db.expire_all()
    assert initiative.state == InitiativeState.handed_over
    assert initiative.response_due_at == initiative.handed_over_at + timedelta(
        days=world.petition.response_days
    )
    assert len(ledger_kinds("initiative.handed_over")) == 1


def test_hand_over_response_overdue_and_close(db, world, client_for):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=2)
    services.sign(initiative, world.citizen, now, consent=True)
    db.commit()
    author = client_for(world.author)
    # Not yet at the threshold: refused.
    assert author.post(f"/initiatives/{initiative.id}/hand-over").status_code == 409
    services.sign(initiative, world.coauthor, now, consent=True)
    db.commit()
    assert author.post(f"/initiatives/{initiative.id}/hand-over").status_code == 302
    db.expire_all()
    assert initiative.state == InitiativeState.handed_over

    overdue_at = initiative.response_due_at + timedelta(days=1)
    assert services.is_overdue(initiative, overdue_at)
    assert services.mark_overdue(overdue_at) == 1
    assert services.mark_overdue(overdue_at + timedelta(days=1)) == 0
    db.commit()
    assert len(ledger_kinds("initiative.response_overdue")) == 1

    staff = client_for(world.agency_staff)
    response = staff.post(
        f"/initiatives/{initiative.id}/timeline", data={"code": "received", "text": "ได้รับเรื่องแล้ว"}
    )
    assert response.status_code == 302
    response = staff.post(f"/initiatives/{initiative.id}/response", data={"text": "กรมจะดำเนินการตามข้อเสนอ"})
    assert response.status_code == 302
    db.expire_all()
    assert initiative.state == InitiativeState.responded
    assert len(ledger_kinds("initiative.response_recorded")) == 1
    assert staff.post(f"/initiatives/{initiative.id}/close").status_code == 302
    db.expire_all()
    assert initiative.state == InitiativeState.closed
    page = client_for(world.citizen).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "กรมจะดำเนินการตามข้อเสนอ" in page and "ได้รับเรื่องแล้ว" in page
    codes = db.scalars(select(TimelineEvent.code).where(TimelineEvent.initiative_id == initiative.id)).all()
    assert {"collecting", "handed_over", "received", "decision", "closed", "response_overdue"} <= set(codes)


def test_withdraw_by_author_stops_signing(db, world, client_for):
    initiative = collecting(world)
    assert client_for(world.citizen).post(f"/initiatives/{initiative.id}/withdraw").status_code == 403
    assert client_for(world.author).post(f"/initiatives/{initiative.id}/withdraw").status_code == 302
    db.expire_all()
    assert initiative.state == InitiativeState.withdrawn
    response = client_for(world.citizen).post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"})
    assert response.status_code == 409
    assert len(ledger_kinds("initiative.withdrawn")) == 1


def test_type_numbers_out_of_range_are_refused(db, world, client_for):
    admin = client_for(world.admin)
    data = {
        "slug": "local",
        "name_th": "ข้อเสนอท้องถิ่น",
        "organisation_id": world.agency.id,
        "threshold": 0,
        "max_days": 800,
        "min_identity_level": "email",
        "response_days": 30,
    }
    response = admin.post("/initiatives/types/new", data=data)
    assert response.status_code == 422
    assert db.scalar(select(services.InitiativeType).where(services.InitiativeType.slug == "local")) is None
    with pytest.raises(services.InitiativeError) as exc:
        services.validate_type_numbers(20_000_000, 10, 10)
    assert exc.value.code == "threshold_range"
    data.update(threshold=500, max_days=120)
    assert admin.post("/initiatives/types/new", data=data).status_code == 302
    assert client_for(world.citizen).get("/initiatives/types").status_code == 403


def test_standard_types_are_seeded_once(db, world):
    again = services.seed_standard_types(world.parliament, world.agency)
    assert [t.id for t in again] == [world.bill.id, world.amendment.id, world.petition.id]
    assert (world.bill.threshold, world.amendment.threshold, world.petition.threshold) == (
        10_000,
        50_000,
        1_000,
    )
    assert world.bill.min_identity_level.value == "national_id" and world.bill.requires_personal_details


def test_comments_are_embedded_and_open_only_while_public(db, world, client_for, client):
    from participation.comments.registry import get_policy

    initiative = collecting(world)
    url = f"/comments/on/initiative/{initiative.id}"
    response = client_for(world.citizen).post(url, data={"body": "เห็นด้วยอย่างยิ่ง ควรทำโดยเร็ว"})
    assert response.status_code in (302, 303)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "เห็นด้วยอย่างยิ่ง ควรทำโดยเร็ว" in page
    draft = make_initiative(world)
    assert get_policy("initiative").is_open(draft) is False
    assert (
        client_for(world.citizen)
        .post(f"/comments/on/initiative/{draft.id}", data={"body": "ทดสอบ"})
        .status_code
        >= 400
    )
