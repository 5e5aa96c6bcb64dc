"""A fixed world for the security suite, built through the domains' services.

One receiving agency (``pcd``) with its staff, another agency with its own
staff, a parliament, and in the agency: an open hearing (sections, a question,
a comment), a draft hearing, initiatives collecting and handed over, a budget
process taking proposals with a proposal, one voting with feasible proposals,
and a moderation action with an appeal. The people are one per role.

Every text field can be filled with ``text`` (the XSS suite passes payloads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from participation import db as db_module
from participation.accounts import services as accounts
from participation.accounts.models import MembershipRole, OrganisationKind
from tests.factories import PASSWORD, valid_national_id

ROLES = ("anonymous", "citizen", "author", "other_staff", "staff", "moderator", "admin")


#: People in the world: the national IDs, emails and names that must never be public.
def national_ids(tag: str = "") -> dict[str, str]:
    """Valid, distinct 13-digit IDs for the world tagged ``tag``."""
    n = int.from_bytes(tag.encode(), "big") % 10_000 if tag else 0
    return {
        "citizen": valid_national_id(f"11017{n:04d}345"),
        "author": valid_national_id(f"31006{n:04d}345"),
        "hidden_signer": valid_national_id(f"35006{n:04d}340"),
    }


NATIONAL_IDS = national_ids()
HIDDEN_SIGNER_NAME = "ศรีสมร ซ่อนชื่อ"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    slugs: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def user(self, role):
        return self.users.get(role)


def build_world(session, text=lambda label: label, tag: str = "") -> World:
    """Build the world; ``text(label)`` gives the value of each user text field.

    ``tag`` makes emails and slugs unique, to build several worlds in one database.
    """
    from participation.budgeting import services as budgeting
    from participation.budgeting.models import BudgetProposal, ProposalStatus
    from participation.comments import services as comments
    from participation.hearings import services as hearings
    from participation.hearings.models import HearingKind, LawType, QuestionKind
    from participation.initiatives import services as initiatives
    from participation.moderation import services as moderation

    world = World()
    ids = national_ids(tag)
    now = db_module.utcnow()

    def person(role, **kwargs):
        user = accounts.create_user(
            email=f"{role.replace('_', '-')}{tag}@example.org",
            password=PASSWORD,
            display_name=kwargs.pop("name", text(f"{role} name")),
            locale="th",
            verified=True,
        )
        if role in ids:
            accounts.declare_national_id(user, ids[role])
        world.users[role] = user
        return user

    parliament = accounts.create_organisation(
        slug=f"parliament{tag}", name_th=text("รัฐสภา"), name_en=None, kind=OrganisationKind.parliament
    )
    agency = accounts.create_organisation(
        slug=f"pcd{tag}",
        name_th=text("กรมควบคุมมลพิษ"),
        name_en=text("Pollution Control"),
        kind=OrganisationKind.department,
    )
    other = accounts.create_organisation(
        slug=f"moi{tag}", name_th=text("กระทรวงมหาดไทย"), name_en=None, kind=OrganisationKind.department
    )
    world.slugs.update(agency=f"pcd{tag}", other=f"moi{tag}", parliament=f"parliament{tag}")
    for role in ROLES[1:]:
        person(role)
    accounts.set_membership(world.users["staff"], agency, MembershipRole.editor)
    accounts.set_membership(world.users["other_staff"], other, MembershipRole.admin)
    accounts.set_platform_roles(world.users["moderator"], moderator=True, admin=False)
    accounts.set_platform_roles(world.users["admin"], moderator=True, admin=True)
    signer = accounts.create_user(
        email=f"hidden-signer{tag}@example.org",
        password=PASSWORD,
        display_name=HIDDEN_SIGNER_NAME,
        locale="th",
        verified=True,
    )
    accounts.declare_national_id(signer, ids["hidden_signer"])
    world.users["hidden_signer"] = signer
    session.commit()

    staff, author, citizen, moderator = (world.users[r] for r in ("staff", "author", "citizen", "moderator"))

    # Hearings: one open (comments, questionnaire), one draft (editing).
    def hearing(opens_at):
        return hearings.create_hearing(
            organisation=agency,
            actor=staff,
            title_th=text("ร่างพระราชบัญญัติอากาศสะอาด"),
            title_en=text("Clean Air Bill"),
            summary_th=text("สรุปร่าง"),
            kind=HearingKind.draft_law,
            law_type=LawType.act,
            contact=text("กองกฎหมาย"),
            opens_at=opens_at,
            closes_at=opens_at + timedelta(days=20),
        )

    open_hearing = hearing(now - timedelta(minutes=5))
    hearings.replace_sections(
        open_hearing.versions[0], "มาตรา ๑ " + text("บทบัญญัติแรก") + "\n\nมาตรา ๒ " + text("บทบัญญัติที่สอง")
    )
    question = hearings.add_question(open_hearing, prompt=text("เห็นด้วยหรือไม่"), kind=QuestionKind.yes_no)
    hearings.add_attachment(open_hearing, "draft.pdf", b"%PDF-1.4\n%test\n", staff, now)
    hearings.schedule(open_hearing, staff, now)
    hearings.advance(now + timedelta(seconds=1))
    draft = hearing(now + timedelta(days=2))
    hearings.replace_sections(draft.versions[0], "มาตรา ๑ " + text("ร่างแรก"))
    session.commit()
    # A hearing held in the past with its report published (the public CSV).
    reported = hearing(now - timedelta(days=30))
    hearings.replace_sections(reported.versions[0], "มาตรา ๑ " + text("บทบัญญัติเดิม"))
    hearings.schedule(reported, staff, now - timedelta(days=31))
    hearings.advance(now - timedelta(days=29))
    hearings.advance(now)
    hearings.publish_report(reported, text("สรุปผลการรับฟัง"), staff, now)
    session.commit()
    world.ids["reported_hearing"] = reported.id
    sections = [s for s in hearings.current_version(open_hearing).sections if s.kind.value == "section"]
    draft_sections = [s for s in draft.versions[0].sections if s.kind.value == "section"]
    world.ids.update(
        hearing=open_hearing.id,
        draft_hearing=draft.id,
        section=sections[0].id,
        draft_section=draft_sections[0].id,
        question=question.id,
        attachment=open_hearing.attachments[0].id,
    )

    # Comments on the open hearing: the author's, and one hidden by a moderator and appealed.
    comment = comments.post_comment(
        author=author, subject_type="hearing", subject_id=open_hearing.id, body=text("ความเห็นของฉัน")
    )
    hidden = comments.post_comment(
        author=author, subject_type="hearing", subject_id=open_hearing.id, body=text("ความเห็นที่ถูกซ่อน")
    )
    session.commit()
    action = moderation.hide(moderator, "comment", hidden.id, "spam", note=text("บันทึกของผู้ดูแล"))
    session.commit()
    appeal = moderation.appeal(author, action, text("ขออุทธรณ์"))
    session.commit()
    world.ids.update(comment=comment.id, hidden_comment=hidden.id, action=action.id, appeal=appeal.id)

    # Initiatives: petitions received by the agency.
    _bill, _amendment, petition = initiatives.seed_standard_types(parliament, agency)
    session.commit()

    def initiative(title):
        made = initiatives.create_initiative(
            author,
            petition,
            title=text(title),
            summary=text("สรุปข้อเสนอ"),
            body=text("เหตุผลของข้อเสนอ"),
            topic=text("สิ่งแวดล้อม"),
            duration_days=30,
        )
        session.commit()
        return made

    collecting = initiative("ขอให้เพิ่มสวนสาธารณะ")
    initiatives.submit(collecting, author, now - timedelta(minutes=5))
    initiatives.approve(collecting, moderator, now - timedelta(minutes=4))
    initiatives.sign(collecting, citizen, now - timedelta(minutes=3), consent=True, show_name=True)
    initiatives.sign(
        collecting,
        signer,
        now - timedelta(minutes=2),
        consent=True,
        show_name=False,
        full_name=HIDDEN_SIGNER_NAME,
        national_id=ids["hidden_signer"],
    )
    session.commit()
    handed = initiative("ขอให้ลดฝุ่น PM2.5")
    initiatives.submit(handed, author, now - timedelta(minutes=5))
    initiatives.approve(handed, moderator, now - timedelta(minutes=4))
    handed.threshold = 1
    initiatives.sign(handed, signer, now - timedelta(minutes=3), consent=True, show_name=False)
    session.commit()
    initiatives.refresh_initiative(handed, now, force=True)
    initiatives.hand_over(handed, author, now - timedelta(minutes=1))
    session.commit()
    in_review = initiative("ขอให้ปลูกต้นไม้")
    initiatives.submit(in_review, author, now - timedelta(minutes=5))
    draft_initiative = initiative("ร่างข้อเสนอ")
    session.commit()
    world.ids.update(
        initiative=collecting.id,
        handed_initiative=handed.id,
        review_initiative=in_review.id,
        draft_initiative=draft_initiative.id,
        initiative_type=petition.id,
    )

    # Participatory budgeting: one process taking proposals, one voting.
    def process(slug, offsets):
        starts = [now + timedelta(days=d) for d in offsets]
        made = budgeting.create_process(
            organisation=agency,
            slug=slug,
            title_th=text("งบประมาณแบบมีส่วนร่วม"),
            title_en=text("Participatory budget"),
            description_th=text("คำอธิบายกระบวนการ"),
            total_budget=1_000_000,
            proposals_opens_at=starts[0],
            review_opens_at=starts[1],
            voting_opens_at=starts[2],
            voting_closes_at=starts[3],
            implementation_opens_at=starts[4],
        )
        session.commit()
        return made

    proposing = process(f"pb-proposals{tag}", (-1, 2, 3, 4, 5))
    proposal = budgeting.submit_proposal(
        proposing,
        author,
        title=text("ทางเดินร่มรื่น"),
        description=text("ปลูกต้นไม้ริมทาง"),
        location=text("ถนนสีลม"),
        estimated_cost=100_000,
    )
    session.commit()
    voting = process(f"pb-voting{tag}", (-3, -2, -1, 4, 5))
    feasible = BudgetProposal(
        process_id=voting.id,
        author_id=author.id,
        title=text("สวนหย่อม"),
        description=text("สวนหย่อมในชุมชน"),
        estimated_cost=50_000,
        official_cost=50_000,
        status=ProposalStatus.feasible,
    )
    session.add(feasible)
    session.commit()
    world.slugs.update(process=f"pb-proposals{tag}", voting_process=f"pb-voting{tag}")
    world.ids.update(proposal=proposal.id, voting_proposal=feasible.id, process=voting.id)

    # A follow/subscription of the citizen, for the notification settings.
    from participation.notifications import services as notifications

    subscription = notifications.follow(citizen, "hearing", open_hearing.id)
    session.commit()
    world.ids["subscription"] = subscription.id
    return world
