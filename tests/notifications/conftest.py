"""A real SMTP server (aiosmtpd) for the notification tests, and a test subject type.

The subject type ``nt_case`` stands in for hearings, initiatives and budgets
(built in other branches): cases live in memory, belong to an organisation,
and have a Thai and an English title.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from participation import db as db_module
from participation import subjects, worker
from participation.events import Event, publish
from participation.i18n import current_language
from participation.notifications import services


class Recorder:
    """An SMTP handler that stores what it receives and can refuse on demand."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[EmailMessage, bytes, list[str]]] = []
        #: Refuse this many recipients with 451 (temporary) before accepting.
        self.refuse_temporarily = 0
        #: Refuse every recipient with 550 (permanent).
        self.refuse_permanently = False
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if self.refuse_permanently:
                return "550 5.1.1 Mailbox does not exist"
            if self.refuse_temporarily > 0:
                self.refuse_temporarily -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=default_policy)
        with self.lock:
            self.received.append((message, raw, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [m for m, _raw, _rcpt in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    recorder = Recorder()
    recorder.port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=recorder.port)
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def config_overrides(smtp):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_SECURITY": "none",
        "MAIL_FROM": "Participation <no-reply@participation.example>",
    }


@dataclass
class Case:
    id: int
    title_th: str
    title_en: str
    organisation_id: int | None


CASES: dict[int, Case] = {}


def _title(case: Case) -> str:
    return case.title_en if current_language() == "en" else case.title_th


subjects.register(
    subjects.SubjectType(
        name="nt_case",
        load=lambda id: CASES.get(id),
        title=_title,
        url=lambda case: f"/cases/{case.id}",
        organisation_id=lambda case: case.organisation_id,
    )
)


@pytest.fixture
def case(factory, monkeypatch):
    """Make a followable case of an organisation: ``case(org)``."""
    monkeypatch.setattr(services, "FOLLOWABLE", (*services.FOLLOWABLE, "nt_case"))
    made = []

    def _make(organisation=None, title_th="ร่างพระราชบัญญัติอากาศสะอาด", title_en="Clean Air Bill"):
        number = len(CASES) + 1000
        CASES[number] = Case(number, title_th, title_en, organisation.id if organisation else None)
        made.append(number)
        return CASES[number]

    yield _make
    for number in made:
        CASES.pop(number, None)


@pytest.fixture
def emit(db):
    """Publish an event in its own transaction, as a domain service would."""

    def _emit(kind, subject, subject_type="nt_case", **kwargs) -> Event:
        event = publish(Event(kind=kind, subject_type=subject_type, subject_id=subject.id, **kwargs))
        db.commit()
        return event

    return _emit


@pytest.fixture
def run_worker(db):
    """Run every worker job once at ``now`` (default: a second from now)."""

    def _run(now=None):
        result = worker.run_once(now or db_module.utcnow() + timedelta(seconds=1))
        db.expire_all()
        return result

    return _run
