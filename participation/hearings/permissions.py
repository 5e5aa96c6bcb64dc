"""Who may do what with hearings. Plain predicates, shared by views and templates.

Rules: the lead organisation's staff (editors and admins) manage its hearings;
co-hosting organisations' staff may read drafts; nobody else (not even a site
administrator, since the agency answers for its own hearing) edits them. The
public reads everything from the moment a hearing is scheduled.
"""

from __future__ import annotations

from datetime import datetime

from participation.accounts.permissions import is_staff_of
from participation.db import utcnow
from participation.hearings.models import Hearing, HearingStatus
from participation.identity import IdentityLevel


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_create_hearing(user, organisation=None) -> bool:
    """Staff of ``organisation`` (or of any organisation, when none is given)."""
    if organisation is None:
        return _signed_in(user) and bool(user.memberships)
    return is_staff_of(user, organisation)


def is_hearing_staff(user, hearing: Hearing) -> bool:
    return is_staff_of(user, hearing.organisation_id)


def is_co_host_staff(user, hearing: Hearing) -> bool:
    return _signed_in(user) and bool(user.organisation_ids & hearing.co_host_ids)


def can_view_hearing(user, hearing: Hearing) -> bool:
    if hearing.status != HearingStatus.draft:
        return True
    return is_hearing_staff(user, hearing) or is_co_host_staff(user, hearing)


def can_edit_hearing(user, hearing: Hearing) -> bool:
    """Change the hearing's details, text, questions and attachments (only while a draft)."""
    return is_hearing_staff(user, hearing) and hearing.status == HearingStatus.draft


def can_manage_hearing(user, hearing: Hearing) -> bool:
    """Schedule, extend, publish versions, answer comments, publish the report."""
    return is_hearing_staff(user, hearing)


def can_participate(user, hearing: Hearing, now: datetime | None = None) -> bool:
    """Comment and answer the questionnaire: open now, and identity strong enough."""
    now = now or utcnow()
    return (
        _signed_in(user)
        and hearing.status_at(now) == HearingStatus.open
        and user.identity_level >= IdentityLevel(hearing.required_level)
    )


def participation_refusal(user, hearing: Hearing, now: datetime | None = None) -> str | None:
    """Why ``user`` may not take part now (a code for a message), or None if they may."""
    now = now or utcnow()
    if hearing.status_at(now) != HearingStatus.open:
        return "not_open"
    if not _signed_in(user):
        return "sign_in"
    if user.identity_level < IdentityLevel(hearing.required_level):
        return "identity"
    return None


def can_dispose(user, hearing: Hearing, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return is_hearing_staff(user, hearing) and hearing.status_at(now) == HearingStatus.closed


TEMPLATE_PREDICATES = {
    "can_create_hearing": can_create_hearing,
    "can_view_hearing": can_view_hearing,
    "can_edit_hearing": can_edit_hearing,
    "can_manage_hearing": can_manage_hearing,
    "can_participate": can_participate,
    "can_dispose": can_dispose,
}
