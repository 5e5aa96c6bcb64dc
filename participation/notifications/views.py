"""Follow and unfollow, follow by email (double opt-in), one-click unsubscribe,
the "my subscriptions" settings page and the public organisation page."""

from __future__ import annotations

import logging
import os

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from participation import db, subjects
from participation.accounts.models import Organisation
from participation.events import listen
from participation.extensions import csrf, limiter
from participation.i18n import _, _l, current_language
from participation.notifications import dispatch, forms, permissions, services
from participation.notifications.delivery import CONSOLE_NOTICE
from participation.notifications.models import Subscription
from participation.web.views import safe_next

bp = Blueprint("notifications", __name__)
log = logging.getLogger("participation.mail")

listen(dispatch.on_event)


def _organisation_title(organisation: Organisation) -> str:
    if current_language() == "en" and organisation.name_en:
        return organisation.name_en
    return organisation.name_th


subjects.register(
    subjects.SubjectType(
        name="organisation",
        label=_l("Organisation"),
        load=lambda id: db.session.get(Organisation, id),
        title=_organisation_title,
        url=lambda o: url_for("notifications.organisation", slug=o.slug),
        organisation_id=lambda o: o.id,
    )
)


def follow_state(subject_type: str, subject_id: int) -> str:
    """``following``, ``not_following`` or ``anonymous`` (for the follow button macro)."""
    if not permissions.can_follow(current_user):
        return "anonymous"
    return "following" if services.is_following(current_user, subject_type, subject_id) else "not_following"


@bp.record_once
def _setup(state) -> None:
    state.app.jinja_env.globals["follow_state"] = follow_state
    _announce_console_mail(state.app)


def _announce_console_mail(app) -> None:
    """Say once, at start-up of ``participation run``, that emails go to the console."""
    if app.config.get("MAIL_SERVER") or app.config["ENV_MODE"] != "development":
        return
    import click

    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run" or os.environ.get("WERKZEUG_RUN_MAIN"):
        return
    log.warning(CONSOLE_NOTICE)


@bp.app_context_processor
def _predicates():
    return permissions.TEMPLATE_PREDICATES


def error_message(code: str) -> str:
    return {
        "token_invalid": _("This link is not valid any more. Please use the link in your latest email."),
        "token_expired": _("This link has expired. Please subscribe again to get a new one."),
        "not_found": _("This subscription does not exist."),
    }.get(code, _("The request could not be completed."))


def _subject_or_404(subject_type: str, subject_id: int):
    if not services.subject_exists(subject_type, subject_id):
        abort(404)
    return subjects.resolve(subject_type, subject_id)


# --- follow / unfollow (accounts) --------------------------------------------------------


@bp.post("/follow/<subject_type>/<int:subject_id>")
@limiter.limit("60 per hour")
def follow(subject_type: str, subject_id: int):
    kind, subject = _subject_or_404(subject_type, subject_id)
    if not permissions.can_follow(current_user):
        return redirect(url_for(".subscribe", subject_type=subject_type, subject_id=subject_id))
    services.follow(current_user, subject_type, subject_id)
    db.session.commit()
    flash(_("You follow “%(title)s”. We will email you when it moves.", title=kind.title(subject)), "success")
    return redirect(safe_next(request.form.get("next"), kind.url(subject)))


@bp.post("/unfollow/<subject_type>/<int:subject_id>")
@login_required
def unfollow(subject_type: str, subject_id: int):
    kind, subject = _subject_or_404(subject_type, subject_id)
    services.unfollow(current_user, subject_type, subject_id)
    db.session.commit()
    flash(_("You no longer follow “%(title)s”.", title=kind.title(subject)), "info")
    return redirect(safe_next(request.form.get("next"), kind.url(subject)))


# --- follow by email (double opt-in) --------------------------------------------------------


@bp.route("/subscribe/<subject_type>/<int:subject_id>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def subscribe(subject_type: str, subject_id: int):
    kind, subject = _subject_or_404(subject_type, subject_id)
    form = forms.SubscribeForm()
    if form.validate_on_submit():
        services.subscribe_address(
            form.email.data, subject_type, subject_id, locale=current_language(), digest=form.digest.data
        )
        db.session.commit()
        return render_template("notifications/subscribe_sent.html", title=kind.title(subject))
    status = 422 if form.errors else 200
    return render_template(
        "notifications/subscribe.html", form=form, title=kind.title(subject), url=kind.url(subject)
    ), status


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    if request.method == "GET":
        return render_template("notifications/confirm.html", token=token)
    try:
        row = services.confirm_address(token)
    except services.NotificationError as exc:
        return render_template("notifications/link_error.html", message=error_message(exc.code)), 400
    db.session.commit()
    resolved = subjects.resolve(row.subject_type, row.subject_id)
    title = resolved[0].title(resolved[1]) if resolved else ""
    url = resolved[0].url(resolved[1]) if resolved else url_for("web.home")
    return render_template("notifications/confirmed.html", title=title, url=url)


# --- one-click unsubscribe (RFC 8058) ----------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET shows one button (link scanners must not unsubscribe anyone); POST acts.

    The POST needs no CSRF token and no sign-in: the signed token is the
    authority, as RFC 8058 one-click unsubscribe requires of mail clients.
    """
    try:
        target = services.read_unsubscribe_token(token)
    except services.NotificationError as exc:
        if exc.code == "gone":
            return render_template("notifications/unsubscribe.html", token=token, title=None, done=True)
        return render_template("notifications/link_error.html", message=error_message(exc.code)), 400
    title = None
    if isinstance(target, Subscription):
        resolved = subjects.resolve(target.subject_type, target.subject_id)
        title = resolved[0].title(resolved[1]) if resolved else None
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, title=title, done=False)
    services.unsubscribe(token)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", token=token, title=title, done=True)


# --- my subscriptions ------------------------------------------------------------------------


@bp.get("/account/notifications")
@login_required
def settings():
    preference = services.preference_for(user_id=current_user.id)
    form = forms.PreferencesForm(
        formdata=None,
        delivery="digest" if preference is not None and preference.digest else "immediate",
        paused=bool(preference is not None and preference.paused),
    )
    return _settings_page(form)


def _settings_page(form, status: int = 200):
    return render_template(
        "notifications/settings.html", form=form, items=services.subscriptions_of(current_user)
    ), status


@bp.post("/account/notifications/preferences")
@login_required
def update_preferences():
    form = forms.PreferencesForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    services.set_preferences(current_user, digest=form.delivery.data == "digest", paused=form.paused.data)
    db.session.commit()
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for(".settings"))


@bp.post("/account/notifications/<int:subscription_id>/remove")
@login_required
def remove(subscription_id: int):
    subscription = db.session.get(Subscription, subscription_id)
    if not permissions.can_manage_subscription(current_user, subscription):
        abort(404)
    services.remove_subscription(current_user, subscription_id)
    db.session.commit()
    flash(_("The subscription is removed."), "info")
    return redirect(url_for(".settings"))


# --- the public organisation page --------------------------------------------------------------


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    """An organisation's public page; other domains add their lists to it later."""
    row = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if row is None:
        abort(404)
    return render_template(
        "notifications/organisation.html", organisation=row, title=_organisation_title(row)
    )
