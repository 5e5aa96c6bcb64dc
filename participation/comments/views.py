"""The comments blueprint: post, reply, edit, delete, permalinks and history.

Subject pages render a stream with ``queries.stream_for_request`` and the
macros in ``templates/comments/macros.html``; every form posts here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from participation import db, subjects, text
from participation.comments import permissions, queries, registry, services
from participation.comments.forms import (
    FORBIDDEN_CODES,
    POSITION_LABELS,
    STAKEHOLDER_LABELS,
    CommentForm,
    EditCommentForm,
    error_message,
)
from participation.comments.models import Comment, CommentStatus
from participation.extensions import limiter
from participation.i18n import _, _l
from participation.moderation.forms import reason_label
from participation.web.query import int_arg

bp = Blueprint("comments", __name__, url_prefix="/comments")


def _load_comment(comment_id: int) -> Comment:
    from sqlalchemy import inspect

    comment = db.session.get(Comment, comment_id)
    if comment is None or inspect(comment).transient:
        abort(404)
    return comment


def _comment_title(comment: Comment) -> str:
    if comment.status != CommentStatus.published:
        return _("Comment %(id)d", id=comment.id)
    return text.excerpt(comment.body, 80)


subjects.register(
    subjects.SubjectType(
        name="comment",
        label=_l("Comment"),
        load=lambda comment_id: db.session.get(Comment, comment_id),
        title=_comment_title,
        url=lambda comment: url_for("comments.permalink", comment_id=comment.id),
        author_id=lambda comment: comment.author_id,
    )
)


def _register_flaggable() -> None:
    from participation.moderation.registry import FlaggablePolicy, register_flaggable

    register_flaggable(
        FlaggablePolicy(
            subject_type="comment",
            hide=services.hide_comment,
            restore=services.restore_comment,
            is_hidden=lambda comment: comment.status == CommentStatus.hidden,
            is_pending=lambda comment: comment.status == CommentStatus.pending,
            approve=services.approve_comment,
            can_be_flagged=lambda comment: comment.status == CommentStatus.published,
        )
    )


_register_flaggable()


def _rate_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    from flask_limiter.util import get_remote_address

    return f"ip:{get_remote_address()}"


def _comment_limit() -> str:
    return services.setting("COMMENT_RATE_LIMIT")


def subject_anchor(comment: Comment) -> str:
    """The subject page at the comment's anchor (the permalink page if the subject is gone)."""
    found = subjects.resolve(comment.subject_type, comment.subject_id)
    if found is None:
        return url_for("comments.permalink", comment_id=comment.id)
    subject_type, subject = found
    return f"{subject_type.url(subject)}#comment-{comment.id}"


def _refuse(exc: services.CommentError, form, policy, subject_type_obj, subject, parent=None):
    message = error_message(exc.code, exc.details)
    status = 403 if exc.code in FORBIDDEN_CODES else 422
    return _form_page(form, policy, subject_type_obj, subject, parent, message=message, status=status)


def _form_page(form, policy, subject_type_obj, subject, parent=None, message=None, status=422):
    return (
        render_template(
            "comments/form_page.html",
            form=form,
            policy=policy,
            subject_type=subject_type_obj,
            subject=subject,
            parent=parent,
            message=message,
        ),
        status,
    )


@bp.post("/on/<subject_type>/<int:subject_id>")
@login_required
@limiter.limit(_comment_limit, key_func=_rate_key)
def create(subject_type: str, subject_id: int):
    """Post a new comment (or a reply when ``parent_id`` is given) on a subject."""
    found = registry.resolve(subject_type, subject_id)
    if found is None:
        abort(404)
    policy, subject_type_obj, subject = found
    form = CommentForm().configure(policy, subject)
    parent = None
    if form.parent_id.data:
        try:
            parent = db.session.get(Comment, int(form.parent_id.data))
        except ValueError:
            parent = None
        if parent is None:
            abort(404)
    refusal = permissions.comment_refusal(current_user, subject_type, subject)
    if refusal is not None:
        return _refuse(services.CommentError(refusal), form, policy, subject_type_obj, subject, parent)
    if not form.validate():
        return _form_page(form, policy, subject_type_obj, subject, parent)
    try:
        comment = services.post_comment(
            author=current_user._get_current_object(),
            subject_type=subject_type,
            subject_id=subject_id,
            body=form.body.data,
            part_id=form.part_id.data if "part_id" in form else None,
            parent=parent,
            position=(form.position.data or None) if "position" in form else None,
            stakeholder_group=(form.stakeholder_group.data or None) if "stakeholder_group" in form else None,
            on_behalf_of=(form.on_behalf_of.data or None) if "on_behalf_of" in form else None,
        )
    except services.CommentError as exc:
        db.session.rollback()
        return _refuse(exc, form, policy, subject_type_obj, subject, parent)
    db.session.commit()
    if comment.status == CommentStatus.pending:
        flash(_("Thank you. Your comment will be shown after a moderator approves it."), "info")
    else:
        flash(_("Your comment has been published."), "success")
    return redirect(subject_anchor(comment))


@bp.route("/on/<subject_type>/<int:subject_id>/new", methods=["GET"])
def new(subject_type: str, subject_id: int):
    """The comment form on a page of its own (also where errors are shown)."""
    found = registry.resolve(subject_type, subject_id)
    if found is None:
        abort(404)
    policy, subject_type_obj, subject = found
    parent = None
    form = CommentForm().configure(policy, subject)
    reply_to = int_arg("reply_to")
    if reply_to is not None:
        parent = db.session.get(Comment, reply_to)
        if parent is None or parent.subject_type != subject_type or parent.subject_id != subject_id:
            abort(404)
        form.parent_id.data = str(parent.id)
    return _form_page(form, policy, subject_type_obj, subject, parent, status=200)


@bp.get("/on/<subject_type>/<int:subject_id>")
def subject_stream(subject_type: str, subject_id: int):
    """Every comment of a subject on a page of its own (paginated, filterable)."""
    found = registry.resolve(subject_type, subject_id)
    if found is None:
        abort(404)
    policy, subject_type_obj, subject = found
    page = queries.stream_for_request(subject_type, subject_id, default_part="all")
    return render_template(
        "comments/subject.html",
        page=page,
        subject=subject,
        subject_type=subject_type_obj,
        policy=policy,
        counts=queries.counts(subject_type, subject_id),
    )


@bp.get("/<int:comment_id>")
def permalink(comment_id: int):
    """The comment in its thread, with a link to its place on the subject page."""
    comment = _load_comment(comment_id)
    if comment.status == CommentStatus.pending and not permissions.can_see_text(current_user, comment):
        abort(404)
    top = comment if comment.parent_id is None else _load_comment(comment.parent_id)
    thread = queries.thread(top, viewer_id=current_user.id if current_user.is_authenticated else None)
    found = subjects.resolve(comment.subject_type, comment.subject_id)
    return render_template(
        "comments/permalink.html",
        comment=comment,
        page=thread,
        subject_type=found[0] if found else None,
        subject=found[1] if found else None,
        anchor=subject_anchor(comment),
    )


@bp.get("/<int:comment_id>/goto")
def goto(comment_id: int):
    """Redirect to the comment's anchor on its subject page."""
    return redirect(subject_anchor(_load_comment(comment_id)))


@bp.get("/<int:comment_id>/history")
def history(comment_id: int):
    """The public edit history of a comment (texts hidden while the comment is)."""
    comment = _load_comment(comment_id)
    if comment.status == CommentStatus.pending and not permissions.can_see_text(current_user, comment):
        abort(404)
    return render_template("comments/history.html", comment=comment, anchor=subject_anchor(comment))


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_comment_limit, key_func=_rate_key, methods=["POST"])
def edit(comment_id: int):
    comment = _load_comment(comment_id)
    if not permissions.can_edit(current_user, comment):
        abort(403)
    form = EditCommentForm(data={"body": comment.body} if request.method == "GET" else None)
    message = None
    if form.validate_on_submit():
        try:
            services.edit_comment(comment, current_user._get_current_object(), form.body.data)
        except services.CommentError as exc:
            db.session.rollback()
            message = error_message(exc.code, exc.details)
            status = 403 if exc.code in FORBIDDEN_CODES else 422
            return render_template("comments/edit.html", form=form, comment=comment, message=message), status
        db.session.commit()
        flash(_("Your comment has been updated. The earlier text stays in its public history."), "success")
        return redirect(subject_anchor(comment))
    status = 422 if form.errors else 200
    return render_template("comments/edit.html", form=form, comment=comment, message=message), status


@bp.post("/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    comment = _load_comment(comment_id)
    if not permissions.can_delete(current_user, comment):
        abort(403)
    services.delete_comment(comment, current_user._get_current_object())
    db.session.commit()
    flash(
        _("Your comment has been deleted. A note that it was deleted by its author stays in its place."),
        "info",
    )
    return redirect(subject_anchor(comment))


def template_helpers() -> dict:
    """Helpers the comment macros use, as Jinja globals so a plain ``import`` works."""
    from flask import request as request_proxy

    from participation.accounts.permissions import is_moderator

    return {
        **permissions.TEMPLATE_PREDICATES,
        "comment_form_for": comment_form_for,
        "comment_policy": registry.get_policy,
        "comment_edit_deadline": lambda c: c.created_at + services.edit_window(),
        "comment_html": text.render_markdown,
        "position_label": lambda p: str(POSITION_LABELS.get(p, p)),
        "stakeholder_label": lambda g: str(STAKEHOLDER_LABELS.get(g, g)),
        "moderation_reason_label": reason_label,
        "is_moderator": is_moderator,
        "current_user": current_user,
        "request": request_proxy,
    }


@bp.record_once
def _install_template_helpers(state) -> None:
    # Globals, not a context processor: subject pages import the macros
    # without ``with context`` and they still work.
    for name, value in template_helpers().items():
        state.app.jinja_env.globals.setdefault(name, value)


def comment_form_for(subject_type: str, subject, parent: Comment | None = None) -> CommentForm:
    """A fresh comment form for a subject page (parts and hearing fields per the policy)."""
    form = CommentForm(formdata=None).configure(registry.get_policy(subject_type), subject)
    if parent is not None:
        form.parent_id.data = str(parent.id)
        # One page holds many reply forms: unique ids, same field names.
        for f in form:
            f.id = f"{f.id}-reply-{parent.id}"
            f.label.field_id = f.id
    return form


@bp.cli.command("reconcile")
def reconcile_command():
    """Prove comment counts equal published rows; correct and list any difference."""
    import click

    mismatches = services.reconcile(fix=True)
    db.session.commit()
    for m in mismatches:
        click.echo(f"{m.subject_type}:{m.subject_id} part {m.part_id}: stored {m.stored}, actual {m.actual}")
    click.echo(f"{len(mismatches)} count(s) corrected")
