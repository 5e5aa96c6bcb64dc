"""Budget journey: a voter fills a knapsack ballot, is refused over budget with a clear
message, then casts a ballot within budget; with JavaScript (live totals) and without
(the server-side "Check the totals" path)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import run_axe
from tests.browser.helpers import create_knapsack_vote, no_js_errors, organisation_with_staff, signed_in_page

OVER_BUDGET = "โครงการที่ท่านเลือกมีค่าใช้จ่ายรวมเกินงบประมาณ กรุณานำออกบางโครงการ"
SAVED = "บันทึกบัตรลงคะแนนของท่านแล้ว"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_knapsack_ballot_over_budget_then_within(new_page, live_server, server_app, make_user, javascript):
    org_id, _email, staff_id = organisation_with_staff(server_app, make_user)
    slug, projects = create_knapsack_vote(server_app, org_id, staff_id)
    voter = make_user()
    page = signed_in_page(new_page, live_server, voter.email, javascript=javascript)
    page.goto(f"{live_server}/budgets/{slug}")
    page.click(f"main a[href='/budgets/{slug}/vote']")
    ballot = page.locator("form#ballot")
    ballot.locator(f"#project-{projects['ปรับปรุงลานกีฬาชุมชน']}").check()
    ballot.locator(f"#project-{projects['ติดไฟส่องสว่างในซอย']}").check()
    total = page.locator("[data-total=cost]")
    if javascript:
        # The running total follows the choices and marks the overspend before sending.
        assert total.inner_text().replace("\u00a0", "").endswith("1,100,000")
        assert "over-limit" in total.get_attribute("class")
        ballot.locator("button[value=submit]").click()
    else:
        ballot.locator("button[value=check]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert OVER_BUDGET in summary.inner_text()
    assert "1,100,000" in page.locator("[data-total=cost]").inner_text()
    # Nothing was cast; the choices are kept for the voter to fix.
    assert page.locator(f"#project-{projects['ติดไฟส่องสว่างในซอย']}").is_checked()

    page.locator(f"#project-{projects['ติดไฟส่องสว่างในซอย']}").uncheck()
    page.locator(f"#project-{projects['ปลูกต้นไม้ริมคลอง']}").check()
    if not javascript:
        page.locator("form#ballot button[value=check]").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 0
        assert "900,000" in page.locator("[data-total=cost]").inner_text()
    else:
        assert page.locator("[data-total=cost]").inner_text().replace("\u00a0", "").endswith("900,000")
    page.locator("form#ballot button[value=submit]").click()
    page.wait_for_load_state()
    assert SAVED in page.locator("body").inner_text()
    assert page.locator(".error-summary").count() == 0
    assert page.locator(f"#project-{projects['ปรับปรุงลานกีฬาชุมชน']}").is_checked()
    assert page.locator(f"#project-{projects['ปลูกต้นไม้ริมคลอง']}").is_checked()
    assert not page.locator(f"#project-{projects['ติดไฟส่องสว่างในซอย']}").is_checked()
    no_js_errors(page)


REFUSED_LOCKED = "เปิดลงคะแนนแล้ว จึงแก้ไขงบประมาณ"
EDIT_SAVED = "บันทึกการแก้ไขและลงบันทึกสาธารณะเรียบร้อยแล้ว"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_staff_edit_a_process_while_voting(new_page, live_server, server_app, make_user, javascript):
    """Staff open "แก้ไข" from the process page: the budget is refused once voting opened (their
    other changes kept in the form), then a corrected English title and a later close are saved
    and listed on the page. With and without JavaScript; axe-core checks the refused form."""
    org_id, email, staff_id = organisation_with_staff(server_app, make_user)
    slug, _projects = create_knapsack_vote(server_app, org_id, staff_id)
    page = signed_in_page(new_page, live_server, email, javascript=javascript)
    page.goto(f"{live_server}/budgets/{slug}")
    page.click(f"main a[href='/budgets/{slug}/edit']")
    form = page.locator("form.stacked-form")
    form.locator("#title_en").fill("Community participatory budget")
    form.locator("#total_budget").fill("2000000")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert REFUSED_LOCKED in page.locator(".error-summary").first.inner_text()
    assert page.locator("#total_budget").input_value() == "2000000"
    assert page.locator("#title_en").input_value() == "Community participatory budget"
    if javascript:  # axe-core runs in the page
        violations = run_axe(page)
        assert violations == [], [(v["id"], v["help"]) for v in violations]

    page.locator("#total_budget").fill("1000000")
    closes = page.locator("#voting_closes_at")
    later = datetime.strptime(closes.input_value(), "%Y-%m-%dT%H:%M") + timedelta(days=7)
    closes.fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/budgets/{slug}")
    assert EDIT_SAVED in page.locator(".flashes").inner_text()
    changes = page.locator("ul.budget-edits").inner_text()
    assert "ชื่อเรื่อง (ภาษาอังกฤษ), ปิดลงคะแนน (ประกาศผล)" in changes
    no_js_errors(page)
