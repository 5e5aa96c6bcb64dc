"""Who may do what with accounts and organisations.

Plain predicates returning bool, used by views and templates alike.
"""

from __future__ import annotations

from participation.accounts.models import MembershipRole, Organisation, User


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_site_admin(user: User | None) -> bool:
    return _signed_in(user) and user.is_admin


def is_moderator(user: User | None) -> bool:
    return _signed_in(user) and (user.is_moderator or user.is_admin)


def is_staff_of(user: User | None, organisation: Organisation | int | None) -> bool:
    """Editor or admin of the organisation."""
    if not _signed_in(user) or organisation is None:
        return False
    org_id = organisation if isinstance(organisation, int) else organisation.id
    return user.role_in(org_id) is not None


def is_org_admin(user: User | None, organisation: Organisation) -> bool:
    return _signed_in(user) and user.role_in(organisation.id) == MembershipRole.admin


def can_manage_organisations(user: User | None) -> bool:
    return is_site_admin(user)


def can_manage_members(user: User | None, organisation: Organisation) -> bool:
    return is_site_admin(user) or is_org_admin(user, organisation)


def is_staff(user: User | None) -> bool:
    return _signed_in(user) and bool(user.memberships)


TEMPLATE_PREDICATES = {
    "is_site_admin": is_site_admin,
    "is_moderator": is_moderator,
    "is_staff_of": is_staff_of,
    "is_staff": is_staff,
    "can_manage_organisations": can_manage_organisations,
    "can_manage_members": can_manage_members,
}
