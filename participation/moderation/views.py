"""The moderation blueprint: reporting, the queue, decisions, appeals, the public log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from participation import db, subjects
from participation.accounts.models import User
from participation.accounts.permissions import is_moderator
from participation.extensions import limiter
from participation.i18n import _, _l
from participation.moderation import queries, registry, services
from participation.moderation.forms import (
    ACTION_LABELS,
    AppealDecisionForm,
    AppealForm,
    BlockForm,
    FlagForm,
    HideForm,
    NoteForm,
    action_label,
    error_message,
    reason_label,
)
from participation.moderation.models import ActionKind, Appeal, FlagReason, ModerationAction
from participation.web.query import int_arg

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
# A block is recorded under "moderation", without naming the blocked account.
subjects.register_label("moderation", _l("Moderation"))


def _flag_limit() -> str:
    from participation.comments.services import setting

    return setting("FLAG_RATE_LIMIT")


def _rate_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "unknown"


def _require_moderator() -> None:
    if not is_moderator(current_user):
        abort(403)


def _me() -> User:
    return current_user._get_current_object()


# --- public log --------------------------------------------------------------------


@bp.get("/log")
def log():
    """Every moderation decision with its reason and time; no personal data."""
    actions, more = queries.log_page(int_arg("before"))
    return render_template(
        "moderation/log.html",
        actions=actions,
        more=more,
        by_reason=queries.counts_by_reason(),
        by_month=queries.counts_by_month(),
        by_kind=queries.counts_by_kind(),
        describe=_public_target,
    )


def _public_target(action: ModerationAction) -> tuple[str, str | None]:
    """What the action was about, for the public: never a person."""
    if action.target_type == "user":
        return _("an account"), None
    subject_type = subjects.get(action.target_type)
    kind = {
        "comment": _("a comment"),
        "initiative": _("an initiative"),
        "budget_proposal": _("a budget proposal"),
    }
    label = str(kind.get(action.target_type, action.target_type))
    if subject_type is None:
        return label, None
    subject = subject_type.load(action.target_id)
    return label, subject_type.url(subject) if subject is not None else None


@bp.get("/actions/<int:action_id>")
def action(action_id: int):
    """One decision: public facts, its appeal, and the appeal form for the person concerned."""
    record = db.session.get(ModerationAction, action_id)
    if record is None:
        abort(404)
    appeal = queries.appeal_for(record.id)
    can_appeal = services.can_appeal(current_user, record)
    can_decide = appeal is not None and services.can_decide_appeal(current_user, appeal)
    return render_template(
        "moderation/action.html",
        action=record,
        appeal=appeal,
        describe=_public_target,
        appeal_form=AppealForm() if can_appeal else None,
        decision_form=AppealDecisionForm() if can_decide else None,
        is_concerned=current_user.is_authenticated and record.target_author_id == current_user.id,
    )


# --- reporting ---------------------------------------------------------------------


@bp.route("/flag/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(_flag_limit, key_func=_rate_key, methods=["POST"])
def flag(target_type: str, target_id: int):
    found = registry.resolve(target_type, target_id)
    if found is None:
        abort(404)
    _policy, subject_type, subject = found
    form = FlagForm()
    message = None
    if form.validate_on_submit():
        try:
            services.flag(_me(), target_type, target_id, form.reason.data, form.note.data)
        except services.ModerationError as exc:
            db.session.rollback()
            message = error_message(exc.code)
            status = 409 if exc.code == "already_flagged" else 403
            return render_template(
                "moderation/flag.html", form=form, subject=subject, subject_type=subject_type, message=message
            ), status
        db.session.commit()
        flash(_("Thank you. Moderators will look at your report."), "success")
        return redirect(subject_type.url(subject))
    status = 422 if form.errors else 200
    return render_template(
        "moderation/flag.html", form=form, subject=subject, subject_type=subject_type, message=message
    ), status


# --- the queue and decisions (moderators) -----------------------------------------------


@bp.get("/")
@login_required
def queue():
    _require_moderator()
    reason = request.args.get("reason") or None
    target_type = request.args.get("type") or None
    age = int_arg("age", maximum=24 * 366)
    if reason and reason not in {r.value for r in FlagReason}:
        abort(400)
    items = queries.queue(reason=reason, target_type=target_type, older_than_hours=age)
    return render_template(
        "moderation/queue.html",
        items=items,
        reason=reason,
        target_type=target_type,
        age=age,
        types=registry.flaggable_names(),
        reasons=[r.value for r in FlagReason],
        appeals=queries.pending_appeals(),
    )


@bp.get("/item/<target_type>/<int:target_id>")
@login_required
def item(target_type: str, target_id: int):
    _require_moderator()
    found = registry.resolve(target_type, target_id)
    if found is None:
        abort(404)
    policy, subject_type, subject = found
    author_id = services.author_of(target_type, subject)
    return render_template(
        "moderation/item.html",
        policy=policy,
        subject=subject,
        subject_type=subject_type,
        target_type=target_type,
        target_id=target_id,
        author=db.session.get(User, author_id) if author_id else None,
        own=author_id == current_user.id,
        flags=[i for i in queries.queue(target_type=target_type) if i.target_id == target_id],
        actions=queries.actions_on(target_type, target_id),
        hide_form=HideForm(),
        note_form=NoteForm(),
        block_form=BlockForm(),
    )


def _decide(target_type: str, target_id: int, do):
    _require_moderator()
    try:
        action = do()
    except services.ModerationError as exc:
        db.session.rollback()
        flash(error_message(exc.code), "error")
        return redirect(url_for("moderation.item", target_type=target_type, target_id=target_id)), 303
    db.session.commit()
    flash(_("Decision recorded and published in the moderation log."), "success")
    return redirect(url_for("moderation.action", action_id=action.id))


def _own_refusal(target_type: str, target_id: int):
    """403 for a moderator acting on their own content (the service refuses it too)."""
    found = registry.resolve(target_type, target_id)
    if found is None:
        abort(404)
    if services.author_of(target_type, found[2]) == current_user.id:
        abort(403)


@bp.post("/item/<target_type>/<int:target_id>/hide")
@login_required
def hide(target_type: str, target_id: int):
    _require_moderator()
    _own_refusal(target_type, target_id)
    form = HideForm()
    if not form.validate():
        abort(422)
    return _decide(
        target_type,
        target_id,
        lambda: services.hide(_me(), target_type, target_id, form.reason.data, form.note.data),
    )


@bp.post("/item/<target_type>/<int:target_id>/<any(restore, dismiss, approve):what>")
@login_required
def simple_decision(target_type: str, target_id: int, what: str):
    _require_moderator()
    _own_refusal(target_type, target_id)
    form = NoteForm()
    if not form.validate():
        abort(422)
    service = {"restore": services.restore, "dismiss": services.dismiss_flags, "approve": services.approve}[
        what
    ]
    return _decide(target_type, target_id, lambda: service(_me(), target_type, target_id, form.note.data))


@bp.post("/item/<target_type>/<int:target_id>/block-author")
@login_required
def block_author(target_type: str, target_id: int):
    _require_moderator()
    _own_refusal(target_type, target_id)
    found = registry.resolve(target_type, target_id)
    author_id = services.author_of(target_type, found[2])
    author = db.session.get(User, author_id) if author_id else None
    if author is None:
        abort(404)
    form = BlockForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("moderation.item", target_type=target_type, target_id=target_id)), 303
    return _decide(
        target_type,
        target_id,
        lambda: services.block_user(
            _me(), author, days=form.days.data, reason=form.reason.data, note=form.note.data
        ),
    )


# --- appeals --------------------------------------------------------------------------


@bp.post("/actions/<int:action_id>/appeal")
@login_required
def appeal(action_id: int):
    record = db.session.get(ModerationAction, action_id)
    if record is None:
        abort(404)
    if record.target_author_id != current_user.id:
        abort(403)
    form = AppealForm()
    if not form.validate():
        return render_template(
            "moderation/action.html",
            action=record,
            appeal=None,
            describe=_public_target,
            appeal_form=form,
            decision_form=None,
            is_concerned=True,
        ), 422
    try:
        services.appeal(_me(), record, form.text.data)
    except services.ModerationError as exc:
        db.session.rollback()
        flash(error_message(exc.code), "error")
        return redirect(url_for("moderation.action", action_id=record.id)), 303
    db.session.commit()
    flash(_("Your appeal has been sent. A different moderator will decide it."), "success")
    return redirect(url_for("moderation.action", action_id=record.id))


@bp.post("/appeals/<int:appeal_id>/decide")
@login_required
def decide_appeal(appeal_id: int):
    _require_moderator()
    record = db.session.get(Appeal, appeal_id)
    if record is None:
        abort(404)
    form = AppealDecisionForm()
    if not form.validate():
        abort(422)
    try:
        action = services.decide_appeal(
            _me(), record, overturn=form.outcome.data == "overturn", note=form.note.data
        )
    except services.ModerationError as exc:
        db.session.rollback()
        if exc.code in ("same_moderator", "own_content"):
            abort(403)
        flash(error_message(exc.code), "error")
        return redirect(url_for("moderation.action", action_id=record.action_id)), 303
    db.session.commit()
    flash(_("Decision recorded and published in the moderation log."), "success")
    return redirect(url_for("moderation.action", action_id=action.id))


@bp.get("/mine")
@login_required
def my_decisions():
    """Decisions about the signed-in person's content or account, with appeal links."""
    return render_template(
        "moderation/mine.html",
        decisions=queries.decisions_about(current_user.id),
        block=services.active_block(current_user),
        describe=_public_target,
    )


@bp.app_context_processor
def _helpers():
    return {
        "moderation_reason_label": reason_label,
        "subject_kind_label": subjects.kind_label,
        "moderation_action_label": action_label,
        "MODERATION_ACTION_LABELS": ACTION_LABELS,
    }


__all__ = ["bp", "ActionKind"]
