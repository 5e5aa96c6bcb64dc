"""Moderation journey: a moderator hides a comment with a public reason; the subject page
shows a tombstone that says why, and the public moderation log lists the decision."""

from __future__ import annotations

from tests.browser.helpers import (
    create_open_hearing,
    no_js_errors,
    organisation_with_staff,
    post_comment,
    signed_in_page,
    unique,
)

PERSONAL_DATA = "ข้อมูลส่วนบุคคลของผู้อื่น"
TOMBSTONE = "ผู้ดูแลซ่อนความคิดเห็นนี้ เหตุผล:"


def test_moderator_hides_a_comment_with_a_reason(new_page, live_server, server_app, make_user):
    org_id, _email, staff_id = organisation_with_staff(server_app, make_user)
    hearing_id = create_open_hearing(server_app, org_id, staff_id)
    author = make_user()
    body = f"เบอร์โทรของเพื่อนบ้านคือ ๐๘๑ ๒๓๔ ๕๖๗๘ โทรไปต่อว่าได้เลย {unique()}"
    comment_id = post_comment(server_app, hearing_id, author.id, body)
    note = f"ความคิดเห็นเปิดเผยหมายเลขโทรศัพท์ของบุคคลอื่น {unique()}"

    moderator = make_user(moderator=True)
    page = signed_in_page(new_page, live_server, moderator.email)
    page.goto(f"{live_server}/hearings/{hearing_id}")
    page.click(f"#comment-{comment_id} a[href='/moderation/item/comment/{comment_id}']")
    hide = page.locator(f"form[action='/moderation/item/comment/{comment_id}/hide']")
    hide.locator("select[name=reason]").select_option("personal_data")
    hide.locator("textarea[name=note], input[name=note]").fill(note)
    hide.locator("button[type=submit]").click()
    page.wait_for_load_state()
    no_js_errors(page)

    public = new_page()
    public.goto(f"{live_server}/hearings/{hearing_id}")
    tombstone = public.locator(f"#comment-{comment_id} .comment-tombstone")
    assert TOMBSTONE in tombstone.inner_text()
    assert PERSONAL_DATA in tombstone.inner_text()
    assert body not in public.content()
    tombstone.locator("a").click()
    public.wait_for_load_state()
    assert "/moderation/actions/" in public.url
    action_id = public.url.rstrip("/").rsplit("/", 1)[-1].split("#")[0]

    public.goto(f"{live_server}/moderation/log")
    row = public.locator(f"tr#action-{action_id}")
    text = row.inner_text()
    assert "ซ่อนแล้ว" in row.locator("td").nth(1).inner_text()
    assert PERSONAL_DATA in text
    assert note in text
    assert body not in public.content()
    no_js_errors(public)
