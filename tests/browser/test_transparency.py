"""Transparency pages in the real Chromium: axe-core, phones, no JavaScript needed."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, run_axe

PAGES = [
    ("transparency", "/transparency"),
    ("ledger-entry", "/transparency/ledger/1"),
    ("open-data", "/open-data"),
    ("search", "/search?q=ประชาชน"),
]


@pytest.fixture(scope="module")
def ledger_data(server_app):
    from participation import db
    from participation.events import Event, publish
    from participation.transparency import jobs, search

    with server_app.app_context():
        for i in range(3):
            publish(
                Event(
                    kind="hearing.opened",
                    subject_type="hearing",
                    subject_id=i + 1,
                    payload={"title": f"ร่างพระราชบัญญัติการมีส่วนร่วมของประชาชน ฉบับที่ {i + 1}"},
                )
            )
        search.index_document(
            "browser_test",
            1,
            title="การมีส่วนร่วมของประชาชนในการออกกฎหมาย",
            body="ร่างกฎหมายที่ประชาชนแสดงความคิดเห็นได้ " * 5,
            url="/transparency",
            status="open",
            visible=True,
        )
        jobs.record_verification(db.utcnow())
        db.session.commit()


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize(("name", "path"), PAGES)
def test_pages_pass_axe(new_page, live_server, ledger_data, language, name, path):
    page = new_page(language=language)
    response = page.goto(live_server + path)
    assert response.status == 200
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


@pytest.mark.parametrize("language", ["th", "en"])
def test_fit_a_phone_without_javascript(new_page, live_server, ledger_data, language):
    page = new_page(language=language, javascript=False, width=375, height=740)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES:
        page.goto(live_server + path)
        page.screenshot(path=str(folder / f"{name}-{language}-phone.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{path} scrolls sideways on a phone"


def test_search_form_works_without_javascript(new_page, live_server, ledger_data):
    page = new_page(language="en", javascript=False)
    page.goto(live_server + "/search")
    page.fill("input[name=q]", "ประชาชน")
    page.click("form.search-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".search-results mark").first.inner_text() == "ประชาชน"
