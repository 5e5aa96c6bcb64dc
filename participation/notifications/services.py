"""Queue emails in the outbox. Nothing is sent from a web request."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import force_locale

from participation import db
from participation.notifications.models import OutboxMessage

log = logging.getLogger("participation.mail")


def console_mail_enabled() -> bool:
    """Development without SMTP settings: emails are written to the console log."""
    return not current_app.config.get("MAIL_SERVER")


def enqueue_email(
    *,
    to_address: str,
    template: str,
    locale: str,
    context: dict,
    user_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Render ``templates/email/<template>.{txt,html}`` in ``locale`` and queue it.

    The row is written in the caller's transaction, so the email exists exactly
    when the change that caused it is committed. Flushes; the caller commits.
    """
    with force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    message = OutboxMessage(
        user_id=user_id,
        to_address=to_address,
        kind=template,
        locale=locale,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    db.session.flush()
    if console_mail_enabled() and current_app.config["ENV_MODE"] == "development":
        # The recipient address is deliberately left out of the log.
        log.info("Email (console, not sent) #%s: %s\n%s", message.id, subject, body_text)
    return message
