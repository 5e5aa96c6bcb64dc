"""Who may do what in participatory budgeting: plain predicates, shared with templates."""

from __future__ import annotations

from participation import db
from participation.accounts.permissions import is_site_admin, is_staff, is_staff_of
from participation.budgeting.models import BudgetProcess, BudgetProposal, Phase
from participation.identity import IdentityLevel


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_create_process(user) -> bool:
    """Staff of any organisation (for their own organisations) and site administrators."""
    return is_site_admin(user) or is_staff(user)


def can_manage_process(user, process: BudgetProcess) -> bool:
    """The organisation's own staff, or a site administrator."""
    return is_site_admin(user) or is_staff_of(user, process.organisation_id)


def can_edit_process(user, process: BudgetProcess) -> bool:
    """Change the process after creation: its organisation's staff, or a site administrator.

    In every phase: what may still change in each phase is the service's rule
    (``services.update_process``), not a reason to hide the page.
    """
    return can_manage_process(user, process)


def can_propose(user, process: BudgetProcess, now=None) -> bool:
    now = now or db.utcnow()
    return (
        _signed_in(user)
        and process.phase_at(now) == Phase.proposals
        and user.has_identity_level(IdentityLevel(process.propose_level))
    )


def can_review(user, proposal: BudgetProposal, now=None) -> bool:
    now = now or db.utcnow()
    return can_manage_process(user, proposal.process) and proposal.process.phase_at(now) in (
        Phase.proposals,
        Phase.review,
    )


def can_vote(user, process: BudgetProcess, now=None) -> bool:
    from participation.budgeting.services import can_vote_now

    return can_vote_now(process, user, now or db.utcnow()) is None


def can_publish_results(user, process: BudgetProcess, now=None) -> bool:
    now = now or db.utcnow()
    return can_manage_process(user, process) and process.phase_at(now).order >= Phase.results.order


def can_post_update(user, proposal: BudgetProposal, now=None) -> bool:
    return proposal.selected and can_publish_results(user, proposal.process, now)


TEMPLATE_PREDICATES = {
    "can_create_process": can_create_process,
    "can_manage_process": can_manage_process,
    "can_edit_process": can_edit_process,
    "can_propose": can_propose,
    "can_review": can_review,
    "can_vote": can_vote,
    "can_publish_results": can_publish_results,
    "can_post_update": can_post_update,
}
