"""The benchmark's data set, built through the services and bulk Core inserts.

One agency with staff and a moderator; an open hearing with sections and
``--comments`` comments (a fifth of them replies) whose stored counts are
reconciled with the rows; a collecting initiative with ``--signatures``
signatures and a fresh count checkpoint; a second initiative 250 signatures
short of its threshold for the rush of signers; a budget process with 200
projects; and verified accounts for the signers, each with a session cookie
and CSRF token made offline with the app's own signing, so every prepared
POST is a real signed-in signature that passes CSRF.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import insert, select

#: Signatures on the threshold initiative before the rush; its threshold is this + RUSH_MARGIN.
RUSH_INITIAL = 10_000
RUSH_MARGIN = 250
RUSH_SIGNERS = 500
BUDGET_PROJECTS = 200

SECTIONS = 24


def _draft_text() -> str:
    lines = ["ร่าง", "พระราชบัญญัติ", "ส่งเสริมการใช้จักรยาน", "พ.ศ. ....", ""]
    for i in range(1, SECTIONS + 1):
        lines.append(
            f"มาตรา {i} ให้หน่วยงานของรัฐจัดให้มีทางจักรยานที่ปลอดภัยและต่อเนื่อง ข้อที่ {i} โดยคำนึงถึงผู้สูงอายุ ผู้พิการ และเด็ก"
        )
        lines.append("")
    return "\n".join(lines)


def _users(n: int, prefix: str, now) -> list[tuple[int, str]]:
    """Insert ``n`` verified accounts by Core; returns their (id, session nonce) in order."""
    from participation import db
    from participation.accounts.models import User

    rows = [
        {
            "email": f"{prefix}{i}@bench.example",
            "display_name": f"ผู้ลงชื่อ {i}",
            "email_verified_at": now,
            "locale": "th",
            "session_nonce": secrets.token_urlsafe(16),
            "is_moderator": False,
            "is_admin": False,
            "created_at": now,
        }
        for i in range(n)
    ]
    connection = db.session.connection()
    for offset in range(0, n, 5_000):
        connection.execute(insert(User), rows[offset : offset + 5_000])
    return list(
        db.session.execute(
            select(User.id, User.session_nonce).where(User.email.like(f"{prefix}%")).order_by(User.id)
        ).tuples()
    )


def _comments(hearing, section_ids: list[int], author_ids: list[int], n: int, now) -> None:
    from participation import db
    from participation.comments import services as comment_services
    from participation.comments.models import Comment, CommentStatus

    positions = ["agree", "disagree", "suggest_change", None]
    groups = ["citizen", "private_sector", "civil_society", "academia", "government", None]
    top = n - n // 5
    start = now - timedelta(days=3)
    rows = [
        {
            "subject_type": "hearing",
            "subject_id": hearing.id,
            "part_id": section_ids[i % len(section_ids)] if i % 3 else None,
            "author_id": author_ids[i % len(author_ids)],
            "body": f"ความคิดเห็นที่ {i}: ควรแยกทางจักรยานออกจากช่องทางเดินรถ และมีป้ายที่ชัดเจน",
            "status": CommentStatus.published,
            "position": positions[i % 4],
            "stakeholder_group": groups[i % 6],
            "created_at": start + timedelta(seconds=20 * i),
        }
        for i in range(top)
    ]
    connection = db.session.connection()
    for offset in range(0, len(rows), 5_000):
        connection.execute(insert(Comment), rows[offset : offset + 5_000])
    parents = db.session.execute(
        select(Comment.id, Comment.part_id, Comment.created_at)
        .where(Comment.subject_type == "hearing", Comment.subject_id == hearing.id)
        .order_by(Comment.id)
    ).all()
    replies = [
        {
            "subject_type": "hearing",
            "subject_id": hearing.id,
            "part_id": part_id,
            "parent_id": parent_id,
            "author_id": author_ids[(j + 1) % len(author_ids)],
            "body": "เห็นด้วยกับความคิดเห็นนี้",
            "status": CommentStatus.published,
            "created_at": created_at + timedelta(seconds=5),
        }
        for j, (parent_id, part_id, created_at) in enumerate(parents[::4][: n - top])
    ]
    for offset in range(0, len(replies), 5_000):
        connection.execute(insert(Comment), replies[offset : offset + 5_000])
    comment_services.reconcile(fix=True)


def _budget(organisation, staff, author, now) -> str:
    from participation.budgeting import services as budget_services

    process = budget_services.create_process(
        organisation=organisation,
        slug="bench-budget",
        title_th="งบประมาณแบบมีส่วนร่วม (ทดสอบภาระ)",
        total_budget=50_000_000,
        proposals_opens_at=now - timedelta(days=1),
        review_opens_at=now + timedelta(days=10),
        voting_opens_at=now + timedelta(days=20),
        voting_closes_at=now + timedelta(days=30),
        implementation_opens_at=now + timedelta(days=40),
        actor=staff,
    )
    for i in range(BUDGET_PROJECTS):
        proposal = budget_services.submit_proposal(
            process,
            author,
            title=f"โครงการที่ {i + 1}: ปรับปรุงทางเท้าและไฟส่องสว่าง",
            description="ปรับปรุงทางเท้าให้เรียบ ติดตั้งไฟส่องสว่าง และทางลาดสำหรับรถเข็น",
            location=f"ซอย {i + 1}",
            estimated_cost=100_000 + 5_000 * i,
            now=now,
        )
        budget_services.review_proposal(
            proposal, staff, feasible=True, official_cost=100_000 + 5_000 * i, reason=None, now=now
        )
    return process.slug


def _initiative(author, moderator, initiative_type, title: str, now, signatures: int):
    from participation import db
    from participation.initiatives import services as initiative_services
    from participation.initiatives.bulk import bulk_insert_signatures

    initiative = initiative_services.create_initiative(
        author,
        initiative_type,
        title=title,
        summary="ข้อเสนอให้ทุกเมืองมีทางจักรยานที่ปลอดภัย",
        body="ข้อเสนอให้ทุกเมืองมีทางจักรยานที่ปลอดภัย ต่อเนื่อง และแยกจากช่องทางเดินรถ",
        topic="transport",
        duration_days=180,
    )
    initiative_services.submit(initiative, author, now - timedelta(days=31))
    initiative_services.approve(initiative, moderator, now - timedelta(days=30))
    db.session.commit()
    bulk_insert_signatures(initiative.id, signatures, start=now - timedelta(days=30), end=now)
    db.session.commit()
    initiative_services.refresh_initiative(initiative, now, force=True)
    db.session.commit()
    return initiative


def build(app, args) -> dict:
    """Create everything in the app's database (commits); returns ids, URLs and signers."""
    from flask_login.utils import _create_identifier

    from participation import db
    from participation.accounts import services as accounts
    from participation.accounts.models import MembershipRole, OrganisationKind
    from participation.hearings import services as hearing_services
    from participation.hearings.models import HearingKind, LawType
    from participation.initiatives import services as initiative_services
    from participation.initiatives.models import SignerLevel

    now = db.utcnow()
    organisation = accounts.create_organisation(
        slug="bench-agency",
        name_th="กรมทดสอบภาระ",
        name_en="Load test agency",
        kind=OrganisationKind.department,
    )
    staff = accounts.create_user(
        email="staff@bench.example", password=None, display_name="เจ้าหน้าที่", verified=True
    )
    accounts.set_membership(staff, organisation, MembershipRole.editor)
    moderator = accounts.create_user(
        email="moderator@bench.example", password=None, display_name="ผู้ดูแล", verified=True
    )
    accounts.set_platform_roles(moderator, moderator=True, admin=False)
    db.session.commit()

    # Signers: the rush, the mix, the sustained signing and one for the smoke test, all distinct.
    sign_pool = max(2_000 * args.duration, 5_000)
    mix_pool = max(300 * args.duration, 1_000)
    # Each signing scenario's warm-up signs with its own signers, so the measured run refuses none.
    warmup_pool = 2_000 * getattr(args, "warmup", 0)
    signers = _users(RUSH_SIGNERS + mix_pool + sign_pool + 2 * warmup_pool + 1, "signer", now)
    db.session.commit()

    hearing = hearing_services.create_hearing(
        organisation=organisation,
        actor=staff,
        title_th="ร่างพระราชบัญญัติส่งเสริมการใช้จักรยาน พ.ศ. .... (ทดสอบภาระ)",
        summary_th="ร่างกฎหมายนี้ส่งเสริมการใช้จักรยานในเมือง",
        kind=HearingKind.draft_law,
        law_type=LawType.act,
        contact="กองส่งเสริม โทร. ๐ ๒๐๐๐ ๐๐๐๐",
        opens_at=now,
        closes_at=now + timedelta(days=30),
    )
    hearing_services.replace_sections(hearing.versions[0], _draft_text())
    hearing_services.schedule(hearing, staff, now)
    hearing_services.advance(now)
    db.session.commit()
    section_ids = [s.id for s in hearing.versions[0].sections if s.kind.value == "section"]
    _comments(hearing, section_ids, [uid for uid, _ in signers[:2_000]], args.comments, now)
    db.session.commit()

    def make_type(slug: str, threshold: int):
        return initiative_services.save_type(
            None,
            slug=slug,
            name_th=f"ข้อเสนอทดสอบภาระ {slug}",
            name_en=None,
            organisation=organisation,
            threshold=threshold,
            max_days=365,
            min_identity_level=SignerLevel.email,
            requires_personal_details=False,
            response_days=90,
        )

    big_type = make_type("bench-big", min(10_000_000, max(2 * args.signatures, 1_000)))
    rush_type = make_type("bench-rush", RUSH_INITIAL + RUSH_MARGIN)
    db.session.commit()
    big = _initiative(staff, moderator, big_type, "ทางจักรยานทุกเมือง", now, args.signatures)
    rush = _initiative(staff, moderator, rush_type, "ทางจักรยานรอบสวนสาธารณะ", now, RUSH_INITIAL)
    budget_slug = _budget(organisation, staff, moderator, now)
    db.session.commit()

    # Session cookies and CSRF tokens, made the way Flask, Flask-Login and Flask-WTF make them.
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        session_serializer = app.session_interface.get_signing_serializer(app)
        csrf_serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        # wrk and the rush client send no User-Agent; Flask-Login's "basic" protection checks this.
        identifier = _create_identifier()

    def credentials(user_id: int, nonce: str) -> tuple[str, str]:
        raw = secrets.token_hex(20)
        cookie = session_serializer.dumps(
            {"_user_id": f"{user_id}:{nonce}", "_fresh": True, "_id": identifier, "csrf_token": raw}
        )
        return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", csrf_serializer.dumps(raw)

    prepared_signers = [credentials(uid, nonce) for uid, nonce in signers]
    cursor_url = _next_page_url(app, hearing.id)
    return {
        "organisation_id": organisation.id,
        "hearing_id": hearing.id,
        "hearing_url": f"/hearings/{hearing.id}",
        "stream_url": cursor_url,
        "initiative_id": big.id,
        "initiative_url": f"/initiatives/{big.id}",
        "rush_id": rush.id,
        "rush_initial": RUSH_INITIAL,
        "rush_threshold": RUSH_INITIAL + RUSH_MARGIN,
        "budget_url": f"/budgets/{budget_slug}",
        "signers": {
            "rush": prepared_signers[:RUSH_SIGNERS],
            "mix": prepared_signers[RUSH_SIGNERS : RUSH_SIGNERS + mix_pool],
            "sign": prepared_signers[RUSH_SIGNERS + mix_pool : RUSH_SIGNERS + mix_pool + sign_pool],
            "sign_warmup": prepared_signers[-1 - 2 * warmup_pool : -1 - warmup_pool],
            "mix_warmup": prepared_signers[-1 - warmup_pool : -1],
            "smoke": prepared_signers[-1],
        },
    }


def _next_page_url(app, hearing_id: int) -> str:
    """The comment stream's page 2, by the cursor link of page 1 (as a reader would follow it)."""
    with app.test_client() as client:
        html = client.get(f"/hearings/{hearing_id}").get_data(as_text=True)
    match = re.search(r'rel="next" href="([^"]+)"', html)
    if not match:
        raise RuntimeError("the hearing page has no next-page link")
    return match.group(1).replace("&amp;", "&")


def sign_body(form_token: str) -> str:
    """The signing form as a browser posts it: consent given, bot traps empty."""
    from urllib.parse import urlencode

    return urlencode({"csrf_token": form_token, "consent": "y", "website": "", "form_started": ""})


def write_requests(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join("\t".join(line) + "\n" for line in lines), encoding="utf-8")
    return path
