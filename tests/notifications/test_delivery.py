"""The outbox worker against a real SMTP server: content, headers, retries, crashes, concurrency."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation import db as db_module
from participation import worker
from participation.notifications import delivery, services
from participation.notifications.models import OutboxMessage, OutboxStatus


def queue(db, n=1, **kwargs):
    rows = []
    for i in range(n):
        rows.append(
            services.enqueue_email(
                to_address=kwargs.get("to", f"reader{i}@example.org"),
                template="notifications/confirm_subscription",
                locale=kwargs.get("locale", "en"),
                context={"title": "Clean Air Bill", "url": "http://localhost/x", "hours": 72},
            )
        )
    db.commit()
    return rows


def outbox(db):
    db.expire_all()
    return db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_thai_recipient_gets_thai_and_an_english_one_english(db, factory, case, emit, run_worker, smtp):
    org = factory.organisation()
    thai = factory.user(email="somchai@example.org", locale="th")
    english = factory.user(email="john@example.org", locale="en")
    services.follow(thai, "organisation", org.id)
    services.follow(english, "organisation", org.id)
    db.commit()
    hearing = case(org)

    emit("hearing.opened", hearing)
    run_worker()

    [th_mail] = smtp.to("somchai@example.org")
    [en_mail] = smtp.to("john@example.org")
    assert "ร่างพระราชบัญญัติอากาศสะอาด" in th_mail["Subject"]
    assert "เปิดรับฟังความคิดเห็น" in th_mail["Subject"]
    assert en_mail["Subject"] == "Hearing opened: Clean Air Bill"
    th_text = th_mail.get_body(("plain",)).get_content()
    en_text = en_mail.get_body(("plain",)).get_content()
    assert f"http://localhost/cases/{hearing.id}" in th_text
    assert "The public hearing is now open" in en_text
    assert "The public hearing is now open" not in th_text
    assert org.name_th in th_text  # "because you follow <organisation>"


def test_every_message_has_the_required_headers_and_parts(db, factory, case, emit, run_worker, smtp):
    org = factory.organisation()
    reader = factory.user(email="reader@example.org", locale="th")
    followed, other = case(org), case(org)
    services.follow(reader, "nt_case", followed.id)
    db.commit()
    emit("hearing.opened", other)  # the reader follows the case, not the organisation
    emit("hearing.opened", followed)
    run_worker()

    [mail] = smtp.messages
    raw = smtp.received[0][1].decode("ascii")
    for header in (
        "Message-ID",
        "Date",
        "From",
        "To",
        "Subject",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        assert mail[header], header
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.search(r"^Subject: .*=\?utf-8\?", raw, re.MULTILINE)  # Thai subject per RFC 2047
    assert "ร่างพระราชบัญญัติอากาศสะอาด" in mail["Subject"]
    assert mail.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part for part in mail.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert all(part.get_content_charset() == "utf-8" for part in parts.values())
    row = outbox(db)[0]
    assert mail["Message-ID"] == row.message_id
    assert row.status == OutboxStatus.sent and row.sent_at is not None and row.attempts == 1


def test_temporary_refusal_is_retried_with_growing_delays_then_delivered(db, smtp):
    [row] = queue(db)
    smtp.refuse_temporarily = 3
    start = db_module.utcnow() + timedelta(seconds=1)

    delivery.send_outbox(start)
    row = outbox(db)[0]
    assert row.status == OutboxStatus.pending and row.attempts == 1
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert row.last_error.startswith("451")

    delivery.send_outbox(start + timedelta(seconds=30))  # not due yet
    assert outbox(db)[0].attempts == 1

    second = start + timedelta(minutes=1)
    delivery.send_outbox(second)
    assert outbox(db)[0].next_attempt_at == second + timedelta(minutes=2)
    third = second + timedelta(minutes=2)
    delivery.send_outbox(third)
    assert outbox(db)[0].next_attempt_at == third + timedelta(minutes=4)
    assert smtp.messages == []

    delivery.send_outbox(third + timedelta(minutes=4))
    row = outbox(db)[0]
    assert row.status == OutboxStatus.sent and row.attempts == 4
    assert len(smtp.messages) == 1


def test_backoff_is_capped():
    assert delivery.retry_delay(1) == timedelta(minutes=1)
    assert delivery.retry_delay(3) == timedelta(minutes=4)
    assert delivery.retry_delay(30) == delivery.RETRY_CAP


def test_gives_up_after_the_limit_and_records_why(db, smtp):
    queue(db)
    smtp.refuse_temporarily = 10_000
    now = db_module.utcnow() + timedelta(seconds=1)
    for _ in range(delivery.MAX_ATTEMPTS + 2):
        delivery.send_outbox(now)
        now += delivery.RETRY_CAP
    row = outbox(db)[0]
    assert row.status == OutboxStatus.failed
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {delivery.MAX_ATTEMPTS} attempts: 451")
    assert smtp.messages == []


def test_a_permanent_refusal_fails_at_once(db, smtp):
    queue(db)
    smtp.refuse_permanently = True
    delivery.send_outbox(db_module.utcnow() + timedelta(seconds=1))
    row = outbox(db)[0]
    assert row.status == OutboxStatus.failed and row.attempts == 1
    assert row.last_error.startswith("550")


def test_an_unreachable_server_is_a_temporary_failure(db, app, smtp):
    queue(db)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    delivery.send_outbox(db_module.utcnow() + timedelta(seconds=1))
    row = outbox(db)[0]
    assert row.status == OutboxStatus.pending and row.attempts == 1
    assert "cannot connect" in row.last_error


def test_a_crash_between_send_and_mark_never_sends_twice(db, smtp, monkeypatch):
    first, second = queue(db, 2)

    def crash(row, now):
        raise RuntimeError("worker killed after the SMTP send")

    monkeypatch.setattr(delivery, "mark_sent", crash)
    result = worker.run_once(db_module.utcnow() + timedelta(seconds=1))
    assert result["participation.notifications.delivery:send_outbox"] == -1
    assert len(smtp.messages) == 1
    rows = outbox(db)
    assert rows[0].status == OutboxStatus.sending  # the claim was committed before the send
    assert rows[1].status == OutboxStatus.pending  # never attempted: released at once

    monkeypatch.undo()
    now = db_module.utcnow() + timedelta(seconds=2)
    worker.run_once(now)
    assert [m["To"] for m in smtp.messages] == ["reader0@example.org", "reader1@example.org"]

    worker.run_once(now + delivery.SENDING_TIMEOUT + timedelta(minutes=1))
    rows = outbox(db)
    assert rows[0].status == OutboxStatus.failed
    assert rows[0].message_id in rows[0].last_error
    assert rows[1].status == OutboxStatus.sent
    assert len(smtp.messages) == 2  # still no second copy of the first email


@pytest.mark.parametrize("mode", ["development", "testing"])
def test_without_smtp_settings_emails_go_to_the_console_log(db, app, smtp, caplog, mode):
    app.config["MAIL_SERVER"] = None
    app.config["ENV_MODE"] = mode
    queue(db)
    with caplog.at_level("INFO", logger="participation.mail"):
        delivery.announce_mode()
        assert delivery.send_outbox(db_module.utcnow() + timedelta(seconds=1)) == 1
    assert delivery.CONSOLE_NOTICE in caplog.text
    assert "delivered to the console log" in caplog.text
    assert "reader0@example.org" not in caplog.text  # no address in the log
    assert outbox(db)[0].status == OutboxStatus.sent
    assert smtp.messages == []


def test_production_without_smtp_keeps_emails_queued(db, app, smtp):
    app.config["MAIL_SERVER"] = None
    app.config["ENV_MODE"] = "production"
    queue(db)
    assert delivery.send_outbox(db_module.utcnow() + timedelta(seconds=1)) == 0
    assert outbox(db)[0].status == OutboxStatus.pending


def test_outbox_dedupe_key_is_unique_in_the_database(db):
    from sqlalchemy.exc import IntegrityError

    for _ in range(2):
        services.queue_rendered(
            to_address="a@example.org",
            template="t",
            locale="th",
            subject="s",
            body_text="b",
            body_html=None,
            dedupe_key="notify:s1:u:1",
        )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


@pytest.mark.postgres_only
def test_two_workers_never_send_the_same_email(app, db, smtp, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL row locks (FOR UPDATE SKIP LOCKED)")
    queue(db, 50)
    now = db_module.utcnow() + timedelta(seconds=1)
    errors = []
    barrier = threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                barrier.wait()
                while delivery.send_outbox(now):
                    pass
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 50 and len(set(ids)) == 50
    db.expire_all()
    assert db.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.sent)) == 50
