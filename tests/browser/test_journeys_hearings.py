"""Hearing journeys: a citizen comments on a section; staff create and schedule a hearing;
staff answer every comment after closing and the citizen reads the answer in the report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import (
    HEARING_TEXT,
    create_closed_hearing_with_comments,
    create_open_hearing,
    no_js_errors,
    organisation_with_staff,
    register_and_confirm,
    sections_of,
    signed_in_page,
    unique,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
NOT_ACCEPTED = "ไม่รับไว้"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_citizen_registers_and_comments_on_a_section(
    new_page, live_server, server_app, make_user, javascript
):
    org_id, _staff_email, staff_id = organisation_with_staff(server_app, make_user)
    hearing_id = create_open_hearing(server_app, org_id, staff_id)
    section_id = sections_of(server_app, hearing_id)["๓"]
    page = new_page(javascript=javascript)
    register_and_confirm(page, live_server, server_app, name="สมหญิง ปั่นจักรยาน")

    page.goto(f"{live_server}/hearings/{hearing_id}")
    page.click(f"a[href='/hearings/{hearing_id}/sections/{section_id}']")
    assert "มาตรา ๓" in page.locator("#section-title").inner_text()
    form = page.locator("form.comment-form").first
    body = f"ควรกำหนดความกว้างขั้นต่ำของทางจักรยานไว้ในกฎหมาย {unique()}"
    if form.locator("select[name=part_id]").count():
        form.locator("select[name=part_id]").select_option(str(section_id))
    form.locator("textarea[name=body]").fill(body)
    form.locator("select[name=position]").select_option("suggest_change")
    form.locator("select[name=stakeholder_group]").select_option("civil_society")
    form.locator("input[name=on_behalf_of]").fill("ชมรมจักรยานเพื่อสุขภาพ")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    comment = page.locator("article.comment", has_text=body)
    assert comment.count() == 1
    meta = comment.locator(".comment-meta").inner_text()
    assert "สมหญิง ปั่นจักรยาน" in meta
    assert "ชมรมจักรยานเพื่อสุขภาพ" in meta
    assert "เสนอให้แก้ไข" in meta  # the position
    assert "ภาคประชาสังคม" in meta  # the stakeholder group
    # A reply: the link opens the reply page, which quotes the comment; the reply shows under it.
    comment.locator("a.comment-reply").click()
    page.wait_for_load_state()
    assert body in page.locator("blockquote.comment-quote").inner_text()
    reply = f"เห็นด้วย และควรมีป้ายบอกทางด้วย {unique()}"
    page.locator("form.comment-form textarea[name=body]").fill(reply)
    page.locator("form.comment-form button[type=submit]").click()
    page.wait_for_load_state()
    thread = page.locator("li.comment-thread", has=page.locator("article.comment", has_text=body))
    assert thread.locator(".comment-replies article.comment", has_text=reply).count() == 1
    # The section's own stream shows it, and the whole text counts it against the section.
    page.goto(f"{live_server}/hearings/{hearing_id}/sections/{section_id}")
    assert page.locator("article.comment", has_text=body).count() == 1
    page.goto(f"{live_server}/hearings/{hearing_id}")
    # The comment and its reply.
    assert "2" in page.locator(f"a[href='/hearings/{hearing_id}/sections/{section_id}']").inner_text()
    no_js_errors(page)


def _local(dt) -> str:
    """The value a datetime-local input takes, in Bangkok time."""
    return dt.astimezone(BANGKOK).strftime("%Y-%m-%dT%H:%M")


def test_staff_create_and_schedule_a_hearing(new_page, live_server, server_app, make_user):
    org_id, staff_email, _staff_id = organisation_with_staff(server_app, make_user)
    page = signed_in_page(new_page, live_server, staff_email)
    page.goto(live_server + "/hearings/")
    page.click("a.button[href='/hearings/new']")
    title = f"ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน {unique()}"
    opens = datetime.now(UTC) + timedelta(days=2)
    page.select_option("#organisation_id", str(org_id))
    page.fill("#title_th", title)
    page.fill("#summary_th", "ร่างกฎหมายนี้ส่งเสริมการใช้จักรยานในเมืองและจัดให้มีทางจักรยานที่ปลอดภัย")
    page.fill("#contact", "กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐")
    page.fill("#opens_at", _local(opens))
    page.fill("#closes_at", _local(opens + timedelta(days=16)))
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    hearing_path = re.search(r"/hearings/\d+", page.url).group(0)

    if "/text" not in page.url:
        page.goto(live_server + hearing_path + "/text")
    page.fill("textarea[name=text]", HEARING_TEXT)
    page.click("button:has-text('แยกเป็นมาตราและบันทึก')")
    page.wait_for_load_state()
    for number in ("มาตรา ๑", "มาตรา ๒", "มาตรา ๓"):
        assert page.locator("main", has_text=number).count() == 1

    page.goto(live_server + hearing_path)
    page.click("button:has-text('กำหนดวันรับฟังความคิดเห็น')")
    page.wait_for_load_state()
    no_js_errors(page)

    public = new_page()
    public.goto(live_server + hearing_path)
    assert public.locator("h1").inner_text() == title
    assert public.locator(".hearing-status").inner_text() == "กำหนดวันแล้ว"
    assert "มาตรา ๓" in public.locator(".draft-text").inner_text()
    public.goto(live_server + "/hearings/")
    assert public.locator("main", has_text=title).count() == 1
    no_js_errors(public)


def test_staff_answer_every_comment_and_publish_the_report(new_page, live_server, server_app, make_user):
    org_id, staff_email, staff_id = organisation_with_staff(server_app, make_user)
    citizen = make_user(display_name="สมศักดิ์ ผู้ร่วมแสดงความเห็น")
    others = [make_user(), make_user()]
    hearing = create_closed_hearing_with_comments(
        server_app, org_id, staff_id, [citizen.id] + [u.id for u in others]
    )
    own_id, own_body = hearing["own"]
    base = f"{live_server}/hearings/{hearing['id']}"

    staff = signed_in_page(new_page, live_server, staff_email)
    staff.goto(base)
    staff.click(f"a[href='/hearings/{hearing['id']}/dispositions']")
    # The form letter group is answered in one step.
    groups = staff.locator("section[aria-labelledby=groups-title] form")
    assert groups.count() == 1
    groups.first.locator("input[name=outcome][value=accepted]").check()
    groups.first.locator("textarea[name=explanation]").fill("เห็นด้วย จะเพิ่มที่จอดจักรยานไว้ในร่างฉบับปรับปรุง")
    groups.first.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    own = staff.locator(f"article#comment-{own_id}")
    answer = "ขอบคุณสำหรับข้อเสนอ เนื่องจากโทษปรับกำหนดไว้ในพระราชบัญญัติจราจรทางบกแล้ว"
    own.locator("input[name=outcome][value=not_accepted]").check()
    own.locator("textarea[name=explanation]").fill(answer)
    own.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    assert staff.locator("section[aria-labelledby=list-title] article").count() == 0
    assert staff.locator("section[aria-labelledby=list-title] .empty").is_visible()

    staff.goto(base + "/report")
    staff.fill("textarea[name=summary]", "มีผู้แสดงความคิดเห็น ๓ คน หน่วยงานได้ตอบทุกความคิดเห็นแล้ว")
    staff.click("button[name=action][value=publish]")
    staff.wait_for_load_state()
    no_js_errors(staff)

    reader = signed_in_page(new_page, live_server, citizen.email)
    reader.goto(base)
    reader.click(f"a[href='/hearings/{hearing['id']}/report']")
    entry = reader.locator(f"article.report-entry#comment-{own_id}")
    assert own_body in entry.locator(".said").inner_text()
    did = entry.locator(".did").inner_text()
    assert answer in did
    assert NOT_ACCEPTED in did
    for letter_id in hearing["letters"]:
        assert (
            "จะเพิ่มที่จอดจักรยาน" in reader.locator(f"article.report-entry#comment-{letter_id} .did").inner_text()
        )
    no_js_errors(reader)
