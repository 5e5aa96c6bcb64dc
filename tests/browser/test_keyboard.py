"""Keyboard-only use of the hearing comment form: every stop shows its focus, the form can be
filled and sent with Tab, Shift+Tab, arrow keys, Space and Enter, and the skip link works."""

from __future__ import annotations

from tests.browser.helpers import (
    create_open_hearing,
    focus_ring,
    no_js_errors,
    organisation_with_staff,
    sections_of,
    signed_in_page,
    tab_to,
    unique,
)


def test_keyboard_only_comment_on_a_section(new_page, live_server, server_app, make_user):
    org_id, _email, staff_id = organisation_with_staff(server_app, make_user)
    hearing_id = create_open_hearing(server_app, org_id, staff_id)
    section_id = sections_of(server_app, hearing_id)["๒"]
    citizen = make_user(display_name="ผู้ใช้แป้นพิมพ์")
    page = signed_in_page(new_page, live_server, citizen.email)
    page.goto(f"{live_server}/hearings/{hearing_id}")

    # The skip link is the first stop and moves focus to the main content.
    page.keyboard.press("Tab")
    assert focus_ring(page)["href"] == "#main"
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["href"] == f"/hearings/{hearing_id}/sections/{section_id}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sections/{section_id}")

    body = f"ควรให้มีผลใช้บังคับหลังประกาศเก้าสิบวัน {unique()}"
    tab_to(page, lambda f: f["tag"] == "textarea" and f["id"].endswith("body"))
    page.keyboard.type(body)
    tab_to(page, lambda f: f["tag"] == "select" and "position" in f["id"])
    page.keyboard.press("ArrowDown")  # the first position after "No position"
    assert page.locator("form.comment-form select[name=position]").first.input_value() == "agree"
    # Back up with Shift+Tab to check the text is still there, then forward to send.
    tab_to(page, lambda f: f["tag"] == "textarea", backwards=True)
    assert page.locator("form.comment-form textarea[name=body]").first.input_value() == body
    tab_to(page, lambda f: f["tag"] == "button" and "comment-form" in f["form"])
    with page.expect_navigation():
        page.keyboard.press("Enter")

    comment = page.locator("article.comment", has_text=body)
    assert comment.count() == 1
    assert "ผู้ใช้แป้นพิมพ์" in comment.locator(".comment-meta").inner_text()
    assert "เห็นด้วย" in comment.locator(".comment-meta").inner_text()
    no_js_errors(page)
