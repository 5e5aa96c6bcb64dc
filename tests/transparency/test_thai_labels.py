"""Thai readers see states, kinds, decisions and limits in Thai, not the codes stored for them.

A crawl of the Thai pages found raw codes ("open", "hearing 1", "hide", "spam",
"300 per minute") where labels belong. Every code the platform stores for a
state, a subject type, a moderation decision or a reason is looked for in the
visible text of the pages and feeds that show them.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from participation import subjects
from participation.budgeting.models import ProposalStatus
from participation.hearings.models import HearingStatus
from participation.initiatives.models import InitiativeState
from participation.moderation.models import ActionKind, FlagReason
from participation.transparency.models import LedgerEntry
from tests.transparency import domain_data

TH = {"Accept-Language": "th"}


def _codes(app) -> set[str]:
    """The codes behind the labels. Subject types are codes too ("budget_proposal")."""
    assert app is not None  # subject types are registered by the app's blueprints
    return (
        {s.value for s in HearingStatus}
        | {s.value for s in InitiativeState}
        | {s.value for s in ProposalStatus}
        | {k.value for k in ActionKind}
        | {r.value for r in FlagReason}
        | set(subjects.label_names())
        | {"minute", "hour", "second", "day"}
    )


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def _visible_text(page: str) -> str:
    # Code is shown as code: a ledger entry's recorded facts (<pre>) and its event's identifier.
    page = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def codes_in(app):
    codes = _codes(app)

    def find(text: str) -> set[str]:
        # Identifiers with a dot ("budget.phase_changed") are shown on purpose, next to their title.
        return {word for word in re.findall(r"(?<![\w.])[a-z_]+(?![\w.])", text) if word in codes}

    return find


def _feed_text(client, url: str) -> str:
    response = client.get(url, headers=TH)
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own output
    return " ".join(e.text or "" for e in root.iter() if e.tag.endswith(("title", "summary", "subtitle")))


def test_the_codes_are_known_words(app):
    assert {"open", "collecting", "not_feasible", "hide", "spam", "hearing", "budget_process"} <= _codes(app)


def test_search_shows_states_in_thai(client, data, codes_in):
    page = client.get("/search", query_string={"q": "จักรยาน"}, headers=TH).get_data(as_text=True)
    assert "เปิดรับฟังความคิดเห็น" in page or "เปิดให้ลงชื่อ" in page
    assert codes_in(_visible_text(page)) == set()


def test_ledger_pages_name_subjects_in_thai(client, db, factory, data, codes_in):
    from participation.moderation import services as moderation

    # A block is recorded under "moderation", without the account: named too.
    moderation.block_user(factory.user(moderator=True), factory.user(), days=3, reason="spam")
    db.commit()
    # Every subject type in the record, labelled or not, is a code that must not show.
    recorded = set(db.scalars(select(LedgerEntry.subject_type).distinct()))
    assert "moderation" in recorded

    def raw(text: str) -> set[str]:
        return codes_in(text) | {t for t in recorded if re.search(rf"(?<![\w.]){t}(?![\w.])", text)}

    page = client.get("/transparency", headers=TH).get_data(as_text=True)
    assert f"การรับฟังความคิดเห็นที่ {data.hearing.id}" in page
    assert raw(_visible_text(page)) == set()
    for entry in db.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)):
        text = _visible_text(
            client.get(f"/transparency/ledger/{entry.seq}", headers=TH).get_data(as_text=True)
        )
        assert raw(text) == set(), entry.kind
    assert raw(_feed_text(client, "/feeds/ledger.atom")) == set()


def test_feeds_name_events_decisions_and_reasons_in_thai(client, data, codes_in):
    ledger = _feed_text(client, "/feeds/ledger.atom")
    assert f"การรับฟังความคิดเห็นที่ {data.hearing.id}" in ledger
    assert codes_in(ledger) == set()
    moderation = _feed_text(client, "/feeds/moderation.atom")
    assert f"ความคิดเห็นที่ {data.hidden.id}" in moderation
    assert codes_in(moderation) == set()


def test_moderation_queue_names_item_types_in_thai(client, login, factory, data, codes_in):
    login(factory.user(moderator=True, locale="th"))
    page = client.get("/moderation/", headers=TH).get_data(as_text=True)
    assert '<option value="comment">ความคิดเห็น</option>' in page
    assert codes_in(_visible_text(page)) == set()


def test_open_data_page_states_the_rate_limit_in_thai(client, app):
    page = client.get("/open-data", headers=TH).get_data(as_text=True)
    assert "300 ครั้งต่อนาที" in page
    assert "per minute" not in page
    app.config["API_RATE_LIMIT"] = "60 per minute; 1000 per day"
    english = client.get("/open-data", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "60 requests a minute and 1000 requests a day" in english
