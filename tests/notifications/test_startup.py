"""Development without SMTP settings says so once, at start-up of `run` and `worker`."""

from __future__ import annotations

import logging

import click

from participation import worker
from participation.notifications import views
from participation.notifications.delivery import CONSOLE_NOTICE


def _console_development(app):
    app.config["MAIL_SERVER"] = None
    app.config["ENV_MODE"] = "development"


def test_participation_run_announces_console_mail(app, caplog):
    _console_development(app)
    with caplog.at_level(logging.INFO, logger="participation.mail"):
        with click.Context(click.Command("run"), info_name="run"):
            views._announce_console_mail(app)
        with click.Context(click.Command("demo"), info_name="demo"):
            views._announce_console_mail(app)  # other commands stay quiet
    assert caplog.text.count(CONSOLE_NOTICE) == 1


def test_participation_worker_announces_console_mail_once(app, runner, caplog, monkeypatch):
    _console_development(app)
    monkeypatch.setattr(worker, "_announced", False)
    # The `participation` group pushes the app context; the test runner does not.
    with caplog.at_level(logging.INFO, logger="participation.mail"), app.app_context():
        for _ in range(2):
            result = runner.invoke(args=["worker", "--once"])
            assert result.exit_code == 0, result.output
    assert caplog.text.count(CONSOLE_NOTICE) == 1
    assert "send_outbox" in result.output


def test_a_configured_server_is_named_instead(app, caplog, monkeypatch):
    monkeypatch.setattr(worker, "_announced", False)
    with caplog.at_level(logging.INFO, logger="participation.mail"), app.app_context():
        worker._announce_once()
    assert "Sending email through 127.0.0.1" in caplog.text
    assert CONSOLE_NOTICE not in caplog.text
