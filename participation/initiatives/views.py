"""Initiative pages: lists, drafting, review, signing, hand-over, response, types."""

from __future__ import annotations

import sys

import click
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from participation import db, subjects
from participation.accounts.models import Organisation
from participation.accounts.permissions import is_moderator
from participation.comments import queries as comment_queries
from participation.comments.registry import CommentPolicy, register_policy
from participation.extensions import limiter
from participation.i18n import _, _l, format_number, localized
from participation.identity import IdentityLevel, NationalIdError
from participation.initiatives import forms, permissions, queries, services
from participation.initiatives.models import (
    Initiative,
    InitiativeState,
    InitiativeType,
    SignerLevel,
    TimelineDocument,
)
from participation.text import render_markdown
from participation.web.page_cache import for_anonymous_readers
from participation.web.query import whole_number

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")


subjects.register(
    subjects.SubjectType(
        name="initiative",
        label=_l("Initiative"),
        load=lambda id: db.session.get(Initiative, id),
        title=lambda i: i.title,
        url=lambda i: url_for("initiatives.show", initiative_id=i.id),
        organisation_id=lambda i: i.organisation_id,
        author_id=lambda i: i.created_by_id,
    )
)


#: States in which the initiative is public and open for discussion.
COMMENTABLE_STATES = (InitiativeState.collecting, InitiativeState.handed_over, InitiativeState.responded)

register_policy(
    CommentPolicy(
        subject_type="initiative",
        is_open=lambda i: services.effective_state(i, db.utcnow()) in COMMENTABLE_STATES,
        required_level=lambda _i: IdentityLevel.email,
    )
)


@bp.app_context_processor
def _predicates():
    return {
        **permissions.TEMPLATE_PREDICATES,
        "initiative_state_label": state_label,
        "initiative_event_label": timeline_label,
        "return_reason_labels": forms.return_reason_labels,
        "signer_level_label": signer_level_label,
        "render_markdown": render_markdown,
    }


# --- messages ---------------------------------------------------------------------------


def state_label(state: InitiativeState | str) -> str:
    value = state.value if isinstance(state, InitiativeState) else state
    return {
        "draft": _("Draft"),
        "in_review": _("In review"),
        "collecting": _("Collecting signatures"),
        "handed_over": _("Handed over"),
        "responded": _("Responded"),
        "closed": _("Closed"),
        "expired": _("Expired"),
        "withdrawn": _("Withdrawn"),
    }.get(value, value)


def signer_level_label(level: SignerLevel | str) -> str:
    value = level.value if isinstance(level, SignerLevel) else level
    return {
        "email": _("a confirmed email address"),
        "national_id": _("a declared national ID"),
        "digital_id": _("a digital ID"),
    }.get(value, value)


def timeline_label(code: str) -> str:
    labels = {
        "submitted": _("Submitted for review"),
        "returned": _("Returned to the authors"),
        "collecting": _("Published: collecting signatures"),
        "withdrawn": _("Withdrawn by the authors"),
        "handed_over": _("Handed over to the receiving organisation"),
        "expired": _("Expired without reaching the threshold"),
        "threshold": _("Threshold reached"),
        "response_overdue": _("Response overdue"),
        "closed": _("Closed"),
    }
    labels.update({k: str(v) for k, v in forms.authority_event_labels().items()})
    for pct in services.MILESTONES:
        labels[f"milestone_{pct}"] = _("%(pct)s%% of the threshold reached", pct=pct)
    return labels.get(code, code)


def error_message(exc: services.InitiativeError) -> str:
    messages = {
        "threshold_range": _("The threshold must be between 1 and 10,000,000 signatures."),
        "max_days_range": _("The signing period must be between 1 and 730 days."),
        "response_days_range": _("The response deadline must be between 1 and 730 days."),
        "slug_invalid": _("Use only lower-case letters, digits and dashes for the short name."),
        "slug_taken": _("This short name is already used by another type."),
        "too_long": _(
            "The text is too long (at most %(limit)s characters).", limit=exc.details.get("limit", "")
        ),
        "missing_text": _("Please fill in the title, the summary and the full text."),
        "identity_too_low": _(
            "Signing this initiative needs %(level)s. You can add it in your account settings.",
            level=signer_level_label(exc.details.get("level", "email")),
        ),
        "type_inactive": _("This type of initiative does not take new initiatives."),
        "duration_range": _(
            "The collection period must be between 1 and %(maximum)s days.",
            maximum=exc.details.get("maximum", ""),
        ),
        "not_editable": _("Only a draft can be changed."),
        "email_invalid": _("Please enter a valid email address, like name@example.com."),
        "invitation_expired": _("This invitation has expired. Please ask the author for a new one."),
        "invitation_invalid": _("This invitation link is not valid."),
        "invitation_other_address": _(
            "This invitation was sent to another email address. Sign in with the account that has that address (confirmed)."
        ),
        "illegal_transition": _("This is not possible at the initiative's current stage."),
        "reason_invalid": _("Please choose a reason from the list."),
        "threshold_not_reached": _("The initiative has not reached its threshold yet."),
        "not_collecting": _("This initiative is not collecting signatures now."),
        "consent_required": _("Please agree to the use of your signature to sign."),
        "full_name_invalid": _("Please give your full name as on your ID card."),
        "national_id_mismatch": _("This national ID number is not the one declared on your account."),
        "already_signed": _("You have already signed this initiative. Each person can sign once."),
        "not_signed": _("You have not signed this initiative."),
        "count_range": _("Please give a number between 1 and 10,000,000."),
        "date_in_future": _("The date cannot be in the future."),
        "event_code_invalid": _("Please choose a step from the list."),
        "file_too_large": _("A document may be at most 10 MB."),
        "not_pdf": _("Only PDF documents can be attached. This file is not a PDF."),
    }
    return messages.get(exc.code, _("The request could not be completed."))


def national_id_message(code: str) -> str:
    from participation.accounts.views import national_id_message as accounts_message

    return accounts_message(code)


#: HTTP status for each refusal (all 4xx).
ERROR_STATUS = {
    "identity_too_low": 403,
    "already_signed": 409,
    "not_collecting": 409,
    "illegal_transition": 409,
    "threshold_not_reached": 409,
    "not_signed": 409,
    "invitation_invalid": 400,
    "invitation_expired": 400,
    "invitation_other_address": 403,
}


# --- helpers ---------------------------------------------------------------------------


def _initiative_or_404(initiative_id: int) -> Initiative:
    # With its type in the same query: every page and the signing checks need it.
    initiative = db.session.get(Initiative, initiative_id, options=[joinedload(Initiative.type)])
    if initiative is None or not permissions.can_view(current_user, initiative):
        abort(404)
    return initiative


def _int_arg(name: str) -> int | None:
    """A filter's id or page number; anything else is ignored (None)."""
    return whole_number(request.args.get(name))


def _type_choices() -> list[tuple[int, str]]:
    types = db.session.scalars(
        select(InitiativeType).where(InitiativeType.active.is_(True)).order_by(InitiativeType.id)
    ).all()
    return [SelectChoice(t.id, f"{localized(t, 'name')} ({format_number(t.threshold)})") for t in types]


def _show_context(initiative: Initiative) -> dict:
    now = db.utcnow()
    count = services.public_count(initiative)
    state = services.effective_state(initiative, now, count.total)
    my_signature = None
    if current_user.is_authenticated:
        my_signature = services.signature_of(initiative, current_user)
    return {
        "initiative": initiative,
        "count": count,
        "state": state,
        "now": now,
        "overdue": services.is_overdue(initiative, now),
        "timeline": queries.timeline(initiative),
        "signers": queries.public_signers(initiative),
        "paper_batches": queries.paper_batches(initiative),
        "points": queries.daily_points(initiative),
        "my_signature": my_signature,
        **_staff_forms(),
        "comments_page": (
            comment_queries.stream_for_request(services.SUBJECT, initiative.id)
            if state not in (InitiativeState.draft, InitiativeState.in_review)
            else None
        ),
    }


def _staff_forms() -> dict:
    """The authors' and staff's forms; none for anonymous readers.

    A form makes a CSRF token, which would make the page personal and keep it out of
    the page cache; only signed-in people can be shown these forms anyway.
    """
    names = ("invite_form", "return_form", "paper_form", "timeline_form", "response_form")
    if not current_user.is_authenticated:
        return dict.fromkeys(names)
    return {
        "invite_form": forms.InviteForm(formdata=None),
        "return_form": forms.ReturnForm(formdata=None),
        "paper_form": forms.PaperBatchForm(formdata=None),
        "timeline_form": forms.TimelineForm(formdata=None),
        "response_form": forms.ResponseForm(formdata=None),
    }


def _refuse(initiative: Initiative, exc: services.InitiativeError, status: int | None = None):
    flash(error_message(exc), "error")
    context = _show_context(initiative)
    return render_template("initiatives/show.html", **context), status or ERROR_STATUS.get(exc.code, 422)


# --- public pages -------------------------------------------------------------------------


@bp.get("/")
@for_anonymous_readers
def index():
    now = db.utcnow()
    sort = request.args.get("sort", "most_signed")
    if sort not in queries.SORTS:
        sort = "most_signed"
    status = request.args.get("status") or None
    rows, total = queries.list_initiatives(
        now,
        status=status,
        type_id=_int_arg("type"),
        organisation_id=_int_arg("organisation"),
        topic=(request.args.get("topic") or None),
        sort=sort,
        page=_int_arg("page") or 1,
    )
    return render_template(
        "initiatives/index.html",
        rows=rows,
        total=total,
        sort=sort,
        status=status,
        page=_int_arg("page") or 1,
        page_size=queries.PAGE_SIZE,
        choices=queries.filter_choices(),
        states=queries.PUBLIC_STATES,
        args=request.args,
    )


@bp.get("/<int:initiative_id>")
@for_anonymous_readers
def show(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    return render_template("initiatives/show.html", **_show_context(initiative))


@bp.get("/receipt")
def receipt():
    code = (request.args.get("code") or "").strip()
    result = services.check_receipt(code) if code else None
    status = 404 if code and result is None else 200
    return render_template("initiatives/receipt.html", code=code, result=result), status


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    doc = db.session.get(TimelineDocument, document_id)
    if doc is None:
        abort(404)
    try:
        path = services.document_path(doc)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=True, download_name=doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


# --- drafting -------------------------------------------------------------------------------


@bp.get("/mine")
@login_required
def mine():
    return render_template("initiatives/mine.html", initiatives=queries.my_initiatives(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def new():
    if not permissions.can_create(current_user):
        abort(403)
    form = forms.InitiativeForm()
    form.type_id.choices = _type_choices()
    if form.validate_on_submit():
        initiative_type = db.session.get(InitiativeType, form.type_id.data)
        try:
            initiative = services.create_initiative(
                current_user,
                initiative_type,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                topic=form.topic.data,
                duration_days=form.duration_days.data,
            )
        except services.InitiativeError as exc:
            target = form.duration_days if exc.code == "duration_range" else form.title
            target.errors.append(error_message(exc))
        else:
            db.session.commit()
            flash(_("Your draft is saved. Invite co-authors, then submit it for review."), "success")
            return redirect(url_for("initiatives.show", initiative_id=initiative.id))
    return render_template("initiatives/edit.html", form=form, initiative=None), 422 if form.errors else 200


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not permissions.can_edit(current_user, initiative):
        abort(403)
    form = forms.InitiativeForm(obj=initiative)
    form.type_id.choices = [SelectChoice(initiative.type_id, localized(initiative.type, "name"))]
    if form.validate_on_submit():
        try:
            services.update_initiative(
                initiative,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                topic=form.topic.data,
                duration_days=form.duration_days.data,
            )
        except services.InitiativeError as exc:
            target = form.duration_days if exc.code == "duration_range" else form.title
            target.errors.append(error_message(exc))
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("initiatives.show", initiative_id=initiative.id))
    return render_template(
        "initiatives/edit.html", form=form, initiative=initiative
    ), 422 if form.errors else 200


@bp.post("/<int:initiative_id>/invite")
@login_required
@limiter.limit("30 per hour")
def invite(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not permissions.can_edit(current_user, initiative):
        abort(403)
    form = forms.InviteForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return render_template("initiatives/show.html", **_show_context(initiative)), 422
    try:
        services.invite_coauthor(initiative, current_user, form.email.data)
    except services.InitiativeError as exc:
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("The invitation is sent. It is valid for 15 days."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    if request.method == "GET":
        return render_template("initiatives/invitation.html", token=token)
    try:
        initiative = services.accept_invitation(token, current_user)
    except services.InitiativeError as exc:
        return render_template(
            "initiatives/invitation.html", token=token, error=error_message(exc)
        ), ERROR_STATUS.get(exc.code, 400)
    db.session.commit()
    flash(_("You are now a co-author of this initiative."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


def _transition(initiative_id: int, allowed, action, message: str):
    initiative = _initiative_or_404(initiative_id)
    if not allowed(initiative):
        abort(403)
    try:
        action(initiative)
    except services.InitiativeError as exc:
        return _refuse(initiative, exc)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/<int:initiative_id>/submit")
@login_required
def submit(initiative_id: int):
    return _transition(
        initiative_id,
        lambda i: permissions.is_author(current_user, i),
        lambda i: services.submit(i, current_user, db.utcnow()),
        _("Submitted. A moderator will check it against the published rules."),
    )


@bp.post("/<int:initiative_id>/withdraw")
@login_required
def withdraw(initiative_id: int):
    return _transition(
        initiative_id,
        lambda i: permissions.is_author(current_user, i),
        lambda i: services.withdraw(i, current_user, db.utcnow()),
        _("The initiative is withdrawn."),
    )


@bp.post("/<int:initiative_id>/hand-over")
@login_required
def hand_over(initiative_id: int):
    return _transition(
        initiative_id,
        lambda i: permissions.is_author(current_user, i),
        lambda i: services.hand_over(i, current_user, db.utcnow()),
        _("The initiative is handed over to the receiving organisation."),
    )


# --- review ------------------------------------------------------------------------------------


@bp.get("/review")
@login_required
def review():
    if not is_moderator(current_user):
        abort(403)
    return render_template("initiatives/review.html", initiatives=queries.review_queue())


@bp.post("/<int:initiative_id>/approve")
@login_required
def approve(initiative_id: int):
    return _transition(
        initiative_id,
        lambda i: is_moderator(current_user),
        lambda i: services.approve(i, current_user, db.utcnow()),
        _("Approved. The initiative is collecting signatures."),
    )


@bp.post("/<int:initiative_id>/return")
@login_required
def return_to_authors(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not is_moderator(current_user):
        abort(403)
    form = forms.ReturnForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return render_template("initiatives/show.html", **_show_context(initiative)), 422
    try:
        services.return_to_authors(initiative, current_user, form.reason.data, form.note.data or "")
    except services.InitiativeError as exc:
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("Returned to the authors with your reason."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


# --- signing ------------------------------------------------------------------------------------


@bp.route("/<int:initiative_id>/sign", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def sign(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    form = forms.SignForm()
    now = db.utcnow()
    refusal = None
    try:
        services.check_can_sign(initiative, current_user, now)
        # On POST the database's unique constraints say "already signed" (services.sign);
        # the page only looks first, to show it before the form is filled in.
        if request.method == "GET" and services.signature_of(initiative, current_user) is not None:
            raise services.InitiativeError("already_signed")
    except services.InitiativeError as exc:
        refusal = exc
    if refusal is not None:
        return render_template(
            "initiatives/sign.html", initiative=initiative, form=form, refusal=error_message(refusal)
        ), ERROR_STATUS.get(refusal.code, 422)
    if request.method == "POST" and form.validate_on_submit():
        needs_details = initiative.type.requires_personal_details
        if needs_details and not (form.full_name.data or "").strip():
            form.full_name.errors.append(error_message(services.InitiativeError("full_name_invalid")))
        elif needs_details and not (form.national_id.data or "").strip():
            form.national_id.errors.append(_("Please enter your national ID number."))
        else:
            try:
                _signature_id, code = services.sign(
                    initiative,
                    current_user,
                    now,
                    consent=form.consent.data,
                    show_name=form.show_name.data,
                    full_name=form.full_name.data,
                    national_id=form.national_id.data,
                )
            except NationalIdError as exc:
                form.national_id.errors.append(national_id_message(exc.code))
            except services.InitiativeError as exc:
                if exc.code in ("full_name_invalid",):
                    form.full_name.errors.append(error_message(exc))
                elif exc.code == "national_id_mismatch":
                    form.national_id.errors.append(error_message(exc))
                else:
                    db.session.rollback()
                    return render_template(
                        "initiatives/sign.html", initiative=initiative, form=form, refusal=error_message(exc)
                    ), ERROR_STATUS.get(exc.code, 422)
            else:
                db.session.commit()
                response = Response(
                    render_template("initiatives/signed.html", initiative=initiative, receipt_code=code)
                )
                response.headers["Cache-Control"] = "no-store"
                return response
    status = 422 if request.method == "POST" else 200
    return render_template("initiatives/sign.html", initiative=initiative, form=form, refusal=None), status


@bp.post("/<int:initiative_id>/unsign")
@login_required
def unsign(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    try:
        services.withdraw_signature(initiative, current_user, db.utcnow())
    except services.InitiativeError as exc:
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("Your signature is withdrawn. You can sign again while the initiative is collecting."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


# --- receiving organisation -------------------------------------------------------------------------


@bp.post("/<int:initiative_id>/paper")
@login_required
def paper(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    now = db.utcnow()
    if not permissions.is_receiver(current_user, initiative):
        abort(403)
    form = forms.PaperBatchForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return render_template("initiatives/show.html", **_show_context(initiative)), 422
    try:
        services.record_paper_batch(
            initiative,
            current_user,
            count=form.count.data,
            received_on=form.received_on.data,
            note=form.note.data,
            now=now,
        )
    except services.InitiativeError as exc:
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("The paper signatures are recorded."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/<int:initiative_id>/export.csv")
@login_required
@limiter.limit("10 per hour")
def export(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not permissions.can_export(current_user, initiative):
        abort(403)
    body = services.export_signatures(initiative, current_user, db.utcnow())
    db.session.commit()
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="initiative-{initiative_id}-signatures.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:initiative_id>/timeline")
@login_required
def add_timeline(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not permissions.can_add_timeline(current_user, initiative):
        abort(403)
    form = forms.TimelineForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return render_template("initiatives/show.html", **_show_context(initiative)), 422
    files = [f for f in request.files.getlist("documents") if f and f.filename]
    try:
        services.add_timeline_event(initiative, current_user, form.code.data, form.text.data, files)
    except services.InitiativeError as exc:
        db.session.rollback()
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("The step is added to the public timeline."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/<int:initiative_id>/response")
@login_required
def respond(initiative_id: int):
    initiative = _initiative_or_404(initiative_id)
    if not permissions.can_respond(current_user, initiative):
        abort(403)
    form = forms.ResponseForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return render_template("initiatives/show.html", **_show_context(initiative)), 422
    files = [f for f in request.files.getlist("documents") if f and f.filename]
    try:
        services.record_response(initiative, current_user, form.text.data, files, db.utcnow())
    except services.InitiativeError as exc:
        db.session.rollback()
        return _refuse(initiative, exc)
    db.session.commit()
    flash(_("The response is published."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/<int:initiative_id>/close")
@login_required
def close(initiative_id: int):
    return _transition(
        initiative_id,
        lambda i: permissions.is_receiver(current_user, i),
        lambda i: services.close(i, current_user, db.utcnow()),
        _("The initiative is closed."),
    )


# --- types (site administrators) ----------------------------------------------------------------


def _type_form(obj=None) -> forms.TypeForm:
    form = forms.TypeForm(obj=obj)
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_th)).all()
    form.organisation_id.choices = [SelectChoice(o.id, localized(o, "name")) for o in organisations]
    return form


@bp.get("/types")
@login_required
def types():
    if not permissions.can_manage_types(current_user):
        abort(403)
    rows = db.session.scalars(select(InitiativeType).order_by(InitiativeType.id)).all()
    return render_template("initiatives/types.html", types=rows)


@bp.route("/types/new", methods=["GET", "POST"], defaults={"type_id": None})
@bp.route("/types/<int:type_id>", methods=["GET", "POST"])
@login_required
def edit_type(type_id: int | None):
    if not permissions.can_manage_types(current_user):
        abort(403)
    initiative_type = db.session.get(InitiativeType, type_id) if type_id else None
    if type_id and initiative_type is None:
        abort(404)
    form = _type_form(initiative_type)
    if initiative_type is not None and request.method == "GET":
        form.min_identity_level.data = initiative_type.min_identity_level.value
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        try:
            services.save_type(
                initiative_type,
                slug=form.slug.data,
                name_th=form.name_th.data,
                name_en=form.name_en.data,
                organisation=organisation,
                threshold=form.threshold.data,
                max_days=form.max_days.data,
                min_identity_level=SignerLevel(form.min_identity_level.data),
                requires_personal_details=form.requires_personal_details.data,
                response_days=form.response_days.data,
                legal_basis=form.legal_basis.data,
                active=form.active.data,
            )
        except services.InitiativeError as exc:
            form.slug.errors.append(error_message(exc))
        else:
            db.session.commit()
            flash(_("The initiative type is saved."), "success")
            return redirect(url_for("initiatives.types"))
    return render_template("initiatives/type_form.html", form=form, initiative_type=initiative_type), (
        422 if form.errors else 200
    )


# --- commands: participation initiatives ... -----------------------------------------------------


@bp.cli.command("reconcile")
def reconcile_command() -> None:
    """Prove every public count equals the valid signatures plus paper batches (exit 1 if not)."""
    rows = services.reconcile()
    bad = [r for r in rows if not r.ok]
    for row in bad:
        click.echo(
            f"MISMATCH initiative {row.initiative_id}: shown {row.shown}, actual {row.actual}", err=True
        )
    if bad:
        sys.exit(1)
    click.echo(f"OK: {len(rows)} initiatives, every count matches its signatures.")


@bp.cli.command("refresh")
def refresh_command() -> None:
    """Write count checkpoints now (the worker does this every few seconds)."""
    changed = services.refresh_counts(db.utcnow())
    db.session.commit()
    click.echo(f"{changed} initiatives refreshed.")


@bp.cli.command("purge-personal-data")
def purge_command() -> None:
    """Erase signers' names and national IDs after the retention period (counts stay)."""
    done = services.purge_personal_data(db.utcnow())
    db.session.commit()
    click.echo(f"Personal details erased for {done} initiatives.")


@bp.cli.command("seed-types")
@click.option(
    "--parliament", "parliament_slug", required=True, help="Organisation receiving bills and amendments."
)
@click.option("--agency", "agency_slug", required=True, help="Organisation receiving petitions.")
def seed_types_command(parliament_slug: str, agency_slug: str) -> None:
    """Create the standard types (bill s.133, amendment s.256, petition) if missing."""
    found = {}
    for slug in (parliament_slug, agency_slug):
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise click.ClickException(f"no organisation {slug}")
        found[slug] = organisation
    created = services.seed_standard_types(found[parliament_slug], found[agency_slug])
    db.session.commit()
    click.echo("Types: " + ", ".join(t.slug for t in created))
