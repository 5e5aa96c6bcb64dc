"""Send the outbox over SMTP: the ``send_outbox`` worker job.

Guarantees and policy:

- **Claim, commit, send, mark.** A round claims due rows (status ``sending``,
  ``claimed_at``, ``claimed_by``) and commits the claim *before* talking to the
  mail server, then marks each row ``sent`` and commits right after its send.
  On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` inside one
  ``UPDATE``, so any number of workers share the queue without sending a row
  twice; on SQLite the same single conditional ``UPDATE`` is atomic.
- **Never a duplicate after a crash.** A row still ``sending`` after
  ``SENDING_TIMEOUT`` means a worker died between the send and the mark: we do
  not know whether the email left, so it is **not resent**; it is marked
  ``failed`` with ``last_error`` naming its Message-ID, which an operator can
  look up in the mail server's log (and requeue by hand if it never arrived).
  A duplicate email is worse for a citizen than an operator's look-up.
  Rows claimed in a round that stopped on an unexpected error *before* their
  send began are released (back to ``pending``) at once.
- **Retries with exponential backoff.** A temporary failure (4xx replies,
  connection errors, time-outs) schedules another attempt after
  ``RETRY_BASE * 2**(attempts-1)`` seconds, capped at ``RETRY_CAP``; after
  ``MAX_ATTEMPTS`` attempts, or at once on a permanent 5xx refusal, the row is
  ``failed`` and ``last_error`` says why.
- **Console mode.** Without ``PARTICIPATION_MAIL_SERVER`` in development and
  testing, messages are written to the console log and marked sent; in
  production the job refuses to pretend and leaves them queued (logging an
  error each round).
- Every message: Message-ID (fixed at queueing, the same on every attempt),
  Date, From, To, Subject (RFC 2047 encoded when not ASCII, e.g. Thai),
  multipart/alternative with UTF-8 text and HTML parts, and for notifications
  ``List-Unsubscribe`` + ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
  (RFC 8058).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from participation import db
from participation.notifications.models import DigestItem, OutboxMessage, OutboxStatus

log = logging.getLogger("participation.mail")

#: Attempts before giving up on a message.
MAX_ATTEMPTS = 8
#: First retry delay, doubled on each further attempt, never more than the cap.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
#: A row ``sending`` for longer was interrupted between send and mark.
SENDING_TIMEOUT = timedelta(minutes=15)
#: Rows claimed at once, and the most sent in one worker round.
BATCH_SIZE = 20
ROUND_LIMIT = 500
SMTP_TIMEOUT = 30


class TemporaryFailure(Exception):
    """The server or the network failed; another attempt may succeed."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""


def retry_delay(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed attempts (1, 2, 4 ... minutes, capped)."""
    return min(RETRY_BASE * (2 ** max(0, attempts - 1)), RETRY_CAP)


def build_message(row: OutboxMessage) -> EmailMessage:
    """The MIME message of an outbox row (headers in UTF-8/RFC 2047, text + HTML)."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Date"] = rfc2822_date(db.utcnow())
    message["Message-ID"] = row.message_id or _fallback_message_id(row)
    message["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html", charset="utf-8")
    return message


def _fallback_message_id(row: OutboxMessage) -> str:
    from participation.notifications.services import new_message_id

    row.message_id = new_message_id()
    return row.message_id


# --- the mail server ----------------------------------------------------------------

CONSOLE_NOTICE = "PARTICIPATION_MAIL_SERVER is not set: emails are written to this console log, not sent."


def console_mode() -> bool:
    return not current_app.config.get("MAIL_SERVER")


def announce_mode() -> None:
    """Say once at worker start-up where emails go (console or which server)."""
    config = current_app.config
    if not console_mode():
        log.info(
            "Sending email through %s:%s (%s)",
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config["MAIL_SECURITY"],
        )
    elif config["ENV_MODE"] == "production":
        log.error("PARTICIPATION_MAIL_SERVER is not set: emails stay queued until it is.")
    else:
        log.warning(CONSOLE_NOTICE)


def open_connection() -> smtplib.SMTP:
    """Connect (and authenticate) to the configured server; raises TemporaryFailure."""
    config = current_app.config
    security = config["MAIL_SECURITY"]
    if security not in {"starttls", "ssl", "none"}:
        raise PermanentFailure("PARTICIPATION_MAIL_SECURITY must be starttls, ssl or none")
    try:
        if security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                config["MAIL_SERVER"],
                config["MAIL_PORT"],
                timeout=SMTP_TIMEOUT,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
            if security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryFailure(f"authentication refused: {exc.smtp_code}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"cannot connect to the mail server: {exc}") from exc
    return connection


def deliver(connection: smtplib.SMTP, row: OutboxMessage) -> None:
    """Hand one message to the server; raises TemporaryFailure or PermanentFailure."""
    message = build_message(row)
    try:
        refused = connection.send_message(
            message, from_addr=current_app.config["MAIL_FROM"], to_addrs=[row.to_address]
        )
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _classify(code, reply) from exc
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, exc.smtp_error) from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
        raise TemporaryFailure(f"connection lost: {exc}") from exc
    if refused:
        code, reply = next(iter(refused.values()))
        raise _classify(code, reply)


def _classify(code: int, reply) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    reason = f"{code} {text}"[:400]
    return PermanentFailure(reason) if 500 <= code < 600 else TemporaryFailure(reason)


# --- claiming and marking ---------------------------------------------------------------


def claim(now: datetime, worker_id: str, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for this worker and commit the claim."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due)) if not db.database().is_sqlite else None
    statement = update(OutboxMessage).values(
        status=OutboxStatus.sending, claimed_at=now, claimed_by=worker_id
    )
    if ids is None:
        # SQLite: one conditional UPDATE is atomic (the database has one writer).
        statement = statement.where(
            OutboxMessage.id.in_(due.scalar_subquery()),
            OutboxMessage.status == OutboxStatus.pending,
        )
    elif ids:
        statement = statement.where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.pending)
    else:
        db.session.commit()
        return []
    db.session.execute(statement, execution_options={"synchronize_session": False})
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claimed_by == worker_id, OutboxMessage.status == OutboxStatus.sending)
            .order_by(OutboxMessage.id)
            # Rows already in this session hold pre-claim values; reload them from the claim.
            .execution_options(populate_existing=True)
        )
    )


def mark_sent(row: OutboxMessage, now: datetime) -> None:
    """Record a successful send (committed by the caller at once)."""
    row.status = OutboxStatus.sent
    row.sent_at = now
    row.attempts += 1
    row.claimed_by = None
    row.last_error = None


def mark_failed_attempt(row: OutboxMessage, now: datetime, error: Exception) -> None:
    """Schedule a retry with backoff, or give up (permanent refusal or too many attempts)."""
    row.attempts += 1
    row.claimed_by = None
    row.last_error = str(error)[:500] or error.__class__.__name__
    if isinstance(error, PermanentFailure) or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.failed
        if not isinstance(error, PermanentFailure):
            row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"[:500]
    else:
        row.status = OutboxStatus.pending
        row.next_attempt_at = now + retry_delay(row.attempts)


def release(worker_id: str, ids: list[int]) -> None:
    """Give back claimed rows whose send never began (after an unexpected error)."""
    if not ids:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.status == OutboxStatus.sending,
        )
        .values(status=OutboxStatus.pending, claimed_at=None, claimed_by=None),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def fail_interrupted(now: datetime) -> int:
    """Rows left ``sending`` past the timeout: mark failed, never resend (see module docstring)."""
    stuck = db.session.scalars(
        select(OutboxMessage).where(
            and_(
                OutboxMessage.status == OutboxStatus.sending,
                OutboxMessage.claimed_at < now - SENDING_TIMEOUT,
            )
        )
    ).all()
    for row in stuck:
        row.status = OutboxStatus.failed
        row.claimed_by = None
        row.last_error = (
            "interrupted between sending and recording; not resent to avoid a duplicate. "
            f"Check the mail server log for Message-ID {row.message_id}."
        )[:500]
        log.error("Outbox message #%s was interrupted while sending; marked failed, not resent", row.id)
    db.session.commit()
    return len(stuck)


# --- retention ----------------------------------------------------------------------------

#: Sent emails (with their recipients' addresses) are kept this long, for support questions.
SENT_RETENTION = timedelta(days=30)
#: Failed emails are kept longer, so an operator can look into them.
FAILED_RETENTION = timedelta(days=90)


def purge_history(now: datetime) -> int:
    """Worker job: forget old sent/failed emails and digested items (addresses are personal data)."""
    removed = db.session.execute(
        delete(OutboxMessage).where(
            or_(
                and_(OutboxMessage.status == OutboxStatus.sent, OutboxMessage.sent_at < now - SENT_RETENTION),
                and_(
                    OutboxMessage.status == OutboxStatus.failed,
                    OutboxMessage.created_at < now - FAILED_RETENTION,
                ),
            )
        )
    ).rowcount
    removed += db.session.execute(
        delete(DigestItem).where(DigestItem.digested_at < now - SENT_RETENTION)
    ).rowcount
    return removed or 0


# --- the job ------------------------------------------------------------------------------


def send_outbox(now: datetime) -> int:
    """Worker job: send due outbox messages; returns how many were sent.

    Commits itself (claims before sending, each mark right after its send),
    which is why it is the one job that does not leave the commit to the worker.
    """
    fail_interrupted(now)
    if console_mode() and current_app.config["ENV_MODE"] == "production":
        pending = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.pending).limit(1)
        )
        if pending is not None:
            log.error("Emails are waiting but PARTICIPATION_MAIL_SERVER is not set; nothing is sent.")
        return 0
    worker_id = uuid.uuid4().hex
    sent = processed = 0
    while processed < ROUND_LIMIT:
        batch = claim(now, worker_id)
        if not batch:
            break
        processed += len(batch)
        sent += _send_batch(batch, now, worker_id)
    return sent


def _send_batch(batch: list[OutboxMessage], now: datetime, worker_id: str) -> int:
    untouched = [row.id for row in batch]
    sent = 0
    connection = None
    use_console = console_mode()
    try:
        if not use_console:
            try:
                connection = open_connection()
            except (TemporaryFailure, PermanentFailure) as exc:
                for row in batch:
                    mark_failed_attempt(row, now, exc)
                untouched.clear()
                db.session.commit()
                log.warning("Mail server unavailable (%s); %s message(s) will be retried", exc, len(batch))
                return 0
        for row in batch:
            untouched.remove(row.id)
            try:
                if use_console:
                    log.info("Email #%s delivered to the console log (not sent): %s", row.id, row.subject)
                elif connection is None:
                    raise TemporaryFailure("the connection to the mail server was lost")
                else:
                    deliver(connection, row)
            except (TemporaryFailure, PermanentFailure) as exc:
                mark_failed_attempt(row, now, exc)
                db.session.commit()
                log.warning("Email #%s not sent (attempt %s): %s", row.id, row.attempts, exc)
                if isinstance(exc, TemporaryFailure) and connection is not None:
                    connection = _reconnect(connection)
                continue
            mark_sent(row, now)
            db.session.commit()
            sent += 1
    except BaseException:
        db.session.rollback()
        release(worker_id, untouched)
        raise
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
    return sent


def _reconnect(connection: smtplib.SMTP) -> smtplib.SMTP | None:
    """After a temporary failure the session may be unusable: start a fresh one."""
    try:
        connection.rset()
        return connection
    except (OSError, smtplib.SMTPException):
        connection.close()
    try:
        return open_connection()
    except (TemporaryFailure, PermanentFailure):
        return None
