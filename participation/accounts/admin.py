"""Site administration: organisations, staff memberships, platform roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from participation import db
from participation.accounts import forms, permissions, services
from participation.accounts.models import MembershipRole, Organisation, OrganisationKind, User
from participation.accounts.views import account_error_message
from participation.i18n import _

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organisation_or_404(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        abort(404)
    return organisation


@bp.get("/")
@login_required
def index():
    if not permissions.can_manage_organisations(current_user):
        abort(403)
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_th)).all()
    staff = db.session.scalars(
        select(User).where((User.is_admin == True) | (User.is_moderator == True))  # noqa: E712
    ).all()
    return render_template(
        "admin/index.html",
        organisations=organisations,
        staff=staff,
        organisation_form=forms.OrganisationForm(formdata=None),
        roles_form=forms.PlatformRolesForm(formdata=None),
    )


@bp.post("/organisations")
@login_required
def create_organisation():
    if not permissions.can_manage_organisations(current_user):
        abort(403)
    form = forms.OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                slug=form.slug.data,
                name_th=form.name_th.data,
                name_en=form.name_en.data or None,
                kind=OrganisationKind(form.kind.data),
                contact=form.contact.data or None,
            )
        except services.AccountError as exc:
            form.slug.errors.append(account_error_message(exc.code))
        else:
            db.session.commit()
            flash(_("The organisation is created."), "success")
            return redirect(url_for("admin.organisation", slug=organisation.slug))
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_th)).all()
    return render_template(
        "admin/index.html",
        organisations=organisations,
        staff=[],
        organisation_form=form,
        roles_form=forms.PlatformRolesForm(formdata=None),
    ), 422


@bp.get("/organisations/<slug>")
@login_required
def organisation(slug: str):
    organisation = _organisation_or_404(slug)
    if not permissions.can_manage_members(current_user, organisation):
        abort(403)
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        member_form=forms.MemberForm(formdata=None),
        edit_form=forms.OrganisationForm(obj=organisation, formdata=None),
    )


@bp.post("/organisations/<slug>/edit")
@login_required
def edit_organisation(slug: str):
    organisation = _organisation_or_404(slug)
    if not permissions.can_manage_organisations(current_user):
        abort(403)
    form = forms.OrganisationForm()
    form.slug.data = organisation.slug  # the address of an organisation never changes
    if form.validate_on_submit():
        organisation.name_th = form.name_th.data
        organisation.name_en = form.name_en.data or None
        organisation.kind = OrganisationKind(form.kind.data)
        organisation.contact = form.contact.data or None
        db.session.commit()
        flash(_("The organisation is saved."), "success")
        return redirect(url_for("admin.organisation", slug=slug))
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        member_form=forms.MemberForm(formdata=None),
        edit_form=form,
    ), 422


@bp.post("/organisations/<slug>/members")
@login_required
def add_member(slug: str):
    organisation = _organisation_or_404(slug)
    if not permissions.can_manage_members(current_user, organisation):
        abort(403)
    form = forms.MemberForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is None or user.is_deleted:
            form.email.errors.append(
                _("No account uses this email address. Ask the person to register first.")
            )
        else:
            services.set_membership(user, organisation, MembershipRole(form.role.data))
            db.session.commit()
            flash(_("The staff member is saved."), "success")
            return redirect(url_for("admin.organisation", slug=slug))
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        member_form=form,
        edit_form=forms.OrganisationForm(obj=organisation, formdata=None),
    ), 422


@bp.post("/organisations/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug: str, user_id: int):
    organisation = _organisation_or_404(slug)
    if not permissions.can_manage_members(current_user, organisation):
        abort(403)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    services.set_membership(user, organisation, None)
    db.session.commit()
    flash(_("The staff member is removed."), "success")
    return redirect(url_for("admin.organisation", slug=slug))


@bp.post("/roles")
@login_required
def set_roles():
    if not permissions.is_site_admin(current_user):
        abort(403)
    form = forms.PlatformRolesForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is None or user.is_deleted:
            flash(_("No account uses this email address."), "error")
        elif user.id == current_user.id and not form.admin.data:
            flash(_("You cannot remove your own administrator role."), "error")
        else:
            services.set_platform_roles(user, moderator=form.moderator.data, admin=form.admin.data)
            db.session.commit()
            flash(_("The roles are saved."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("admin.index"))
