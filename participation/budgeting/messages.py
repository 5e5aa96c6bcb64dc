"""The translated message for each BudgetError code (one place, used by views and forms)."""

from __future__ import annotations

from flask_babel import format_decimal

from participation.i18n import _


def error_message(code: str, **details) -> str:
    budget = details.get("budget")
    messages = {
        "budget_not_positive": _("The budget must be more than zero."),
        "phases_out_of_order": _(
            "The phases must follow each other: proposals, review, voting (which must last some time), then implementation."
        ),
        "slug_taken": _("Another budget process already uses this short name. Please choose another."),
        "points_needed": _("A cumulative ballot needs the number of points each voter spreads."),
        "mes_needs_approval": _(
            "The Method of Equal Shares needs approval or knapsack ballots; choose greedy for cumulative ballots."
        ),
        "district_budgets_sum": _("The district budgets must add up to the total budget."),
        "district_twice": _("Each district must have a different name."),
        "district_line": _("Write each district on its own line as: Thai name | English name | budget."),
        "unknown_district": _("Please choose one of the districts of this process."),
        "district_needed": _("Please choose your district."),
        "unknown_category": _("Please choose one of the categories of this process."),
        "not_proposals_phase": _("Proposals can only be submitted while the proposals phase is open."),
        "identity_level_propose": _(
            "Your account does not have the identity level this process requires to propose."
        ),
        "cost_not_positive": _("The cost must be a whole number of baht greater than zero."),
        "cost_over_budget": _(
            "The cost cannot be more than the budget (%(budget)s).", budget=format_decimal(budget or 0)
        ),
        "title_needed": _("Please give the proposal a title."),
        "review_closed": _("Proposals can only be reviewed before voting opens."),
        "reason_needed": _("Please give the public reason why the proposal is not feasible."),
        "sign_in_to_vote": _("Please sign in to vote."),
        "not_voting_phase": _("Voting is not open in this process now."),
        "identity_level_vote": _(
            "Voting needs a verified identity. Please declare your national ID in your account settings."
        ),
        "unknown_project": _("The ballot names a project that is not on the ballot of your district."),
        "points_not_positive": _("Points must be whole numbers greater than zero."),
        "empty_ballot": _("Please choose at least one project."),
        "too_many_projects": _("You chose more projects than this ballot allows."),
        "over_budget": _("The projects you chose cost more than the budget. Please remove some."),
        "too_many_points": _("You gave more points than you have. Please lower some."),
        "voting_not_closed": _("Results can only be computed once voting has closed."),
        "not_selected": _("Only projects selected by the vote have implementation updates."),
        "update_text_needed": _("Please write what changed."),
        "date_in_past": _(
            "This date has not come yet and people rely on it: it can be moved, but not to a time "
            "that has already passed."
        ),
        "phase_started": _(
            "This phase has already started, so its start cannot be moved to a time that has not come yet."
        ),
        "settings_locked": _(
            "Voting has opened: the budget, currency, ballot, counting rule, districts and who may propose "
            "or vote can no longer be changed, because that would change the meaning of ballots already cast."
        ),
        "districts_have_proposals": _(
            "Districts cannot be added, removed or renamed once proposals have been submitted. Their "
            "budgets and English names can still be changed until voting opens."
        ),
        "category_in_use": _(
            "The category %(name)s is used by proposals and cannot be removed.", name=details.get("name", "")
        ),
        "budget_below_proposal": _(
            "A proposal already submitted costs %(cost)s, more than this budget.",
            cost=format_decimal(details.get("cost") or 0),
        ),
        "unsupported_rule": _("This file uses a counting rule the platform does not support."),
        "unsupported_vote_type": _("This file uses a ballot type the platform does not support."),
    }
    return messages.get(code, _("The request could not be completed."))
