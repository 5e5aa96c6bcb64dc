"""Initiative journeys: a citizen signs a collecting initiative with consent and a hidden name,
and the public count moves at once (with and without JavaScript, and with the keyboard only)."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    create_collecting_initiative,
    demo,  # noqa: F401 - fixture
    no_js_errors,
    signed_in_page,
    tab_to,
)


def _count(page) -> int:
    label = page.locator(".progress-label").first.inner_text()
    return int(re.match(r"[\d,]+", label).group(0).replace(",", ""))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_citizen_signs_and_the_count_moves(new_page, live_server, server_app, make_user, demo, javascript):  # noqa: F811
    initiative_id = create_collecting_initiative(server_app)
    signer = make_user(display_name="ผู้ลงชื่อ ไม่เปิดเผยชื่อ")
    page = signed_in_page(new_page, live_server, signer.email, javascript=javascript)
    page.goto(f"{live_server}/initiatives/{initiative_id}")
    before = _count(page)
    assert before == 1  # the checkpointed signature
    page.click(f"a.button[href='/initiatives/{initiative_id}/sign']")
    assert not page.locator("#show_name").is_checked()
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    # Without consent nothing is saved and the form says why.
    assert page.locator(".error-summary").is_visible()
    page.check("#consent")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 0

    page.goto(f"{live_server}/initiatives/{initiative_id}")
    assert _count(page) == before + 1
    assert "ผู้ลงชื่อ ไม่เปิดเผยชื่อ" not in page.locator("main").inner_text()
    no_js_errors(page)

    anonymous = new_page(javascript=javascript)
    anonymous.goto(f"{live_server}/initiatives/{initiative_id}")
    assert _count(anonymous) == before + 1
    assert "ผู้ลงชื่อ ไม่เปิดเผยชื่อ" not in anonymous.content()
    no_js_errors(anonymous)


def test_keyboard_only_signing(new_page, live_server, server_app, make_user, demo):  # noqa: F811
    initiative_id = create_collecting_initiative(server_app)
    signer = make_user(display_name="ผู้ลงชื่อ ด้วยแป้นพิมพ์")
    page = signed_in_page(new_page, live_server, signer.email)
    page.goto(f"{live_server}/initiatives/{initiative_id}")
    before = _count(page)

    tab_to(page, lambda f: f["href"] == f"/initiatives/{initiative_id}/sign")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sign$"))
    tab_to(page, lambda f: f["id"] == "consent")
    page.keyboard.press("Space")
    assert page.locator("#consent").is_checked()
    # Back to the name box, which stays unticked: the name is not shown.
    tab_to(page, lambda f: f["id"] == "show_name", backwards=True)
    assert not page.locator("#show_name").is_checked()
    tab_to(page, lambda f: f["tag"] == "button" and "stacked-form" in f["form"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").count() == 0

    page.goto(f"{live_server}/initiatives/{initiative_id}")
    assert _count(page) == before + 1
    assert "ผู้ลงชื่อ ด้วยแป้นพิมพ์" not in page.locator("main").inner_text()
    no_js_errors(page)
