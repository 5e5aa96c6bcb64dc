"""Hearing pages: the public list and page, staff pages, questionnaire, report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from participation import db, subjects
from participation import text as user_text
from participation.accounts.models import Organisation
from participation.comments.queries import part_arg
from participation.comments.registry import CommentPolicy, register_policy
from participation.extensions import limiter
from participation.hearings import attachments as files
from participation.hearings import forms, permissions, queries, services
from participation.hearings.drafting import compare_versions
from participation.hearings.models import (
    Hearing,
    HearingAttachment,
    HearingKind,
    HearingQuestion,
    HearingSection,
    HearingStatus,
    LawType,
    QuestionKind,
    SectionKind,
)
from participation.i18n import _, _l, localized, ngettext
from participation.identity import IdentityLevel
from participation.web.csv import csv_response
from participation.web.page_cache import for_anonymous_readers
from participation.web.query import int_arg

bp = Blueprint("hearings", __name__, url_prefix="/hearings")


# -- registration with the generic parts of the platform ------------------------


def _load_public(hearing_id: int) -> Hearing | None:
    hearing = db.session.get(Hearing, hearing_id)
    return hearing if hearing is not None and hearing.status != HearingStatus.draft else None


def _parts(hearing: Hearing) -> list[tuple[int, str]]:
    """The sections one may comment on: those of the latest published version."""
    return [
        (s.id, s.label) for s in services.current_version(hearing).sections if s.kind == SectionKind.section
    ]


subjects.register(
    subjects.SubjectType(
        name="hearing",
        label=_l("Hearing"),
        load=_load_public,
        title=lambda h: localized(h, "title"),
        url=lambda h: url_for("hearings.show", hearing_id=h.id),
        organisation_id=lambda h: h.organisation_id,
    )
)
register_policy(
    CommentPolicy(
        subject_type="hearing",
        is_open=lambda h: h.status_at(db.utcnow()) == HearingStatus.open,
        premoderated=lambda h: h.premoderated,
        required_level=lambda h: IdentityLevel(h.required_level),
        parts=_parts,
        extra_fields=True,
    )
)


@bp.app_context_processor
def _predicates():
    return {
        **permissions.TEMPLATE_PREDICATES,
        "hearing_status_label": status_label,
        "law_type_label": law_type_label,
        "hearing_kind_label": kind_label,
        "outcome_label": outcome_label,
        "hearing_position_label": position_label,
        "hearing_group_label": group_label,
        "plain_text": user_text.plain,
        "markdown_text": user_text.render_markdown,
    }


# -- labels and messages ------------------------------------------------------------


def status_label(status) -> str:
    value = getattr(status, "value", status)
    return {
        "draft": _("Draft (not public)"),
        "scheduled": _("Scheduled"),
        "open": _("Open for comments"),
        "closed": _("Closed: the agency is answering comments"),
        "report_published": _("Report published"),
    }.get(value, value)


def law_type_label(law_type) -> str:
    return dict(forms.law_type_choices()).get(getattr(law_type, "value", law_type), str(law_type))


def kind_label(kind) -> str:
    return dict(forms.kind_choices()).get(getattr(kind, "value", kind), str(kind))


def outcome_label(outcome) -> str:
    return dict(forms.outcome_choices()).get(getattr(outcome, "value", outcome), str(outcome))


def position_label(position) -> str:
    value = getattr(position, "value", position)
    return {
        "agree": _("Agree"),
        "disagree": _("Disagree"),
        "suggest_change": _("Suggest a change"),
        None: _("No position given"),
    }.get(value, str(value))


def group_label(group) -> str:
    value = getattr(group, "value", group)
    return {
        "citizen": _("Citizen"),
        "private_sector": _("Private sector"),
        "civil_society": _("Civil society"),
        "academia": _("Academia"),
        "government": _("Government"),
        None: _("Not stated"),
    }.get(value, str(value))


def error_message(exc: services.HearingError) -> str:
    p = exc.params
    messages = {
        "dates_order": _("The closing time must be after the opening time."),
        "too_short": ngettext(
            "A hearing must stay open for at least %(num)d day.",
            "A hearing must stay open for at least %(num)d days.",
            p.get("days", 15),
        ),
        "too_long": _("This text is too long (at most %(limit)s characters).", limit=p.get("limit")),
        "required": _("Please fill in every required field."),
        "not_draft": _("This hearing is no longer a draft. Move it back to draft before changing it."),
        "not_scheduled": _("Only a scheduled hearing that has not opened yet can go back to draft."),
        "not_open": _("This hearing is not open."),
        "not_later": _("An extension must move the closing time later; a hearing is never shortened."),
        "no_sections": _("The text has no section. Sections start with a line such as “มาตรา ๑”."),
        "empty_section": _("%(label)s has no text. Every section needs its text.", label=p.get("label", "")),
        "empty_heading": _("A chapter heading needs a number or a title."),
        "section_too_long": _(
            "%(label)s is too long (at most %(limit)s characters).",
            label=p.get("label", ""),
            limit=p.get("limit"),
        ),
        "frozen": _("This text is published and can no longer change. Publish a new version instead."),
        "not_started": _("A new version can be published only once the hearing has opened."),
        "version_pending": _("A new version is already being prepared. Publish or discard it first."),
        "attachment_empty": _("The file is empty."),
        "attachment_too_large": _("The file is too large (at most %(limit)s MB).", limit=p.get("limit")),
        "attachment_type": _(
            "This file is not a PDF, DOCX or ODT document. The file's content was checked, not its name."
        ),
        "few_choices": _("Please give at least two different choices, one per line."),
        "bad_choice": _("Please choose among the answers offered."),
        "one_choice": _("Please choose exactly one answer to this question."),
        "no_answer": _("Please answer at least one question."),
        "sign_in": _("Please sign in to take part."),
        "identity": _("This hearing needs a stronger proof of identity. See your account page."),
        "not_closed": _(
            "This can be done only after the hearing has closed and before the report is published."
        ),
        "no_comments": _("Please choose at least one comment."),
        "bad_comment": _("One of the comments does not belong to this hearing or cannot be answered."),
        "bad_section": _("Please choose a section of a revised version of this hearing."),
        "undisposed": ngettext(
            "The report cannot be published yet: %(num)d comment has no answer.",
            "The report cannot be published yet: %(num)d comments have no answer.",
            p.get("count", 0),
        ),
    }
    return messages.get(exc.code, _("The request could not be completed."))


# -- loading and checking ------------------------------------------------------------


def _hearing(hearing_id: int) -> Hearing:
    """The hearing if the reader may see it; 404 otherwise (drafts stay unknown)."""
    hearing = queries.load_hearing(hearing_id)
    if hearing is None or not permissions.can_view_hearing(current_user, hearing):
        abort(404)
    return hearing


def _managed(hearing_id: int) -> Hearing:
    hearing = _hearing(hearing_id)
    if not permissions.can_manage_hearing(current_user, hearing):
        abort(403)
    return hearing


def _editable(hearing_id: int) -> Hearing:
    hearing = _managed(hearing_id)
    if not permissions.can_edit_hearing(current_user, hearing):
        flash(_("This hearing is no longer a draft. Move it back to draft before changing it."), "error")
        abort(redirect(url_for("hearings.show", hearing_id=hearing.id)))
    return hearing


def _staff_organisations() -> list[Organisation]:
    return sorted((m.organisation for m in current_user.memberships), key=lambda o: o.name_th)


def _all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name_th)))


# -- public pages ------------------------------------------------------------------------


@bp.get("/")
@for_anonymous_readers
def index():
    now = db.utcnow()
    status = request.args.get("status") or None
    law_type = request.args.get("law_type") or None
    org_slug = request.args.get("organisation") or None
    if status not in (None, *[s.value for s in HearingStatus if s != HearingStatus.draft]):
        abort(400)
    if law_type not in (None, *[t.value for t in LawType]):
        abort(400)
    organisations = _all_organisations()
    organisation = next((o for o in organisations if o.slug == org_slug), None)
    if org_slug and organisation is None:
        abort(404)
    page = int_arg("page", 1, minimum=1)
    listing = queries.public_hearings(
        now,
        status=status,
        organisation_id=organisation.id if organisation else None,
        law_type=law_type,
        page=page,
    )
    return render_template(
        "hearings/index.html",
        listing=listing,
        now=now,
        organisations=organisations,
        filters={"status": status, "law_type": law_type, "organisation": org_slug},
        statuses=[s for s in HearingStatus if s != HearingStatus.draft],
        law_types=forms.law_type_choices(),
        days_left=queries.days_left,
        mine=queries.staff_hearings(current_user) if permissions.can_create_hearing(current_user) else [],
    )


def _page_context(hearing: Hearing, now):
    from participation.comments.queries import counts

    version = services.current_version(hearing)
    return {
        "hearing": hearing,
        "now": now,
        "state": hearing.status_at(now),
        "version": version,
        "versions": services.published_versions(hearing),
        "working": services.working_version(hearing),
        "counts": counts("hearing", hearing.id),
        "days_left": queries.days_left(hearing, now),
        "refusal": permissions.participation_refusal(current_user, hearing, now),
    }


@bp.get("/<int:hearing_id>")
@for_anonymous_readers
def show(hearing_id: int):
    from participation.comments import queries as comment_queries

    hearing = _hearing(hearing_id)
    now = db.utcnow()
    context = _page_context(hearing, now)
    page = (
        comment_queries.stream_for_request("hearing", hearing.id)
        if hearing.status != HearingStatus.draft
        else None
    )
    return render_template(
        "hearings/show.html",
        **context,
        # Forms only for signed-in readers: a form makes a CSRF token, which would make
        # the page personal and keep it out of the page cache.
        new_comment_form=_comment_form(hearing) if current_user.is_authenticated else None,
        more_url=_more_url(page),
        results=queries.questionnaire_results(hearing),
        stream=page,
        section=None,
        extend_form=forms.ExtendForm() if current_user.is_authenticated else None,
    )


def _more_url(page) -> str | None:
    """The next page of a comment stream, keeping the reader's filters."""
    if page is None or not page.next_cursor:
        return None
    args = {k: v for k, v in request.args.items() if k != "cursor"}
    return url_for(request.endpoint, **request.view_args, **args, cursor=page.next_cursor) + "#comments"


def _comment_form(hearing: Hearing, section: HearingSection | None = None):
    from participation.comments.views import comment_form_for

    form = comment_form_for("hearing", hearing)
    if section is not None and getattr(form, "part_id", None) is not None:
        form.part_id.data = section.id
    return form


@bp.get("/<int:hearing_id>/sections/<int:section_id>")
def section(hearing_id: int, section_id: int):
    from participation.comments import queries as comment_queries

    hearing = _hearing(hearing_id)
    found = db.session.get(HearingSection, section_id)
    if found is None or found.version.hearing_id != hearing.id:
        abort(404)
    if not found.version.is_published and not permissions.can_manage_hearing(current_user, hearing):
        abort(404)
    now = db.utcnow()
    page = comment_queries.stream_for_request(
        "hearing", hearing.id, default_part=found.id, part_from_query=False
    )
    return render_template(
        "hearings/section.html",
        **_page_context(hearing, now),
        section=found,
        stream=page,
        new_comment_form=_comment_form(hearing, found),
        more_url=_more_url(page),
    )


@bp.get("/<int:hearing_id>/versions/<int:number>")
def version(hearing_id: int, number: int):
    hearing = _hearing(hearing_id)
    found = next((v for v in hearing.versions if v.number == number), None)
    if found is None or (
        not found.is_published and not permissions.can_manage_hearing(current_user, hearing)
    ):
        abort(404)
    return render_template(
        "hearings/version.html", hearing=hearing, shown=found, versions=services.published_versions(hearing)
    )


@bp.get("/<int:hearing_id>/compare")
def compare(hearing_id: int):
    hearing = _hearing(hearing_id)
    manager = permissions.can_manage_hearing(current_user, hearing)
    visible = [v for v in hearing.versions if v.is_published or manager]
    if len(visible) < 2:
        abort(404)
    by_number = {v.number: v for v in visible}
    old = by_number.get(int_arg("from") or visible[-2].number)
    new = by_number.get(int_arg("to") or visible[-1].number)
    if old is None or new is None or old is new:
        abort(404)
    return render_template(
        "hearings/compare.html",
        hearing=hearing,
        old=old,
        new=new,
        versions=visible,
        diffs=compare_versions(old.sections, new.sections),
    )


@bp.get("/<int:hearing_id>/attachments/<int:attachment_id>")
def attachment(hearing_id: int, attachment_id: int):
    hearing = _hearing(hearing_id)
    found = db.session.get(HearingAttachment, attachment_id)
    if found is None or found.hearing_id != hearing.id:
        abort(404)
    try:
        path = files.path_of(found.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.filename, max_age=3600
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


# -- the questionnaire ---------------------------------------------------------------------


def _parse_answers(hearing: Hearing) -> dict[int, tuple[list[int], str]]:
    answers = {}
    for question in hearing.questions:
        raw = request.form.getlist(f"q{question.id}")
        try:
            chosen = [int(v) for v in raw if v]
        except ValueError:
            raise services.HearingError("bad_choice") from None
        answers[question.id] = (chosen, request.form.get(f"reason{question.id}", ""))
    return answers


@bp.route("/<int:hearing_id>/questionnaire", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def questionnaire(hearing_id: int):
    hearing = _hearing(hearing_id)
    if not hearing.questions:
        abort(404)
    now = db.utcnow()
    form = forms.QuestionnaireForm()
    error = None
    current = queries.answers_of(current_user, hearing)
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.sign_in", next=request.path))
        submitted = _parse_answers(hearing)
        if form.validate():
            try:
                services.answer_questionnaire(hearing, current_user, submitted, now)
            except services.HearingError as exc:
                error = error_message(exc)
            else:
                db.session.commit()
                flash(
                    _("Thank you. Your answers are saved; you can change them until the hearing closes."),
                    "success",
                )
                return redirect(url_for("hearings.questionnaire", hearing_id=hearing.id))
        current = submitted
    status = 422 if (error or form.errors) else 200
    if request.method == "POST" and status == 422 and error and "sign_in" in error:
        status = 403
    return (
        render_template(
            "hearings/questionnaire.html",
            hearing=hearing,
            form=form,
            error=error,
            current=current,
            state=hearing.status_at(now),
            refusal=permissions.participation_refusal(current_user, hearing, now),
            results=queries.questionnaire_results(hearing),
            QuestionKind=QuestionKind,
        ),
        status,
    )


# -- staff: creating and editing -------------------------------------------------------


def _hearing_form(hearing: Hearing | None = None) -> forms.HearingForm:
    form = forms.HearingForm(obj=None)
    form.organisation_id.choices = forms.options((o.id, o.name_th) for o in _staff_organisations())
    form.co_host_ids.choices = forms.options((o.id, o.name_th) for o in _all_organisations())
    if hearing is not None and not form.is_submitted():
        for name in ("title_th", "title_en", "summary_th", "summary_en", "contact"):
            getattr(form, name).data = getattr(hearing, name)
        form.organisation_id.data = hearing.organisation_id
        form.kind.data = hearing.kind.value
        form.law_type.data = hearing.law_type.value
        form.co_host_ids.data = sorted(hearing.co_host_ids)
        form.opens_at.data = forms.utc_to_local(hearing.opens_at)
        form.closes_at.data = forms.utc_to_local(hearing.closes_at)
        form.required_level.data = str(hearing.required_level)
        form.premoderated.data = hearing.premoderated
    return form


def _hearing_values(form: forms.HearingForm) -> dict:
    return {
        "title_th": form.title_th.data,
        "title_en": form.title_en.data,
        "summary_th": form.summary_th.data,
        "summary_en": form.summary_en.data,
        "kind": HearingKind(form.kind.data),
        "law_type": LawType(form.law_type.data),
        "contact": form.contact.data,
        "opens_at": forms.local_to_utc(form.opens_at.data),
        "closes_at": forms.local_to_utc(form.closes_at.data),
        "co_host_ids": form.co_host_ids.data or [],
        "required_level": int(form.required_level.data or 1),
        "premoderated": form.premoderated.data,
    }


def _uploaded(field) -> tuple[str, bytes] | None:
    storage = field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return storage.filename, storage.read()


def _field_for(code: str, params: dict) -> str | None:
    if code in ("dates_order", "too_short"):
        return "closes_at"
    if code.startswith("attachment_"):
        return "attachment"
    if code in ("too_long", "required"):
        return params.get("field")
    return None


def _attach_error(form, exc: services.HearingError) -> None:
    name = _field_for(exc.code, exc.params)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = (
            [*field.errors, error_message(exc)] if isinstance(field.errors, list) else [error_message(exc)]
        )
    else:
        form.form_errors.append(error_message(exc))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_create_hearing(current_user):
        abort(403)
    form = _hearing_form()
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        if organisation is None or not permissions.can_create_hearing(current_user, organisation):
            abort(403)
        upload = _uploaded(form.attachment)
        try:
            hearing = services.create_hearing(
                organisation=organisation, actor=current_user, **_hearing_values(form)
            )
            stored = services.add_attachment(hearing, *upload, current_user, db.utcnow()) if upload else None
        except services.HearingError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            try:
                db.session.commit()
            except Exception:
                if stored is not None:
                    files.remove(stored.stored_name)
                raise
            flash(_("The hearing is saved as a draft. Now add the text of the draft."), "success")
            return redirect(url_for("hearings.text", hearing_id=hearing.id))
    return render_template("hearings/form.html", form=form, hearing=None), 422 if form.is_submitted() else 200


@bp.route("/<int:hearing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hearing_id: int):
    hearing = _editable(hearing_id)
    form = _hearing_form(hearing)
    form.organisation_id.choices = forms.options([(hearing.organisation_id, hearing.organisation.name_th)])
    if form.validate_on_submit():
        upload = _uploaded(form.attachment)
        try:
            services.update_hearing(hearing, **_hearing_values(form))
            if upload:
                services.add_attachment(hearing, *upload, current_user, db.utcnow())
        except services.HearingError as exc:
            db.session.rollback()
            _attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("hearings.show", hearing_id=hearing.id))
    return render_template(
        "hearings/form.html", form=form, hearing=hearing
    ), 422 if form.is_submitted() else 200


@bp.route("/<int:hearing_id>/text", methods=["GET", "POST"])
@login_required
def text(hearing_id: int):
    hearing = _managed(hearing_id)
    working = services.working_version(hearing)
    form = forms.TextForm()
    add_form = forms.AddSectionForm(prefix="add")
    publish_form = forms.PublishVersionForm(prefix="publish")
    if request.method == "POST":
        if working is None:
            abort(409)
        if form.validate_on_submit():
            try:
                services.replace_sections(working, form.text.data)
            except services.HearingError as exc:
                db.session.rollback()
                form.text.errors = [error_message(exc)]
            else:
                db.session.commit()
                flash(_("The text is saved: %(num)d parts.", num=len(working.sections)), "success")
                return redirect(url_for("hearings.text", hearing_id=hearing.id))
    return (
        render_template(
            "hearings/text.html",
            hearing=hearing,
            working=working,
            form=form,
            add_form=add_form,
            publish_form=publish_form,
            state=hearing.status_at(db.utcnow()),
        ),
        422 if form.errors else 200,
    )


def _working_section(hearing: Hearing, section_id: int) -> HearingSection:
    found = db.session.get(HearingSection, section_id)
    working = services.working_version(hearing)
    if found is None or working is None or found.version_id != working.id:
        abort(404)
    return found


@bp.route("/<int:hearing_id>/text/sections/<int:section_id>", methods=["GET", "POST"])
@login_required
def edit_section(hearing_id: int, section_id: int):
    hearing = _managed(hearing_id)
    found = _working_section(hearing, section_id)
    form = forms.SectionForm(obj=found)
    if form.validate_on_submit():
        try:
            services.update_section(
                found,
                prefix=form.prefix.data,
                number=form.number.data,
                heading=form.heading.data,
                body=form.body.data,
            )
        except services.HearingError as exc:
            db.session.rollback()
            form.body.errors = [error_message(exc)]
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("hearings.text", hearing_id=hearing.id) + f"#part-{found.id}")
    return render_template("hearings/section_form.html", hearing=hearing, section=found, form=form), (
        422 if form.errors else 200
    )


@bp.post("/<int:hearing_id>/text/sections")
@login_required
def add_section(hearing_id: int):
    hearing = _managed(hearing_id)
    working = services.working_version(hearing)
    if working is None:
        abort(409)
    form = forms.AddSectionForm(prefix="add")
    if form.validate_on_submit():
        try:
            services.add_section(
                working,
                kind=form.kind.data,
                prefix=form.prefix.data,
                number=form.number.data,
                heading=form.heading.data,
                body=form.body.data,
            )
        except services.HearingError as exc:
            db.session.rollback()
            form.body.errors = [error_message(exc)]
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("hearings.text", hearing_id=hearing.id))
    return (
        render_template(
            "hearings/text.html",
            hearing=hearing,
            working=working,
            form=forms.TextForm(formdata=None),
            add_form=form,
            publish_form=forms.PublishVersionForm(prefix="publish", formdata=None),
            state=hearing.status_at(db.utcnow()),
        ),
        422,
    )


@bp.post("/<int:hearing_id>/text/sections/<int:section_id>/delete")
@login_required
def delete_section(hearing_id: int, section_id: int):
    hearing = _managed(hearing_id)
    services.delete_section(_working_section(hearing, section_id))
    db.session.commit()
    flash(_("The part is removed."), "success")
    return redirect(url_for("hearings.text", hearing_id=hearing.id))


@bp.post("/<int:hearing_id>/versions")
@login_required
def new_version(hearing_id: int):
    hearing = _managed(hearing_id)
    try:
        services.new_version(hearing, current_user, db.utcnow())
    except services.HearingError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("hearings.show", hearing_id=hearing.id)), 409
    db.session.commit()
    flash(_("A new version is ready to edit. The public sees it once you publish it."), "success")
    return redirect(url_for("hearings.text", hearing_id=hearing.id))


@bp.post("/<int:hearing_id>/versions/<int:number>/publish")
@login_required
def publish_version(hearing_id: int, number: int):
    hearing = _managed(hearing_id)
    working = services.working_version(hearing)
    if working is None or working.number != number:
        abort(404)
    form = forms.PublishVersionForm(prefix="publish")
    if form.validate_on_submit():
        try:
            services.publish_version(working, form.note.data, current_user, db.utcnow())
        except services.HearingError as exc:
            db.session.rollback()
            form.note.errors = [error_message(exc)]
        else:
            db.session.commit()
            flash(_("Version %(num)d is published.", num=number), "success")
            return redirect(url_for("hearings.compare", hearing_id=hearing.id))
    return (
        render_template(
            "hearings/text.html",
            hearing=hearing,
            working=working,
            form=forms.TextForm(formdata=None),
            add_form=forms.AddSectionForm(prefix="add", formdata=None),
            publish_form=form,
            state=hearing.status_at(db.utcnow()),
        ),
        422,
    )


@bp.post("/<int:hearing_id>/versions/<int:number>/discard")
@login_required
def discard_version(hearing_id: int, number: int):
    hearing = _managed(hearing_id)
    working = services.working_version(hearing)
    if working is None or working.number != number or number == 1:
        abort(404)
    services.discard_version(working)
    db.session.commit()
    flash(_("The unpublished version is discarded."), "success")
    return redirect(url_for("hearings.show", hearing_id=hearing.id))


@bp.post("/<int:hearing_id>/attachments")
@login_required
def add_attachment(hearing_id: int):
    hearing = _managed(hearing_id)
    form = forms.AttachmentForm()
    if form.validate_on_submit():
        upload = _uploaded(form.attachment)
        if upload is None:
            form.attachment.errors = [_("Please choose a file.")]
        else:
            try:
                services.add_attachment(hearing, *upload, current_user, db.utcnow())
            except services.HearingError as exc:
                db.session.rollback()
                form.attachment.errors = [error_message(exc)]
            else:
                db.session.commit()
                flash(_("The document is attached."), "success")
                return redirect(url_for("hearings.show", hearing_id=hearing.id) + "#documents")
    return render_template("hearings/attachment_form.html", hearing=hearing, form=form), 422


@bp.get("/<int:hearing_id>/attachments/new")
@login_required
def attachment_form(hearing_id: int):
    hearing = _managed(hearing_id)
    return render_template("hearings/attachment_form.html", hearing=hearing, form=forms.AttachmentForm())


@bp.post("/<int:hearing_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(hearing_id: int, attachment_id: int):
    hearing = _managed(hearing_id)
    found = db.session.get(HearingAttachment, attachment_id)
    if found is None or found.hearing_id != hearing.id:
        abort(404)
    stored_name = found.stored_name
    try:
        services.remove_attachment(found, db.utcnow())
    except services.HearingError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("hearings.show", hearing_id=hearing.id)), 409
    db.session.commit()
    files.remove(stored_name)
    flash(_("The document is removed."), "success")
    return redirect(url_for("hearings.show", hearing_id=hearing.id) + "#documents")


@bp.route("/<int:hearing_id>/questions", methods=["GET", "POST"])
@login_required
def questions(hearing_id: int):
    hearing = _editable(hearing_id)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(
                hearing,
                prompt=form.prompt.data,
                kind=form.kind.data,
                choices=(form.choices.data or "").splitlines(),
                allow_reason=form.allow_reason.data,
            )
        except services.HearingError as exc:
            db.session.rollback()
            (form.choices if exc.code == "few_choices" else form.prompt).errors = [error_message(exc)]
        else:
            db.session.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for("hearings.questions", hearing_id=hearing.id))
    return render_template("hearings/questions.html", hearing=hearing, form=form), 422 if form.errors else 200


@bp.post("/<int:hearing_id>/questions/<int:question_id>/delete")
@login_required
def delete_question(hearing_id: int, question_id: int):
    hearing = _editable(hearing_id)
    found = db.session.get(HearingQuestion, question_id)
    if found is None or found.hearing_id != hearing.id:
        abort(404)
    services.delete_question(found)
    db.session.commit()
    flash(_("The question is removed."), "success")
    return redirect(url_for("hearings.questions", hearing_id=hearing.id))


# -- staff: the life cycle -------------------------------------------------------------------


def _lifecycle(hearing_id: int, action, success: str):
    hearing = _managed(hearing_id)
    try:
        action(hearing, current_user, db.utcnow())
    except services.HearingError as exc:
        db.session.rollback()
        return render_template("hearings/refused.html", hearing=hearing, message=error_message(exc)), 409
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("hearings.show", hearing_id=hearing.id))


@bp.post("/<int:hearing_id>/schedule")
@login_required
def schedule(hearing_id: int):
    return _lifecycle(
        hearing_id, services.schedule, _("The hearing is scheduled. It opens and closes by itself on time.")
    )


@bp.post("/<int:hearing_id>/unschedule")
@login_required
def unschedule(hearing_id: int):
    return _lifecycle(hearing_id, services.unschedule, _("The hearing is back to draft."))


@bp.route("/<int:hearing_id>/extend", methods=["GET", "POST"])
@login_required
def extend(hearing_id: int):
    hearing = _managed(hearing_id)
    form = forms.ExtendForm()
    if not form.is_submitted():
        form.closes_at.data = forms.utc_to_local(hearing.closes_at)
    if form.validate_on_submit():
        try:
            services.extend(
                hearing, forms.local_to_utc(form.closes_at.data), form.reason.data, current_user, db.utcnow()
            )
        except services.HearingError as exc:
            db.session.rollback()
            (form.reason if exc.code in ("required", "too_long") else form.closes_at).errors = [
                error_message(exc)
            ]
        else:
            db.session.commit()
            flash(_("The hearing is extended. The new closing time and the reason are public."), "success")
            return redirect(url_for("hearings.show", hearing_id=hearing.id))
    return render_template(
        "hearings/extend.html", hearing=hearing, form=form
    ), 422 if form.is_submitted() else 200


# -- staff: answering comments and the report -------------------------------------------------


def _revised_sections(hearing: Hearing) -> list[tuple[str, str]]:
    return [("", _("No section changed"))] + [
        (str(s.id), _("Version %(num)d, %(label)s", num=v.number, label=s.label))
        for v in services.published_versions(hearing)
        if v.number > 1
        for s in v.sections
        if s.kind == SectionKind.section
    ]


@bp.route("/<int:hearing_id>/dispositions", methods=["GET", "POST"])
@login_required
def dispositions(hearing_id: int):
    from participation.comments.queries import form_letter_groups

    hearing = _managed(hearing_id)
    now = db.utcnow()
    form = forms.DispositionForm()
    form.changed_section_id.choices = forms.options(_revised_sections(hearing))
    status = 200
    if request.method == "POST":
        try:
            ids = [int(v) for v in request.form.getlist("comment_ids")]
        except ValueError:
            abort(400)
        if form.validate_on_submit():
            try:
                services.dispose(
                    hearing,
                    ids,
                    outcome=form.outcome.data,
                    explanation=form.explanation.data,
                    changed_section_id=_optional_int(form.changed_section_id.data),
                    actor=current_user,
                    now=now,
                )
            except services.HearingError as exc:
                db.session.rollback()
                form.form_errors.append(error_message(exc))
            else:
                db.session.commit()
                flash(
                    ngettext("%(num)d comment answered.", "%(num)d comments answered.", len(ids)), "success"
                )
                return redirect(url_for("hearings.dispositions", hearing_id=hearing.id, **request.args))
        status = 422
    show_all = request.args.get("show") == "all"
    page = queries.report_entries(hearing, after=int_arg("after"), only_undisposed=not show_all)
    groups = [g for g in form_letter_groups("hearing", hearing.id) if len(g.comment_ids) > 1]
    return (
        render_template(
            "hearings/dispositions.html",
            hearing=hearing,
            state=hearing.status_at(now),
            form=form,
            page=page,
            groups=groups,
            show_all=show_all,
            remaining=queries.undisposed_count(hearing),
            sections=_section_labels(hearing),
        ),
        status,
    )


def _optional_int(value) -> int | None:
    if not value or value == "None":
        return None
    try:
        return int(value)
    except ValueError:
        abort(400)


def _section_labels(hearing: Hearing) -> dict[int, HearingSection]:
    return {s.id: s for v in hearing.versions for s in v.sections}


@bp.route("/<int:hearing_id>/report", methods=["GET", "POST"])
def report(hearing_id: int):
    hearing = _hearing(hearing_id)
    now = db.utcnow()
    manager = permissions.can_manage_hearing(current_user, hearing)
    published = hearing.status == HearingStatus.report_published
    if not published and not manager:
        abort(404)
    form = forms.ReportForm()
    status = 200
    if request.method == "POST":
        if not manager:
            abort(403)
        if form.validate_on_submit():
            try:
                if request.form.get("action") == "publish":
                    services.publish_report(hearing, form.summary.data, current_user, now)
                    message = _("The report is published. Every commenter is told.")
                else:
                    services.save_report_summary(hearing, form.summary.data, now)
                    message = _("The summary is saved.")
            except services.HearingError as exc:
                db.session.rollback()
                form.summary.errors = [error_message(exc)]
            else:
                db.session.commit()
                flash(message, "success")
                return redirect(url_for("hearings.report", hearing_id=hearing.id))
        status = 422
    elif hearing.report_summary:
        form.summary.data = hearing.report_summary
    page = queries.report_entries(hearing, after=int_arg("after"), part=part_arg(request.args.get("part")))
    return (
        render_template(
            "hearings/report.html",
            hearing=hearing,
            state=hearing.status_at(now),
            form=form,
            stats=queries.report_statistics(hearing),
            results=queries.questionnaire_results(hearing),
            page=page,
            sections=_section_labels(hearing),
            remaining=queries.undisposed_count(hearing),
            published=published,
        ),
        status,
    )


@bp.get("/<int:hearing_id>/report.csv")
def report_csv(hearing_id: int):
    hearing = _hearing(hearing_id)
    if hearing.status != HearingStatus.report_published:
        abort(404)
    sections = _section_labels(hearing)

    def rows():
        after = None
        while True:
            page = queries.report_entries(hearing, after=after, limit=500)
            for entry in page.entries:
                c, d = entry.comment, entry.disposition
                changed = d.changed_section if d else None
                yield [
                    c.id,
                    url_for("hearings.show", hearing_id=hearing.id, _external=True) + f"#comment-{c.id}",
                    c.created_at,
                    sections[c.part_id].label if c.part_id in sections else _("Whole draft"),
                    position_label(c.position),
                    group_label(c.stakeholder_group),
                    c.on_behalf_of or "",
                    c.body,
                    outcome_label(d.outcome) if d else "",
                    d.explanation if d else "",
                    changed.label if changed else "",
                    changed.body if changed else "",
                ]
            if page.next_after is None:
                return
            after = page.next_after

    header = [
        _("Comment"),
        _("Link"),
        _("Posted at (UTC)"),
        _("Section"),
        _("Position"),
        _("Stakeholder group"),
        _("On behalf of"),
        _("Comment text"),
        _("Outcome"),
        _("Explanation"),
        _("Changed section"),
        _("Changed text"),
    ]
    return csv_response(f"hearing-{hearing.id}-report.csv", header, list(rows()))
