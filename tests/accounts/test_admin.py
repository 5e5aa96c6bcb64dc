"""Organisations, memberships and roles: admin pages, permissions and the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from participation.accounts.models import MembershipRole, Organisation, User


@pytest.fixture
def admin(factory):
    return factory.user(admin=True)


def test_admin_creates_organisation_and_adds_member(client, login, admin, factory, db):
    login(admin)
    staff = factory.user(email="officer@example.go.th")
    response = client.post(
        "/admin/organisations",
        data={
            "slug": "dopa",
            "name_th": "กรมการปกครอง",
            "name_en": "Department of Provincial Administration",
            "kind": "department",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/admin/organisations/dopa/members", data={"email": "officer@example.go.th", "role": "editor"}
    )
    assert response.status_code == 302
    org = db.scalar(select(Organisation).where(Organisation.slug == "dopa"))
    db.expire_all()
    assert db.get(User, staff.id).role_in(org.id) == MembershipRole.editor
    page = client.get("/admin/organisations/dopa").get_data(as_text=True)
    assert "กรมการปกครอง" in page


def test_duplicate_slug_refused(client, login, admin, factory):
    factory.organisation(slug="dopa")
    login(admin)
    response = client.post("/admin/organisations", data={"slug": "dopa", "name_th": "ซ้ำ", "kind": "other"})
    assert response.status_code == 422
    assert "ชื่อย่อนี้ถูกใช้" in response.get_data(as_text=True)


@pytest.mark.parametrize("slug", ["a", "with space", "-start", "ไทย", "x" * 70])
def test_bad_slugs(client, login, admin, slug):
    login(admin)
    response = client.post("/admin/organisations", data={"slug": slug, "name_th": "ชื่อ", "kind": "other"})
    assert response.status_code == 422


def test_org_admin_manages_own_staff_only(client, login, factory):
    mine = factory.organisation()
    other = factory.organisation()
    org_admin = factory.staff(mine, MembershipRole.admin)
    newcomer = factory.user()
    login(org_admin)
    assert client.get(f"/admin/organisations/{mine.slug}").status_code == 200
    assert (
        client.post(
            f"/admin/organisations/{mine.slug}/members", data={"email": newcomer.email, "role": "editor"}
        ).status_code
        == 302
    )
    assert client.get(f"/admin/organisations/{other.slug}").status_code == 403
    assert (
        client.post(
            f"/admin/organisations/{other.slug}/members", data={"email": newcomer.email, "role": "editor"}
        ).status_code
        == 403
    )
    assert client.get("/admin/").status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "citizen", "editor", "moderator"])
def test_admin_pages_refused(client, login, factory, who):
    org = factory.organisation()
    if who == "citizen":
        login(factory.user())
    elif who == "editor":
        login(factory.staff(org, MembershipRole.editor))
    elif who == "moderator":
        login(factory.user(moderator=True))
    index = client.get("/admin/")
    create = client.post("/admin/organisations", data={"slug": "x-org", "name_th": "x", "kind": "other"})
    roles = client.post("/admin/roles", data={"email": "a@b.org", "admin": "y"})
    if who == "anonymous":
        assert index.status_code == create.status_code == roles.status_code == 302
    else:
        assert index.status_code == create.status_code == roles.status_code == 403


def test_admin_link_only_for_admins(client, login, factory, admin):
    login(factory.user())
    assert "/admin/" not in client.get("/").get_data(as_text=True)
    client.post("/signout")
    login(admin)
    assert "/admin/" in client.get("/").get_data(as_text=True)


def test_set_platform_roles(client, login, admin, factory, db):
    target = factory.user()
    login(admin)
    client.post("/admin/roles", data={"email": target.email, "moderator": "y"})
    db.expire_all()
    assert db.get(User, target.id).is_moderator
    assert not db.get(User, target.id).is_admin


def test_cli_create_admin_orgs_and_members(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.go.th",
            "--name",
            "ผู้ดูแล",
            "--password",
            "a strong password 1",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["orgs", "create", "moph", "--name-th", "กระทรวงสาธารณสุข", "--kind", "ministry"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["orgs", "add-member", "moph", "root@example.go.th", "--role", "admin"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "root@example.go.th"))
    org = db.scalar(select(Organisation).where(Organisation.slug == "moph"))
    assert user.is_admin and user.email_verified_at is not None
    assert user.role_in(org.id) == MembershipRole.admin
    result = runner.invoke(args=["orgs", "create", "moph", "--name-th", "ซ้ำ"])
    assert result.exit_code != 0


def test_demo_loads_once(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.participation.example" in result.output
    assert db.scalar(select(Organisation).where(Organisation.slug == "pcd")).name_th == "กรมควบคุมมลพิษ"
    result = runner.invoke(args=["demo"])
    assert "nothing changed" in result.output


def test_every_demo_account_signs_in_through_the_form(client, db):
    """The README's demo accounts work: their addresses pass the sign-in form's email check."""
    from participation.demo import DEMO_PASSWORD, load_demo

    load_demo()
    db.commit()
    emails = [e for e in db.scalars(select(User.email)) if e.endswith("@demo.participation.example")]
    assert len(emails) >= 10
    for email in emails:
        response = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (email, response.get_data(as_text=True)[:300])
        client.post("/signout")
