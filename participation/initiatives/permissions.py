"""Who may do what with initiatives. Plain predicates, shared by views and templates."""

from __future__ import annotations

from participation.accounts.permissions import is_moderator, is_site_admin, is_staff_of
from participation.initiatives.models import Initiative, InitiativeState


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_author(user, initiative: Initiative) -> bool:
    return _signed_in(user) and user.id in initiative.author_ids()


def can_view(user, initiative: Initiative) -> bool:
    """Drafts and drafts in review are seen by their authors and moderators; the rest is public."""
    if initiative.state in (InitiativeState.draft, InitiativeState.in_review):
        return is_author(user, initiative) or is_moderator(user)
    if initiative.state == InitiativeState.withdrawn and initiative.published_at is None:
        return is_author(user, initiative) or is_moderator(user)
    return True


def can_create(user) -> bool:
    return _signed_in(user) and user.email_verified_at is not None


def can_edit(user, initiative: Initiative) -> bool:
    return is_author(user, initiative) and initiative.state == InitiativeState.draft


def can_submit(user, initiative: Initiative) -> bool:
    return can_edit(user, initiative)


def can_review(user, initiative: Initiative) -> bool:
    return is_moderator(user) and initiative.state == InitiativeState.in_review


def can_withdraw(user, initiative: Initiative, state: InitiativeState) -> bool:
    return is_author(user, initiative) and state in (
        InitiativeState.draft,
        InitiativeState.in_review,
        InitiativeState.collecting,
    )


def can_hand_over(user, initiative: Initiative, state: InitiativeState, total: int) -> bool:
    return (
        is_author(user, initiative) and state == InitiativeState.collecting and total >= initiative.threshold
    )


def is_receiver(user, initiative: Initiative) -> bool:
    """Staff of the receiving organisation."""
    return is_staff_of(user, initiative.organisation_id)


def can_record_paper(user, initiative: Initiative, state: InitiativeState) -> bool:
    return is_receiver(user, initiative) and state in (
        InitiativeState.collecting,
        InitiativeState.handed_over,
    )


def can_export(user, initiative: Initiative) -> bool:
    return is_receiver(user, initiative) and initiative.state in (
        InitiativeState.handed_over,
        InitiativeState.responded,
        InitiativeState.closed,
    )


def can_respond(user, initiative: Initiative) -> bool:
    return is_receiver(user, initiative) and initiative.state == InitiativeState.handed_over


def can_add_timeline(user, initiative: Initiative) -> bool:
    return can_export(user, initiative)


def can_close(user, initiative: Initiative) -> bool:
    return is_receiver(user, initiative) and initiative.state == InitiativeState.responded


def can_manage_types(user) -> bool:
    return is_site_admin(user)


TEMPLATE_PREDICATES = {
    "initiative_is_author": is_author,
    "initiative_can_edit": can_edit,
    "initiative_can_submit": can_submit,
    "initiative_can_review": can_review,
    "initiative_can_withdraw": can_withdraw,
    "initiative_can_hand_over": can_hand_over,
    "initiative_can_record_paper": can_record_paper,
    "initiative_can_export": can_export,
    "initiative_can_respond": can_respond,
    "initiative_can_add_timeline": can_add_timeline,
    "initiative_can_close": can_close,
    "initiative_can_create": can_create,
    "initiative_can_manage_types": can_manage_types,
}
