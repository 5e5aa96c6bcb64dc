"""The daily digest: a day's events in one email the next morning, grouped by subject."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from participation import db as db_module
from participation.notifications import digest, services
from participation.notifications.models import DigestItem, OutboxMessage


def test_cutoff_is_seven_in_the_morning_bangkok_time():
    # 23:30 UTC on the 20th is 06:30 on the 21st in Bangkok: before the cut-off.
    assert digest.cutoff_for(datetime(2026, 11, 20, 23, 30, tzinfo=UTC)) == datetime(
        2026, 11, 20, 0, 0, tzinfo=UTC
    )
    assert digest.cutoff_for(datetime(2026, 11, 21, 0, 30, tzinfo=UTC)) == datetime(
        2026, 11, 21, 0, 0, tzinfo=UTC
    )


def test_several_events_become_one_email_the_next_day_grouped_by_subject(
    db, factory, case, emit, run_worker, smtp
):
    org = factory.organisation()
    air = case(org)
    water = case(org, title_th="ร่างพระราชบัญญัติทรัพยากรน้ำ", title_en="Water Resources Bill")
    reader = factory.user(email="digest@example.org", locale="en")
    commenter = factory.user()
    services.follow(reader, "organisation", org.id)
    services.set_preferences(reader, digest=True, paused=False)
    db.commit()

    emit("hearing.opened", air)
    emit("hearing.opened", water)
    emit("hearing.closing_soon", air, public=False)
    for _ in range(2):
        emit(
            "comment.published",
            air,
            subject_type="nt_comment",
            actor_id=commenter.id,
            payload={"subject_type": "nt_case", "subject_id": air.id},
        )
    emit("hearing.section_edited", air)  # not on the allowlist: not even in the digest

    now = db_module.utcnow()
    run_worker(now + timedelta(seconds=1))
    assert smtp.messages == []  # the same day: nothing yet
    assert len(db.scalars(select(DigestItem)).all()) == 5

    next_morning = digest.cutoff_for(now) + timedelta(days=1, hours=1)
    run_worker(next_morning)
    [mail] = smtp.messages
    assert mail["To"] == "digest@example.org"
    assert mail["Subject"] == "Your daily digest: news on the pages you follow"
    text = mail.get_body(("plain",)).get_content()
    assert text.index("Clean Air Bill") < text.index("Water Resources Bill")
    air_part = text[text.index("Clean Air Bill") : text.index("Water Resources Bill")]
    assert "- Hearing opened" in air_part
    assert "- Hearing closes in 3 days" in air_part
    assert "- New comments (2)" in air_part
    assert f"http://localhost/cases/{air.id}" in air_part
    assert mail["List-Unsubscribe"]

    run_worker(next_morning + timedelta(hours=2))
    assert len(smtp.messages) == 1  # once a day


def test_direct_emails_still_go_at_once_for_digest_readers(db, factory, case, emit):
    hearing = case(factory.organisation())
    author = factory.user(email="author@example.org")
    services.set_preferences(author, digest=True, paused=False)
    db.commit()
    emit("comment.replied", hearing, recipient_ids=[author.id], public=False)
    assert db.scalar(select(OutboxMessage.to_address)) == "author@example.org"
    assert db.scalar(select(DigestItem)) is None


def test_address_subscribers_can_choose_the_digest(client, db, factory, case, emit, run_worker, smtp):
    org = factory.organisation()
    services.subscribe_address("guest@example.org", "organisation", org.id, locale="th", digest=True)
    db.commit()
    body = db.scalar(select(OutboxMessage.body_text))
    client.post(re.search(r"http://localhost(/subscribe/confirm/\S+)", body).group(1))
    emit("hearing.opened", case(org))
    assert db.scalar(select(DigestItem.recipient)) == "e:guest@example.org"
    now = db_module.utcnow()
    run_worker(digest.cutoff_for(now) + timedelta(days=1, hours=1))
    digests = [m for m in smtp.messages if "ร่างพระราชบัญญัติอากาศสะอาด" in m.get_body(("plain",)).get_content()]
    assert len(digests) == 1 and digests[0]["To"] == "guest@example.org"


def test_unfollowing_before_the_digest_drops_the_waiting_items(db, factory, case, emit, run_worker, smtp):
    org = factory.organisation()
    reader = factory.user(email="digest@example.org")
    services.follow(reader, "organisation", org.id)
    services.set_preferences(reader, digest=True, paused=False)
    db.commit()
    emit("hearing.opened", case(org))
    services.unfollow(reader, "organisation", org.id)
    db.commit()
    run_worker(digest.cutoff_for(db_module.utcnow()) + timedelta(days=1, hours=1))
    assert smtp.messages == []
    assert db.scalar(select(DigestItem.digested_at)) is not None  # handled, never sent
