"""Realistic Thai demo data, loaded only by ``participation demo``."""

from __future__ import annotations

import importlib

from sqlalchemy import select

from participation import db
from participation.accounts import services as accounts
from participation.accounts.models import MembershipRole, Organisation, OrganisationKind

DEMO_PASSWORD = "demo-password-2569"  # noqa: S105 - published demo accounts only

ORGANISATIONS = [
    ("ocs", "สำนักงานคณะกรรมการกฤษฎีกา", "Office of the Council of State", OrganisationKind.department),
    ("moi", "กระทรวงมหาดไทย", "Ministry of Interior", OrganisationKind.ministry),
    ("pcd", "กรมควบคุมมลพิษ", "Pollution Control Department", OrganisationKind.department),
    (
        "parliament",
        "สำนักงานเลขาธิการสภาผู้แทนราษฎร",
        "Secretariat of the House of Representatives",
        OrganisationKind.parliament,
    ),
    (
        "bangkok-bang-rak",
        "สำนักงานเขตบางรัก กรุงเทพมหานคร",
        "Bang Rak District Office, Bangkok",
        OrganisationKind.local_government,
    ),
    (
        "chiang-mai-city",
        "เทศบาลนครเชียงใหม่",
        "Chiang Mai City Municipality",
        OrganisationKind.local_government,
    ),
]

#: (email, display name, platform role, staff of, staff role, locale)
PEOPLE = [
    ("admin@demo.participation.example", "ผู้ดูแลระบบ", "admin", None, None, "th"),
    ("moderator@demo.participation.example", "ผู้ดูแลเนื้อหา สมศรี", "moderator", None, None, "th"),
    ("staff.pcd@demo.participation.example", "เจ้าหน้าที่ กรมควบคุมมลพิษ", None, "pcd", MembershipRole.admin, "th"),
    (
        "staff.moi@demo.participation.example",
        "เจ้าหน้าที่ กระทรวงมหาดไทย",
        None,
        "moi",
        MembershipRole.editor,
        "th",
    ),
    (
        "staff.parliament@demo.participation.example",
        "เจ้าหน้าที่ สำนักงานเลขาธิการสภา",
        None,
        "parliament",
        MembershipRole.editor,
        "th",
    ),
    (
        "staff.bangrak@demo.participation.example",
        "เจ้าหน้าที่ เขตบางรัก",
        None,
        "bangkok-bang-rak",
        MembershipRole.admin,
        "th",
    ),
    ("somchai@demo.participation.example", "สมชาย ใจดี", None, None, None, "th"),
    ("malee@demo.participation.example", "มาลี ศรีสุข", None, None, None, "th"),
    ("niran@demo.participation.example", "นิรันดร์ ทองคำ", None, None, None, "th"),
    ("anong@demo.participation.example", "อนงค์ รักษ์ป่า", None, None, None, "th"),
    ("john@demo.participation.example", "John Smith", None, None, None, "en"),
]

#: Valid demo national IDs (check digits correct) for citizens who declared one.
DEMO_NATIONAL_IDS = {
    "somchai@demo.participation.example": "1101700203450",
    "malee@demo.participation.example": "3100600123450",
}


#: Each domain's demo loader ``load(context)``, run in this order. One line per domain.
DEMO_MODULES: tuple[str, ...] = (
    "participation.notifications.demo",  # keep first: follows exist before other demos publish events
    "participation.hearings.demo",
    "participation.initiatives.demo",
    "participation.budgeting.demo",  # Bang Rak and Chiang Mai budgets in every phase
    "participation.transparency.demo",  # keep last: indexes and verifies what the others made
)


def load_demo(force: bool = False) -> list[tuple[str, str]]:
    """Load the demo once; returns the accounts created (empty if already there)."""
    if not force and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        return []
    organisations = {}
    for slug, name_th, name_en, kind in ORGANISATIONS:
        organisations[slug] = accounts.create_organisation(
            slug=slug, name_th=name_th, name_en=name_en, kind=kind
        )
    created = []
    for email, name, platform_role, org_slug, staff_role, locale in PEOPLE:
        user = accounts.create_user(
            email=email, password=DEMO_PASSWORD, display_name=name, locale=locale, verified=True
        )
        if platform_role:
            accounts.set_platform_roles(user, moderator=True, admin=platform_role == "admin")
        if org_slug:
            accounts.set_membership(user, organisations[org_slug], staff_role)
        if email in DEMO_NATIONAL_IDS:
            accounts.declare_national_id(user, DEMO_NATIONAL_IDS[email])
        role = platform_role or (f"{staff_role.value} of {org_slug}" if org_slug else "citizen")
        created.append((email, role))
    db.session.flush()
    context = {
        "organisations": organisations,
        "users": {email: accounts.find_user_by_email(email) for email, *_ in PEOPLE},
    }
    for name in DEMO_MODULES:
        importlib.import_module(name).load(context)
        db.session.flush()
    return created
