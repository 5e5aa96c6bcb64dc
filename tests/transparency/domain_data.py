"""Real domain data built through the services, for the transparency tests.

A hearing taken from draft to a published report (sections, a question with
answers, comments: one answered, one hidden, one deleted, one by a deleted
account), a second hearing open now, an initiative collecting signatures
(one signer with a hidden name), a budget process with proposals, ballots and
published results. ``participation.db.utcnow`` is replaced by a clock the test
controls (as in the domain tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from participation import db as db_module
from participation.accounts import services as accounts
from participation.budgeting import services as budget_services
from participation.budgeting.models import BallotType, Rule
from participation.comments import services as comments
from participation.hearings import services as hearing_services
from participation.hearings.models import HearingKind, LawType
from participation.initiatives import services as initiative_services
from participation.moderation import services as moderation
from tests.factories import valid_national_id

#: A section whose Thai words are written without spaces, as Thai is.
SECTION_TEXT = """ร่าง
พระราชบัญญัติ
ส่งเสริมการใช้จักรยาน
พ.ศ. ....

มาตรา ๑ พระราชบัญญัตินี้เรียกว่า “พระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ....”

มาตรา ๒ ให้องค์กรปกครองส่วนท้องถิ่นจัดให้มีทางจักรยานที่ปลอดภัยและที่จอดรถจักรยานสาธารณะ
"""
HIDDEN_BODY = "ข้อความที่ถูกซ่อนโดยผู้ดูแลเรื่องสนามกอล์ฟ"
HIDDEN_SIGNER = "ผู้ลงชื่อไม่เปิดเผย ลับมาก"
SECRET_STAFF = "เจ้าหน้าที่ ชื่อลับ"
#: Never in any public output.
FORBIDDEN = ["secret.staff@agency.go.th", SECRET_STAFF, HIDDEN_SIGNER, HIDDEN_BODY, "ผู้ใช้ที่จะลบบัญชี"]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now


@dataclass
class Data:
    clock: Clock
    organisation: object
    staff: object
    citizen: object
    hearing: object
    open_hearing: object
    answered: object
    hidden: object
    deleted: object
    by_deleted_user: object
    initiative: object
    process: object
    proposals: list
    forbidden: list


def build(session, factory, monkeypatch, organisation=None) -> Data:
    clock = Clock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=60))
    monkeypatch.setattr(db_module, "utcnow", clock)
    org = organisation or factory.organisation(slug="bike-dept", name_th="กรมส่งเสริมจักรยาน")
    staff = factory.staff(org, name=SECRET_STAFF, email="secret.staff@agency.go.th")
    moderator = factory.user(moderator=True, name="ผู้ดูแล ระบบ")
    citizen = factory.user(name="สมหญิง รักเมือง", national_id=valid_national_id("110170020345"))
    other = factory.user(name="สมชาย ใจดี")
    leaver = factory.user(name="ผู้ใช้ที่จะลบบัญชี")

    # -- a hearing through its whole life --------------------------------------------
    now = clock.now
    hearing = hearing_services.create_hearing(
        organisation=org,
        actor=staff,
        title_th="ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. ....",
        summary_th="ร่างกฎหมายนี้ส่งเสริมการใช้จักรยานในเมือง",
        kind=HearingKind.draft_law,
        law_type=LawType.act,
        contact="กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐",
        opens_at=now,
        closes_at=now + timedelta(days=20),
    )
    hearing_services.replace_sections(hearing.versions[0], SECTION_TEXT)
    question = hearing_services.add_question(hearing, prompt="เห็นด้วยกับร่างนี้หรือไม่", kind="yes_no")
    session.flush()
    hearing_services.schedule(hearing, staff, now)
    hearing_services.advance(now)
    session.commit()
    section = [s for s in hearing.versions[0].sections if s.kind.value == "section"][-1]
    answered = comments.post_comment(
        author=citizen,
        subject_type="hearing",
        subject_id=hearing.id,
        body="ควรเพิ่มทางจักรยานให้ปลอดภัยมากขึ้น",
        part_id=section.id,
        position="agree",
        stakeholder_group="citizen",
        now=clock.advance(hours=1),
    )
    hidden = comments.post_comment(
        author=other,
        subject_type="hearing",
        subject_id=hearing.id,
        body=HIDDEN_BODY,
        position="disagree",
        now=clock.advance(hours=1),
    )
    deleted = comments.post_comment(
        author=other,
        subject_type="hearing",
        subject_id=hearing.id,
        body="ความเห็นที่ผู้เขียนลบเอง",
        now=clock.advance(hours=1),
    )
    by_deleted_user = comments.post_comment(
        author=leaver,
        subject_type="hearing",
        subject_id=hearing.id,
        body="ความเห็นจากผู้ที่ลบบัญชีแล้ว",
        stakeholder_group="academia",
        now=clock.advance(hours=1),
    )
    session.commit()
    moderation.hide(moderator, "comment", hidden.id, "spam")
    comments.delete_comment(deleted, other, now=clock.advance(minutes=5))
    hearing_services.answer_questionnaire(
        hearing, citizen, {question.id: ([question.choices[0].id], "")}, clock.now
    )
    session.commit()
    accounts.delete_account(leaver, "correct horse battery")
    session.commit()

    clock.advance(days=21)
    hearing_services.advance(clock.now)
    hearing_services.dispose(
        hearing,
        [answered.id, by_deleted_user.id],
        outcome="accepted",
        explanation="ได้ปรับปรุงมาตรา ๒ ตามข้อเสนอ",
        changed_section_id=None,
        actor=staff,
        now=clock.advance(days=2),
    )
    hearing_services.publish_report(hearing, "สรุปผลการรับฟังความคิดเห็น", staff, clock.advance(days=1))
    session.commit()

    # -- an initiative collecting signatures -----------------------------------------
    parliament = factory.organisation(slug="parliament-t")
    _bill, _amendment, petition = initiative_services.seed_standard_types(parliament, org)
    initiative = initiative_services.create_initiative(
        citizen,
        petition,
        title="ขอให้เพิ่มสวนสาธารณะริมคลอง",
        summary="สรุปข้อเสนอสั้น ๆ",
        body="เมืองต้องการพื้นที่สีเขียวมากขึ้น",
        topic="สิ่งแวดล้อม",
        duration_days=30,
    )
    session.commit()
    initiative_services.submit(initiative, citizen, clock.advance(minutes=5))
    initiative_services.approve(initiative, moderator, clock.advance(minutes=5))
    session.commit()
    signer = factory.user(name=HIDDEN_SIGNER, national_id=valid_national_id("310060012345"))
    initiative_services.sign(initiative, signer, clock.advance(hours=1), consent=True, show_name=False)
    initiative_services.sign(initiative, other, clock.advance(hours=1), consent=True, show_name=True)
    initiative_services.refresh_initiative(initiative, clock.advance(days=1), force=True)
    session.commit()

    # -- a budget process with ballots and results -----------------------------------
    start = clock.now
    process = budget_services.create_process(
        organisation=org,
        slug="bike-budget",
        title_th="งบประมาณแบบมีส่วนร่วม เขตบางรัก",
        title_en="Bang Rak participatory budget",
        description_th="ประชาชนเสนอและลงคะแนนโครงการ",
        total_budget=1_000_000,
        proposals_opens_at=start + timedelta(hours=1),
        review_opens_at=start + timedelta(days=2),
        voting_opens_at=start + timedelta(days=3),
        voting_closes_at=start + timedelta(days=4),
        implementation_opens_at=start + timedelta(days=10),
        districts=[],
        ballot_type=BallotType.approval,
        max_choices=2,
        max_points=None,
        rule=Rule.greedy,
    )
    session.commit()
    clock.advance(hours=2)
    proposals = [
        budget_services.submit_proposal(
            process,
            citizen,
            title=title,
            description="รายละเอียดโครงการ",
            location="บางรัก",
            estimated_cost=cost,
        )
        for title, cost in (("ทางจักรยานริมคลอง", 600_000), ("ไฟส่องสว่างในซอย", 300_000))
    ]
    session.commit()
    clock.advance(days=2)
    for proposal in proposals:
        budget_services.review_proposal(
            proposal, staff, feasible=True, official_cost=proposal.estimated_cost, reason=None
        )
    session.commit()
    clock.advance(days=1)
    for voter in (citizen, signer):
        budget_services.cast_ballot(process, voter, district_id=None, choices={proposals[0].id: 1})
    session.commit()
    clock.advance(days=2)
    budget_services.publish_results(process, actor=staff)
    session.commit()
    return Data(
        clock,
        org,
        staff,
        citizen,
        hearing,
        None,
        answered,
        hidden,
        deleted,
        by_deleted_user,
        initiative,
        process,
        proposals,
        forbidden=[staff.email, SECRET_STAFF, HIDDEN_SIGNER, HIDDEN_BODY, "secret.staff"],
    )
