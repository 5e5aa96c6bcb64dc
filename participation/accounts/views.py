"""Register, verify, sign in and out, passwords, settings, identity, deletion."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from participation import db
from participation.accounts import forms, permissions, services
from participation.extensions import limiter
from participation.i18n import LOCALE_COOKIE, _
from participation.identity import NationalIdError
from participation.web.views import safe_next

bp = Blueprint("accounts", __name__)


@bp.app_context_processor
def _predicates():
    return permissions.TEMPLATE_PREDICATES


def account_error_message(code: str) -> str:
    return {
        "token_invalid": _(
            "This link is not valid any more. It may have been used already. Please ask for a new one."
        ),
        "token_expired": _("This link has expired. Please ask for a new one."),
        "wrong_password": _("The password is not correct."),
        "national_id_taken": _(
            "This national ID number is already declared by another account. If it is yours, please contact support; one person may hold only one verified account."
        ),
        "slug_taken": _("This short name is already used by another organisation."),
        "email_taken": _("An account with this email address already exists."),
    }.get(code, _("The request could not be completed."))


def national_id_message(code: str) -> str:
    return {
        "digits": _("A national ID number may contain only digits (dashes and spaces are ignored)."),
        "length": _("A national ID number has exactly 13 digits."),
        "check_digit": _(
            "This number is not a valid national ID: its last (check) digit does not match. Please check for a typing mistake."
        ),
    }[code]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = forms.RegisterForm()
    if form.validate_on_submit():
        services.register(
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            locale=request.cookies.get(LOCALE_COOKIE) or "th",
        )
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.get("/verify/<token>")
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except services.AccountError as exc:
        return render_template("accounts/token_error.html", message=account_error_message(exc.code)), 400
    db.session.commit()
    flash(_("Thank you. Your email address is confirmed."), "success")
    if not current_user.is_authenticated:
        login_user(user)
    return redirect(url_for("accounts.settings"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if current_user.email_verified_at is None and current_user.email:
        services.send_verification(current_user)
        db.session.commit()
    flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("accounts.settings"))


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("30 per 10 minutes", methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = forms.SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInRefused as refused:
            db.session.commit()  # the failure count must persist
            form.password.errors.append(_sign_in_message(refused))
            return render_template(
                "accounts/sign_in.html", form=form
            ), 429 if refused.code != "invalid" else 422
        db.session.commit()
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next"), url_for("web.home")))
    return render_template("accounts/sign_in.html", form=form), 422 if form.errors else 200


def _sign_in_message(refused: services.SignInRefused) -> str:
    if refused.code == "locked":
        minutes = max(1, refused.retry_after // 60)
        return _(
            "Too many failed attempts. Sign-in for this address is paused for %(minutes)d minutes. You can reset your password meanwhile.",
            minutes=minutes,
        )
    if refused.code == "wait":
        return _(
            "Several attempts failed. Please wait %(seconds)d seconds before trying again.",
            seconds=refused.retry_after,
        )
    return _("The email address or the password is not correct.")


@bp.post("/signout")
def sign_out():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.read_token("reset", token)
    except services.AccountError as exc:
        return render_template("accounts/token_error.html", message=account_error_message(exc.code)), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        db.session.commit()
        login_user(user)
        flash(_("Your password is changed."), "success")
        return redirect(url_for("web.home"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


@bp.get("/account")
@login_required
def settings():
    return render_template(
        "accounts/settings.html",
        profile_form=forms.ProfileForm(obj=current_user),
        password_form=forms.ChangePasswordForm(),
        national_id_form=forms.NationalIdForm(),
    )


@bp.post("/account/profile")
@login_required
def update_profile():
    form = forms.ProfileForm()
    if not form.validate_on_submit():
        return _settings_with(profile_form=form)
    current_user.display_name = form.display_name.data
    current_user.locale = form.locale.data
    db.session.commit()
    flash(_("Your settings are saved."), "success")
    response = redirect(url_for("accounts.settings"))
    response.set_cookie(LOCALE_COOKIE, form.locale.data, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.post("/account/password")
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as exc:
            form.current.errors.append(account_error_message(exc.code))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session; others are signed out
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings_with(password_form=form)


@bp.post("/account/national-id")
@login_required
@limiter.limit("10 per hour")
def declare_national_id():
    form = forms.NationalIdForm()
    if current_user.email_verified_at is None:
        form.national_id.errors = [_("Please confirm your email address first.")]
        return _settings_with(national_id_form=form)
    if form.validate_on_submit():
        try:
            services.declare_national_id(current_user, form.national_id.data)
        except NationalIdError as exc:
            form.national_id.errors.append(national_id_message(exc.code))
        except services.AccountError as exc:
            form.national_id.errors.append(account_error_message(exc.code))
        else:
            db.session.commit()
            flash(_("Your national ID is declared. You can now sign initiatives that require it."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings_with(national_id_form=form)


def _settings_with(**overrides):
    context = {
        "profile_form": forms.ProfileForm(obj=current_user, formdata=None),
        "password_form": forms.ChangePasswordForm(formdata=None),
        "national_id_form": forms.NationalIdForm(formdata=None),
    }
    context.update(overrides)
    return render_template("accounts/settings.html", **context), 422


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(account_error_message(exc.code))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Your personal data has been removed."), "info")
            return redirect(url_for("web.home"))
    elif request.method == "POST" and not form.errors:
        abort(400)
    return render_template("accounts/delete.html", form=form), 422 if form.errors else 200
