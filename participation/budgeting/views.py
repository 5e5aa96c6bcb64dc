"""Participatory budgeting pages: processes, proposals, review, ballots, results."""

from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from participation import db, subjects
from participation.accounts.models import Organisation
from participation.accounts.permissions import is_site_admin
from participation.budgeting import permissions, queries, services
from participation.budgeting.forms import (
    BallotForm,
    ProcessEditForm,
    ProcessForm,
    ProposalForm,
    ReviewForm,
    UpdateForm,
    setting_labels,
)
from participation.budgeting.messages import error_message
from participation.budgeting.models import (
    BallotType,
    BudgetProcess,
    BudgetProposal,
    ImplementationStatus,
    Phase,
    ProposalStatus,
    Rule,
)
from participation.comments import queries as comment_queries
from participation.comments import registry as comment_registry
from participation.extensions import limiter
from participation.i18n import _, _l, format_number, localized
from participation.web.forms import options
from participation.web.page_cache import for_anonymous_readers
from participation.web.query import whole_number

bp = Blueprint("budgeting", __name__, url_prefix="/budgets")


subjects.register(
    subjects.SubjectType(
        name="budget_process",
        label=_l("Budget process"),
        load=lambda id: db.session.get(BudgetProcess, id),
        title=lambda p: localized(p, "title"),
        url=lambda p: url_for("budgeting.show", slug=p.slug),
        organisation_id=lambda p: p.organisation_id,
    )
)
subjects.register(
    subjects.SubjectType(
        name="budget_proposal",
        label=_l("Budget proposal"),
        load=lambda id: db.session.get(BudgetProposal, id),
        title=lambda p: p.title,
        url=lambda p: url_for("budgeting.proposal", slug=p.process.slug, proposal_id=p.id),
        organisation_id=lambda p: p.process.organisation_id,
        author_id=lambda p: p.author_id,
    )
)


comment_registry.register_policy(
    comment_registry.CommentPolicy(
        subject_type="budget_proposal",
        # Residents discuss a proposal from submission through implementation.
        is_open=lambda p: p.process.phase_at(db.utcnow()) != Phase.upcoming,
    )
)


@bp.app_context_processor
def _predicates():
    return {
        **permissions.TEMPLATE_PREDICATES,
        "budget_phase_label": queries.phase_label,
        "budget_money": money,
        "implementation_label": implementation_label,
        "budget_setting_labels": setting_labels,
    }


def money(amount, currency: str = "THB") -> str:
    if amount is None:
        return ""
    return f"฿{format_number(amount)}" if currency == "THB" else f"{format_number(amount)} {currency}"


def proposal_status_label(status) -> str:
    """A proposal's review status in the reader's language (as on the proposal's page)."""
    value = getattr(status, "value", status)
    return {
        ProposalStatus.submitted.value: _("Waiting for review"),
        ProposalStatus.feasible.value: _("Feasible"),
        ProposalStatus.not_feasible.value: _("Not feasible"),
    }.get(value, value)


def implementation_label(status) -> str:
    return {
        ImplementationStatus.planned: _("Planned"),
        ImplementationStatus.in_progress: _("In progress"),
        ImplementationStatus.completed: _("Completed"),
        ImplementationStatus.cancelled: _("Cancelled"),
    }.get(status, "")


def _process(slug: str) -> BudgetProcess:
    process = db.session.scalar(select(BudgetProcess).where(BudgetProcess.slug == slug))
    if process is None:
        abort(404)
    return process


def _proposal(process: BudgetProcess, proposal_id: int) -> BudgetProposal:
    proposal = db.session.get(BudgetProposal, proposal_id)
    if proposal is None or proposal.process_id != process.id:
        abort(404)
    return proposal


# --- processes -----------------------------------------------------------------------


@bp.get("/")
@for_anonymous_readers
def index():
    return render_template("budgeting/index.html", processes=queries.processes(), now=db.utcnow())


def _organisation_choices():
    if is_site_admin(current_user):
        organisations = db.session.scalars(select(Organisation).order_by(Organisation.slug)).all()
    else:
        organisations = [m.organisation for m in current_user.memberships]
    return options([(o.id, localized(o, "name")) for o in organisations])


#: The form field each process refusal belongs to (the rest concern the whole form).
_PROCESS_ERROR_FIELDS = {
    "budget_not_positive": "total_budget",
    "slug_taken": "slug",
    "points_needed": "max_points",
    "mes_needs_approval": "rule",
    "district_budgets_sum": "districts",
    "district_twice": "districts",
    "districts_have_proposals": "districts",
    "category_in_use": "categories",
}


def _process_error(form: ProcessForm, exc: services.BudgetError) -> None:
    """Show a refusal of the process services next to the fields it is about."""
    message = error_message(exc.code, **exc.details)
    names = exc.details.get("fields") or [exc.details.get("field") or _PROCESS_ERROR_FIELDS.get(exc.code)]
    fields = [form[name] for name in names if name and name in form]
    for field in fields:
        field.errors.append(message)
    if not fields:
        form.form_errors.append(message)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_create_process(current_user):
        abort(403)
    form = ProcessForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        try:
            process = services.create_process(
                organisation=organisation, slug=form.slug.data, **form.settings(), actor=current_user
            )
        except services.BudgetError as exc:
            db.session.rollback()
            _process_error(form, exc)
        else:
            db.session.commit()
            flash(_("The budget process was created."), "success")
            return redirect(url_for("budgeting.show", slug=process.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("budgeting/new.html", form=form), status


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    process = _process(slug)
    if not permissions.can_edit_process(current_user, process):
        abort(403)
    now = db.utcnow()
    # A POST carries the whole form; a GET shows the process as stored.
    form = (
        ProcessEditForm()
        if request.method == "POST"
        else ProcessEditForm(data=ProcessEditForm.data_of(process))
    )
    if form.validate_on_submit():
        try:
            changes = services.update_process(
                process, **form.settings(current=process), actor=current_user, now=now
            )
        except services.BudgetError as exc:
            db.session.rollback()
            _process_error(form, exc)
        else:
            db.session.commit()
            if changes:
                flash(_("The changes were saved and recorded in the public ledger."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("budgeting.show", slug=process.slug))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "budgeting/edit.html", process=process, form=form, phase=process.phase_at(now), Phase=Phase
    ), status


@bp.get("/<slug>")
@for_anonymous_readers
def show(slug: str):
    process = _process(slug)
    now = db.utcnow()
    proposals = queries.proposals_of(process)
    return render_template(
        "budgeting/show.html",
        process=process,
        edits=queries.edits_of(process),
        phase=process.phase_at(now),
        proposals=proposals,
        ballots=queries.ballots_by_district(process),
        counts=queries.proposal_counts(process),
        now=now,
        Phase=Phase,
    )


# --- proposals -----------------------------------------------------------------------


def _choices_for(form: ProposalForm, process: BudgetProcess) -> None:
    form.district_id.choices = options([(0, _("Choose a district"))]) + options(
        [(d.id, localized(d, "name")) for d in process.districts]
    )
    form.category_id.choices = options([(0, _("No category"))]) + options(
        [(c.id, localized(c, "name")) for c in process.categories]
    )


@bp.route("/<slug>/propose", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def propose(slug: str):
    process = _process(slug)
    now = db.utcnow()
    form = ProposalForm()
    _choices_for(form, process)
    if not permissions.can_propose(current_user, process, now):
        code = "not_proposals_phase" if process.phase_at(now) != Phase.proposals else "identity_level_propose"
        return render_template("budgeting/closed.html", process=process, message=error_message(code)), 403
    if form.validate_on_submit():
        try:
            proposal = services.submit_proposal(
                process,
                current_user,
                title=form.title.data,
                description=form.description.data,
                location=form.location.data,
                estimated_cost=form.estimated_cost.data,
                district_id=form.district_id.data or None,
                category_id=form.category_id.data or None,
                now=now,
            )
        except services.BudgetError as exc:
            db.session.rollback()
            field = {
                "cost_not_positive": form.estimated_cost,
                "cost_over_budget": form.estimated_cost,
                "district_needed": form.district_id,
                "unknown_district": form.district_id,
                "unknown_category": form.category_id,
            }.get(exc.code)
            message = error_message(exc.code, **exc.details)
            (field.errors if field is not None else form.form_errors).append(message)
        else:
            db.session.commit()
            flash(_("Thank you. Your proposal was submitted; the office will review it."), "success")
            return redirect(url_for("budgeting.proposal", slug=process.slug, proposal_id=proposal.id))
    status = 422 if form.is_submitted() else 200
    return render_template("budgeting/propose.html", process=process, form=form), status


@bp.get("/<slug>/proposals/<int:proposal_id>")
def proposal(slug: str, proposal_id: int):
    process = _process(slug)
    item = _proposal(process, proposal_id)
    review_form = ReviewForm(
        data={"official_cost": item.official_cost or item.estimated_cost, "reason": item.review_reason}
    )
    return _render_proposal(process, item, review_form=review_form, update_form=UpdateForm())


def _render_proposal(process, item, *, review_form, update_form, status=200):
    return (
        render_template(
            "budgeting/proposal.html",
            process=process,
            proposal=item,
            review_form=review_form,
            update_form=update_form,
            phase=process.phase_at(db.utcnow()),
            comments_page=comment_queries.stream_for_request("budget_proposal", item.id),
        ),
        status,
    )


@bp.post("/<slug>/proposals/<int:proposal_id>/review")
@login_required
def review(slug: str, proposal_id: int):
    process = _process(slug)
    item = _proposal(process, proposal_id)
    if not permissions.can_manage_process(current_user, process):
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review_proposal(
                item,
                current_user,
                feasible=form.decision.data == "feasible",
                official_cost=form.official_cost.data,
                reason=form.reason.data,
            )
        except services.BudgetError as exc:
            db.session.rollback()
            form.form_errors.append(error_message(exc.code, **exc.details))
        else:
            db.session.commit()
            flash(_("The review was saved and published."), "success")
            return redirect(url_for("budgeting.proposal", slug=process.slug, proposal_id=item.id))
    return _render_proposal(process, item, review_form=form, update_form=UpdateForm(), status=422)


@bp.post("/<slug>/proposals/<int:proposal_id>/updates")
@login_required
def post_update(slug: str, proposal_id: int):
    process = _process(slug)
    item = _proposal(process, proposal_id)
    if not permissions.can_manage_process(current_user, process):
        abort(403)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(
                item, current_user, status=ImplementationStatus(form.status.data), text=form.text.data
            )
        except services.BudgetError as exc:
            db.session.rollback()
            form.form_errors.append(error_message(exc.code, **exc.details))
        else:
            db.session.commit()
            flash(_("The update was published."), "success")
            return redirect(
                url_for("budgeting.proposal", slug=process.slug, proposal_id=item.id) + "#updates"
            )
    return _render_proposal(process, item, review_form=ReviewForm(), update_form=form, status=422)


# --- ballots ---------------------------------------------------------------------------


def _parse_choices(process: BudgetProcess) -> tuple[dict[int, int], bool]:
    """Choices from the form; the flag is False when a points field is not a whole number."""
    choices: dict[int, int] = {}
    ok = True
    if process.ballot_type == BallotType.cumulative:
        for name, raw in request.form.items():
            if not name.startswith("points-") or not raw.strip():
                continue
            key, value = name.removeprefix("points-"), raw.strip()
            project_id, points = whole_number(key), whole_number(value.removeprefix("-"))
            if project_id is None or points is None:
                ok = False
                continue
            if points != 0:
                choices[project_id] = -points if value.startswith("-") else points
    else:
        for raw in request.form.getlist("project"):
            project_id = whole_number(raw)
            if project_id is not None:
                choices[project_id] = 1
            else:
                ok = False
    return choices, ok


def _district_arg(process: BudgetProcess, raw) -> tuple[object | None, bool]:
    """(district, chosen): chosen is False when the process has districts and none was picked."""
    if not process.districts:
        return None, True
    for district in process.districts:
        if str(district.id) == str(raw or ""):
            return district, True
    return None, False


@bp.route("/<slug>/vote", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def vote(slug: str):
    process = _process(slug)
    now = db.utcnow()
    refusal = services.can_vote_now(process, current_user, now)
    if refusal:
        status = 401 if refusal == "sign_in_to_vote" else 403
        return render_template(
            "budgeting/closed.html", process=process, message=error_message(refusal)
        ), status
    mine = services.my_ballot(process, current_user)
    form = BallotForm()
    if request.method == "POST":
        district, chosen = _district_arg(process, form.district_id.data)
        choices, parsed = _parse_choices(process)
    else:
        # ``?district=`` (empty) asks for the chooser even when the voter already voted somewhere.
        if "district" in request.args:
            raw = request.args.get("district")
        else:
            raw = mine[0].district_id if mine else None
        district, chosen = _district_arg(process, raw)
        choices = (
            mine[1]
            if mine and (not process.districts or mine[0].district_id == getattr(district, "id", None))
            else {}
        )
        parsed = True
    if not chosen:
        if request.method == "POST":
            form.form_errors.append(error_message("district_needed"))
        return render_template("budgeting/district.html", process=process, form=form), (
            422 if request.method == "POST" else 200
        )
    projects = services.ballot_projects(process, district)
    check = services.check_ballot(process, district, choices, projects)
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "submit")
        if not form.validate():
            status = 422
        elif not parsed:
            form.form_errors.append(error_message("points_not_positive"))
            status = 422
        elif action == "check":
            status = 200 if check.valid else 422
        elif not check.valid:
            status = 422
        else:
            try:
                services.cast_ballot(
                    process, current_user, district_id=getattr(district, "id", None), choices=choices, now=now
                )
            except services.BudgetError as exc:
                db.session.rollback()
                form.form_errors.append(error_message(exc.code, **exc.details))
                status = 422
            else:
                db.session.commit()
                flash(
                    _(
                        "Your ballot was saved. You can change it until voting closes; only your last ballot counts."
                    ),
                    "success",
                )
                return redirect(url_for("budgeting.vote", slug=process.slug))
    form.district_id.data = str(district.id) if district else ""
    return (
        render_template(
            "budgeting/vote.html",
            process=process,
            district=district,
            projects=projects,
            choices=choices,
            check=check,
            check_messages=[
                error_message(code)
                for code in check.errors
                if code != "empty_ballot" or request.method == "POST"
            ],
            form=form,
            has_ballot=mine is not None,
            checked=request.method == "POST",
        ),
        status,
    )


# --- results ----------------------------------------------------------------------------


def explain(rule: str, row: dict, budget_left_at_turn: int | None, currency: str) -> str:
    """One sentence saying why a project was or was not selected."""
    reason = row["reason"]
    if reason == "selected":
        return _(
            "Selected: it fitted in the budget left when its turn came (%(left)s).",
            left=money(budget_left_at_turn, currency),
        )
    if reason == "not_enough_budget":
        if rule == "greedy":
            return _(
                "Not selected: not enough budget left when its turn came (%(left)s left, it costs %(cost)s).",
                left=money(budget_left_at_turn, currency),
                cost=money(row["cost"], currency),
            )
        return _("Not selected: it costs more than the whole budget.")
    if reason == "selected_mes":
        return _(
            "Selected: its supporters bought it together from their equal shares; no supporter paid more than %(pay)s.",
            pay=money(_rounded(row["max_payment"]), currency),
        )
    if reason == "selected_completion":
        return _("Selected in the completion step: budget was left after the equal shares were spent.")
    if reason == "supporters_budget_spent":
        return _(
            "Not selected: its supporters' shares were spent on projects they also wanted; together they had %(money)s left, it costs %(cost)s.",
            money=money(_rounded(row["supporters_money"]), currency),
            cost=money(row["cost"], currency),
        )
    if reason == "no_votes":
        return _("Not selected: nobody voted for it.")
    return reason


def _rounded(fraction_text: str | None) -> float | None:
    if fraction_text is None:
        return None
    return round(float(Fraction(fraction_text)), 2)


def _district_view(process, key, district, entry, names):
    official = process.rule.value
    outcomes = entry["outcomes"]
    other = next((r for r in outcomes if r != official), None)
    rows = []
    greedy = outcomes.get("greedy")
    left_at_turn: dict[str, int] = {}
    if greedy:
        left = entry["budget"]
        for tally_id, row in sorted(greedy["results"].items(), key=lambda kv: kv[1]["rank"] or 0):
            left_at_turn[tally_id] = left
            if row["status"] == "selected":
                left -= row["cost"]
    for tally_id, row in outcomes[official]["results"].items():
        proposal_id = entry["proposals"].get(tally_id)
        rows.append(
            {
                "tally_id": tally_id,
                "proposal_id": proposal_id,
                "title": names.get(proposal_id, tally_id),
                "votes": row["votes"],
                "points": row["points"],
                "cost": row["cost"],
                "selected": row["status"] == "selected",
                "why": explain(official, row, left_at_turn.get(tally_id), process.currency),
                "other_selected": (outcomes[other]["results"][tally_id]["status"] == "selected")
                if other
                else None,
                "other_why": explain(
                    other, outcomes[other]["results"][tally_id], left_at_turn.get(tally_id), process.currency
                )
                if other
                else None,
            }
        )
    rows.sort(key=lambda r: (not r["selected"], -r["points"], r["cost"]))
    only_official = [r for r in rows if r["selected"] and other and not r["other_selected"]]
    only_other = [r for r in rows if not r["selected"] and other and r["other_selected"]]
    return {
        "key": key,
        "district": district,
        "budget": entry["budget"],
        "ballots": entry["ballots"],
        "rows": rows,
        "official": outcomes[official],
        "other_rule": other,
        "other": outcomes.get(other) if other else None,
        "only_official": only_official,
        "only_other": only_other,
        "chart": [(r["title"], r["points"]) for r in rows],
        "share": _rounded(outcomes[official].get("endowment")),
    }


@bp.get("/<slug>/results")
def results(slug: str):
    process = _process(slug)
    now = db.utcnow()
    phase = process.phase_at(now)
    if phase.order < Phase.results.order:
        return render_template(
            "budgeting/closed.html", process=process, message=_("Results are published when voting closes.")
        ), 404
    snapshot = services.result_snapshot(process)
    # Until the worker stores the snapshot the page counts live, so nobody waits for it.
    data = snapshot.data if snapshot is not None else services.compute_results(process)
    names = {p.id: p.title for p in queries.proposals_of(process)}
    districts = {str(d.id): d for d in process.districts}
    views = [
        _district_view(process, key, districts.get(key), entry, names)
        for key, entry in data["districts"].items()
    ]
    return render_template(
        "budgeting/results.html", process=process, snapshot=snapshot, districts=views, Rule=Rule
    )


@bp.post("/<slug>/results")
@login_required
def recompute(slug: str):
    process = _process(slug)
    if not permissions.can_publish_results(current_user, process):
        abort(403)
    services.publish_results(process, actor=current_user)
    db.session.commit()
    flash(_("The results were recomputed from the ballots and published."), "success")
    return redirect(url_for("budgeting.results", slug=process.slug))
