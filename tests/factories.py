"""Build test objects through the services, never raw SQL."""

from __future__ import annotations

import itertools

from participation.accounts import services as accounts
from participation.accounts.models import MembershipRole, Organisation, OrganisationKind, User

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


class Factory:
    def __init__(self, session):
        self.session = session

    def user(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        verified: bool = True,
        national_id: str | None = None,
        moderator: bool = False,
        admin: bool = False,
        locale: str = "th",
        password: str = PASSWORD,
    ) -> User:
        n = next(_counter)
        user = accounts.create_user(
            email=email or f"person{n}@example.org",
            password=password,
            display_name=name or f"ผู้ใช้ {n}",
            locale=locale,
            verified=verified,
        )
        if national_id:
            accounts.declare_national_id(user, national_id)
        if moderator or admin:
            accounts.set_platform_roles(user, moderator=moderator or admin, admin=admin)
        self.session.commit()
        return user

    def organisation(
        self,
        *,
        slug: str | None = None,
        name_th: str | None = None,
        kind: OrganisationKind = OrganisationKind.department,
    ) -> Organisation:
        n = next(_counter)
        org = accounts.create_organisation(
            slug=slug or f"org-{n}",
            name_th=name_th or f"หน่วยงานทดสอบ {n}",
            name_en=f"Test agency {n}",
            kind=kind,
        )
        self.session.commit()
        return org

    def staff(
        self, organisation: Organisation, role: MembershipRole = MembershipRole.editor, **kwargs
    ) -> User:
        user = self.user(**kwargs)
        accounts.set_membership(user, organisation, role)
        self.session.commit()
        return user


def valid_national_id(prefix: str) -> str:
    """A 13-digit number with a correct check digit, from a 12-digit prefix."""
    assert len(prefix) == 12 and prefix.isdigit()
    total = sum(int(prefix[i]) * (13 - i) for i in range(12))
    return prefix + str((11 - total % 11) % 10)
