"""The list page, its filters, the home page items, and the demo data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from participation import db as db_module
from participation.hearings import services
from participation.hearings.models import Hearing, HearingStatus, LawType


def test_list_shows_public_hearings_open_first_with_filters(
    client, hearings, agency, staff, factory, db, clock
):
    other = factory.organisation(slug="moi-test", name_th="กระทรวงทดสอบ")
    other_staff = factory.staff(other)
    hidden = hearings.draft(agency, staff, title_th="ร่างที่ยังไม่เผยแพร่")
    scheduled = hearings.draft(
        other,
        other_staff,
        title_th="ร่างกฎกระทรวงที่กำหนดวันแล้ว",
        law_type=LawType.ministerial_regulation,
        opens_in=timedelta(days=2),
    )
    services.schedule(scheduled, other_staff, clock.now)
    opened = hearings.open(agency, staff, title_th="ร่างพระราชบัญญัติที่เปิดอยู่")
    db.commit()
    html = client.get("/hearings/").get_data(as_text=True)
    assert hidden.title_th not in html
    assert html.index(opened.title_th) < html.index(scheduled.title_th)
    html = client.get("/hearings/?status=scheduled").get_data(as_text=True)
    assert scheduled.title_th in html and opened.title_th not in html
    html = client.get("/hearings/?law_type=ministerial_regulation").get_data(as_text=True)
    assert scheduled.title_th in html and opened.title_th not in html
    html = client.get("/hearings/?organisation=moi-test").get_data(as_text=True)
    assert scheduled.title_th in html and opened.title_th not in html
    # The effective status is used: once its opening passes, it lists as open without the worker.
    clock.advance(days=3)
    html = client.get("/hearings/?status=open").get_data(as_text=True)
    assert scheduled.title_th in html
    assert client.get("/hearings/?status=bogus").status_code == 400
    assert client.get("/hearings/?organisation=nobody").status_code == 404


def test_home_page_lists_open_hearings(client, hearings, agency, staff, db):
    opened = hearings.open(agency, staff, title_th="ร่างพระราชบัญญัติบนหน้าแรก")
    hearings.draft(agency, staff, title_th="ร่างลับบนหน้าแรก")
    html = client.get("/").get_data(as_text=True)
    assert opened.title_th in html
    assert "ร่างลับบนหน้าแรก" not in html
    assert f"/hearings/{opened.id}" in html


def test_demo_loads_realistic_hearings(runner, app, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    found = {h.organisation.slug: h for h in db.scalars(select(Hearing))}
    now = db_module.utcnow()
    assert found["pcd"].status_at(now) == HearingStatus.open
    assert found["moi"].status == HearingStatus.report_published
    assert len([v for v in found["moi"].versions if v.published_at]) == 2
    from participation.hearings import queries

    assert queries.undisposed_count(found["moi"]) == 0
    assert queries.report_statistics(found["pcd"]).comments >= 5
    assert sum(r.respondents for r in queries.questionnaire_results(found["pcd"])) >= 4
