"""Data for the browser journeys, built through the domains' services on the live server's database.

The server runs on the real clock, so every object is created with dates that put it in the
state a journey needs *now*. Every helper makes its own rows (unique titles, slugs and
emails), so journeys do not depend on one another or on their order.
"""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in

_counter = itertools.count(1)

HEARING_TEXT = """ร่าง
พระราชบัญญัติ
ส่งเสริมการใช้จักรยาน
พ.ศ. ....

โดยที่เป็นการสมควรมีกฎหมายว่าด้วยการส่งเสริมการใช้จักรยาน

หมวด ๑
บททั่วไป

มาตรา ๑ พระราชบัญญัตินี้เรียกว่า “พระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ....”

มาตรา ๒ พระราชบัญญัตินี้ให้ใช้บังคับตั้งแต่วันถัดจากวันประกาศในราชกิจจานุเบกษาเป็นต้นไป

มาตรา ๓ ให้องค์กรปกครองส่วนท้องถิ่นจัดให้มีทางจักรยานที่ปลอดภัย
"""


def unique(prefix: str = "") -> str:
    return f"{prefix}{time.time_ns()}{next(_counter)}"


def no_js_errors(page) -> None:
    assert page.js_errors == [], page.js_errors


@pytest.fixture(scope="session")
def demo(server_app):
    """The demo data (organisations, people, a hearing, initiatives, budgets) loaded once.

    Used by the tests that walk every main page; journeys make their own objects.
    Returns a dict of paths to the demo's main pages.
    """
    from participation import db
    from participation.accounts.models import Organisation
    from participation.budgeting.models import BudgetProcess
    from participation.demo import load_demo
    from participation.hearings.models import Hearing, HearingStatus
    from participation.initiatives.demo import PETITION
    from participation.initiatives.models import Initiative

    with server_app.app_context():
        if db.session.scalar(select(Organisation.id).where(Organisation.slug == "pcd")) is None:
            load_demo(force=True)
            db.session.commit()

        def hearing_of(slug: str, *conditions):
            return db.session.scalar(
                select(Hearing)
                .join(Organisation, Hearing.organisation_id == Organisation.id)
                .where(Organisation.slug == slug, *conditions)
                .order_by(Hearing.id)
            )

        hearing = hearing_of("pcd")  # the open clean-air act
        reported = hearing_of("moi", Hearing.status == HearingStatus.report_published)
        initiative = db.session.scalar(select(Initiative).where(Initiative.title == PETITION[0]))
        process = db.session.scalar(select(BudgetProcess).where(BudgetProcess.slug == "chiang-mai-2570"))
        return {
            "hearing": f"/hearings/{hearing.id}",
            "report": f"/hearings/{reported.id}/report",
            "initiative": f"/initiatives/{initiative.id}",
            "process": f"/budgets/{process.slug}",
        }


def main_pages(demo: dict) -> list[tuple[str, str]]:
    """(name, path) of every main page, for the language, axe and screenshot tests."""
    return [
        ("home", "/"),
        ("hearings", "/hearings/"),
        ("hearing", demo["hearing"]),
        ("initiatives", "/initiatives/"),
        ("initiative", demo["initiative"]),
        ("budgets", "/budgets/"),
        ("process", demo["process"]),
        ("moderation-log", "/moderation/log"),
        ("transparency", "/transparency"),
        ("search", "/search?q=%E0%B8%AD%E0%B8%B2%E0%B8%81%E0%B8%B2%E0%B8%A8"),
        ("open-data", "/open-data"),
    ]


def organisation_with_staff(server_app, make_user):
    """A fresh agency and one of its editors; returns (organisation_id, staff email, staff id)."""
    from participation import db
    from participation.accounts import services as accounts
    from participation.accounts.models import MembershipRole, Organisation, OrganisationKind

    staff = make_user(locale="th")
    slug = unique("agency-")
    with server_app.app_context():
        org = accounts.create_organisation(
            slug=slug,
            name_th=f"กรมทดสอบ {slug[-6:]}",
            name_en=f"Test agency {slug[-6:]}",
            kind=OrganisationKind.department,
        )
        accounts.set_membership(db.session.get(type(staff), staff.id), org, MembershipRole.editor)
        db.session.commit()
        return db.session.get(Organisation, org.id).id, staff.email, staff.id


def create_open_hearing(server_app, org_id: int, staff_id: int, *, title: str | None = None) -> int:
    """A hearing open now on an act with three sections; returns its id."""
    from participation import db
    from participation.accounts.models import Organisation, User
    from participation.hearings import services
    from participation.hearings.models import HearingKind, LawType

    with server_app.app_context():
        now = db.utcnow()
        staff = db.session.get(User, staff_id)
        hearing = services.create_hearing(
            organisation=db.session.get(Organisation, org_id),
            actor=staff,
            title_th=title or f"ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน {unique()}",
            summary_th="ร่างกฎหมายนี้ส่งเสริมการใช้จักรยานในเมือง",
            kind=HearingKind.draft_law,
            law_type=LawType.act,
            contact="กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=20),
        )
        services.replace_sections(hearing.versions[0], HEARING_TEXT)
        services.schedule(hearing, staff, now - timedelta(hours=1))
        services.advance(now)
        db.session.commit()
        return hearing.id


def sections_of(server_app, hearing_id: int) -> dict[str, int]:
    """Section number -> section id of the hearing's current text."""
    from participation import db
    from participation.hearings.models import Hearing

    with server_app.app_context():
        hearing = db.session.get(Hearing, hearing_id)
        return {s.number: s.id for s in hearing.versions[0].sections if s.kind.value == "section"}


def outbox_link(server_app, email: str, pattern: str = r"(http://\S+/verify/\S+)") -> str:
    from participation import db
    from participation.notifications.models import OutboxMessage

    with server_app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None, f"no email to {email} in the outbox"
        return re.search(pattern, message.body_text).group(1)


def register_and_confirm(page, base: str, server_app, *, name: str = "นักทดสอบ ผ่านเบราว์เซอร์") -> str:
    """Register through the form (works with or without JavaScript), confirm from the outbox."""
    email = f"{unique('citizen')}@example.org"
    page.goto(base + "/register")
    page.fill("#display_name", name)
    page.fill("#email", email)
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    page.check("#accept_terms")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(outbox_link(server_app, email))
    assert page.url.endswith("/account")
    return email


def signed_in_page(new_page, base: str, email: str, **kwargs):
    page = new_page(**kwargs)
    sign_in(page, base, email)
    return page


FORM_LETTER = (
    "ขอให้กำหนดให้ทุกเทศบาลจัดที่จอดจักรยานที่ปลอดภัยหน้าสถานีขนส่งและโรงเรียน เพราะปัจจุบันไม่มีที่จอดและจักรยานถูกขโมยบ่อยมาก"
)


def create_closed_hearing_with_comments(server_app, org_id: int, staff_id: int, authors: list[int]) -> dict:
    """A hearing whose closing time has passed, with comments: the first author writes their own
    comment on section ๓, the others send the same form letter on section ๒.

    Returns {"id", "own": (comment id, body), "letters": [comment ids]}.
    """
    from participation import db
    from participation.accounts.models import User
    from participation.comments import services as comments
    from participation.hearings import services

    hearing_id = create_open_hearing(server_app, org_id, staff_id)
    parts = sections_of(server_app, hearing_id)
    with server_app.app_context():
        from participation.hearings.models import Hearing

        hearing = db.session.get(Hearing, hearing_id)
        now = db.utcnow()
        own_body = f"ควรระบุโทษสำหรับผู้ที่จอดรถบนทางจักรยานให้ชัดเจน {unique()}"
        own = comments.post_comment(
            author=db.session.get(User, authors[0]),
            subject_type="hearing",
            subject_id=hearing_id,
            part_id=parts["๓"],
            body=own_body,
            position="suggest_change",
            stakeholder_group="citizen",
            now=now,
        )
        letters = [
            comments.post_comment(
                author=db.session.get(User, author),
                subject_type="hearing",
                subject_id=hearing_id,
                part_id=parts["๒"],
                body=FORM_LETTER,
                position="agree",
                stakeholder_group="citizen",
                now=now,
            ).id
            for author in authors[1:]
        ]
        # The hearing ran from 30 to 2 days ago: move its history back in time, then close it.
        from participation.comments.models import Comment

        for comment_id in [own.id, *letters]:
            db.session.get(Comment, comment_id).created_at = now - timedelta(days=10)
        hearing.opens_at = now - timedelta(days=30)
        hearing.closes_at = now - timedelta(days=2)
        hearing.versions[0].published_at = now - timedelta(days=31)
        db.session.flush()
        services.advance(now)
        db.session.commit()
        return {"id": hearing_id, "own": (own.id, own_body), "letters": letters}


def create_collecting_initiative(server_app, *, slug: str = "petition") -> int:
    """A fresh petition collecting signatures now (created, submitted, approved), with one
    signature already counted in a checkpoint; returns its id.

    Needs the standard initiative types, which the ``demo`` fixture provides.
    """
    from participation import db
    from participation.accounts import services as accounts
    from participation.initiatives import services
    from participation.initiatives.models import InitiativeType

    with server_app.app_context():
        now = db.utcnow()
        n = unique()
        author = accounts.create_user(
            email=f"author{n}@example.org",
            password="correct horse battery",
            display_name="ผู้เสนอ ทดสอบ",
            verified=True,
        )
        moderator = accounts.create_user(
            email=f"mod{n}@example.org",
            password="correct horse battery",
            display_name="ผู้ดูแล ทดสอบ",
            verified=True,
        )
        accounts.set_platform_roles(moderator, moderator=True, admin=False)
        petition = db.session.scalar(select(InitiativeType).where(InitiativeType.slug == slug))
        initiative = services.create_initiative(
            author,
            petition,
            title=f"ขอให้เพิ่มสวนสาธารณะในชุมชน {n[-6:]}",
            summary="ขอให้หน่วยงานจัดพื้นที่สีเขียวเพิ่มในชุมชน",
            body="## เหตุผล\n\nเมืองต้องการพื้นที่สีเขียวมากขึ้น",
            topic="สิ่งแวดล้อม",
            duration_days=30,
        )
        services.submit(initiative, author, now - timedelta(hours=2))
        services.approve(initiative, moderator, now - timedelta(hours=1))
        # One earlier signature, counted in a checkpoint as the worker would: a new signature
        # is newer than the checkpoint and must still show at once.
        early = accounts.create_user(
            email=f"early{n}@example.org",
            password="correct horse battery",
            display_name="ผู้ลงชื่อก่อน",
            verified=True,
        )
        services.sign(initiative, early, now - timedelta(minutes=30), consent=True, show_name=False)
        services.refresh_initiative(initiative, now - timedelta(minutes=20), force=True)
        db.session.commit()
        return initiative.id


def focus_ring(page) -> dict:
    """What the focused element is and how its focus is drawn."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', text: (el.innerText || '').trim(),
                    href: el.getAttribute('href') || '', outline: style.outlineStyle, width: style.outlineWidth,
                    shadow: style.boxShadow, form: el.form ? el.form.className : ''};
        }"""
    )


def tab_to(page, matches, *, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until ``matches(focus)``; every stop must show a visible focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = focus_ring(page)
        if focus["tag"] != "body":
            assert focus["outline"] != "none" or focus["shadow"] != "none", f"no visible focus on {focus}"
        if matches(focus):
            return focus
    raise AssertionError("the element was never reached with the keyboard")


BALLOT_PROJECTS = [("ปรับปรุงลานกีฬาชุมชน", 600_000), ("ติดไฟส่องสว่างในซอย", 500_000), ("ปลูกต้นไม้ริมคลอง", 300_000)]


def create_knapsack_vote(server_app, org_id: int, staff_id: int) -> tuple[str, dict[str, int]]:
    """A knapsack process (budget 1,000,000 baht) in its voting phase now, with three reviewed
    projects; returns (slug, {title: proposal id})."""
    from participation import db
    from participation.accounts.models import Organisation, User
    from participation.budgeting import services
    from participation.budgeting.models import BallotType, Rule
    from participation.identity import IdentityLevel

    with server_app.app_context():
        now = db.utcnow()
        day = timedelta(days=1)
        start = now - 40 * day
        staff = db.session.get(User, staff_id)
        slug = unique("vote-")
        process = services.create_process(
            organisation=db.session.get(Organisation, org_id),
            slug=slug,
            title_th=f"งบประมาณแบบมีส่วนร่วม ชุมชนทดสอบ {slug[-6:]}",
            description_th="เลือกโครงการที่มีค่าใช้จ่ายรวมไม่เกินงบประมาณ",
            total_budget=1_000_000,
            proposals_opens_at=start,
            review_opens_at=start + 20 * day,
            voting_opens_at=now - 5 * day,
            voting_closes_at=now + 20 * day,
            implementation_opens_at=now + 60 * day,
            ballot_type=BallotType.knapsack,
            rule=Rule.greedy,
            vote_level=IdentityLevel.email,
            actor=staff,
        )
        ids = {}
        for n, (title, cost) in enumerate(BALLOT_PROJECTS):
            proposal = services.submit_proposal(
                process,
                staff,
                title=title,
                description=title,
                location="ชุมชนทดสอบ",
                estimated_cost=cost,
                now=start + (n + 1) * day,
            )
            services.review_proposal(
                proposal, staff, feasible=True, official_cost=cost, reason=None, now=start + 25 * day
            )
            ids[title] = proposal.id
        db.session.commit()
        return slug, ids


def post_comment(server_app, hearing_id: int, author_id: int, body: str) -> int:
    """A published comment on the whole draft of an open hearing; returns its id."""
    from participation import db
    from participation.accounts.models import User
    from participation.comments import services as comments

    with server_app.app_context():
        comment = comments.post_comment(
            author=db.session.get(User, author_id), subject_type="hearing", subject_id=hearing_id, body=body
        )
        db.session.commit()
        return comment.id
