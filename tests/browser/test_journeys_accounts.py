"""A person registers, confirms the email, signs in, switches language."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.conftest import sign_in


def _confirmation_link(server_app, email: str) -> str:
    from participation import db
    from participation.notifications.models import OutboxMessage

    with server_app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None, "no confirmation email in the outbox"
        return re.search(r"(http://\S+/verify/\S+)", message.body_text).group(1)


def test_register_confirm_and_sign_in(page, live_server, server_app):
    email = "journey.register@example.org"
    page.goto(live_server + "/")
    page.click("text=ลงทะเบียน")
    page.fill("#display_name", "นักทดสอบ ผ่านเบราว์เซอร์")
    page.fill("#email", email)
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    page.check("#accept_terms")
    page.click("button:has-text('สร้างบัญชี')")
    assert page.locator("h1").inner_text() == "โปรดตรวจสอบอีเมลของคุณ"

    page.goto(_confirmation_link(server_app, email))
    assert "ยืนยันอีเมลของคุณเรียบร้อยแล้ว" in page.content()
    assert page.url.endswith("/account")

    page.click("button:has-text('ออกจากระบบ')")
    sign_in(page, live_server, email, "a long enough password")
    assert page.locator("a:has-text('บัญชีของฉัน')").is_visible()
    assert page.js_errors == []


def test_register_errors_are_tied_to_fields(page, live_server):
    page.goto(live_server + "/register")
    page.fill("#email", "not an email")
    page.click("button:has-text('สร้างบัญชี')")
    field = page.locator("#email")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby")
    assert "อีเมลที่ถูกต้อง" in page.locator(f"#{described.split()[-1]}").inner_text()
    assert page.locator(".error-summary").is_visible()


def test_language_switch_on_every_main_page(page, live_server):
    for path in ["/", "/about", "/signin", "/register", "/password/forgot"]:
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == "th"
        page.click(".lang-switch button[value=en]")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.url.endswith(path)
        page.click(".lang-switch button[value=th]")
        assert page.locator("html").get_attribute("lang") == "th"


def test_sign_in_without_javascript(new_page, live_server, make_user):
    user = make_user()
    page = new_page(javascript=False)
    sign_in(page, live_server, user.email)
    assert page.locator("a:has-text('บัญชีของฉัน')").is_visible()


def test_skip_link_and_keyboard_focus(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
