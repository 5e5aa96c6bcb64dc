"""Digital ID (OpenID Connect): sign in, prove an existing account, the callback."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from participation import db
from participation.accounts import oidc
from participation.extensions import limiter
from participation.i18n import _, current_language
from participation.web.views import safe_next

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)


@bp.app_context_processor
def _providers():
    def digital_id_providers():
        return [(p.name, p.display_name(current_language())) for p in oidc.providers()]

    return {"digital_id_providers": digital_id_providers}


def _provider_or_404(name: str) -> oidc.Provider:
    provider = oidc.get_provider(name)
    if provider is None:
        abort(404)
    return provider


def error_message(code: str, provider: str) -> str:
    """The translated message for a DigitalIdError code; ``provider`` is its display name."""
    messages = {
        "cancelled": _(
            "You cancelled the sign-in at %(provider)s. Nothing was changed. You can try again, or sign in with your email address.",
            provider=provider,
        ),
        "provider_down": _(
            "%(provider)s cannot be reached at the moment. Please try again in a few minutes, or sign in with your email address.",
            provider=provider,
        ),
        "provider_error": _(
            "%(provider)s did not complete the sign-in. Nothing was changed. Please try again.",
            provider=provider,
        ),
        "invalid_token": _(
            "The answer from %(provider)s could not be verified, so you were not signed in. Please try again.",
            provider=provider,
        ),
        "replayed": _(
            "This sign-in has already been used or has expired. For your safety, please start again."
        ),
        "bad_claims": _(
            "%(provider)s returned a national ID number that is not valid, so it cannot be used here. Please contact %(provider)s.",
            provider=provider,
        ),
        "conflict": _(
            "Another sign-in for the same person happened at the same moment. Nothing was changed. Please try again."
        ),
        "digital_id_taken": _(
            "This digital ID is already linked to another account. To use that account, sign out and sign in with %(provider)s.",
            provider=provider,
        ),
        "national_id_mismatch": _(
            "The national ID proven by %(provider)s is different from the one declared on this account. Nothing was changed. Please contact support.",
            provider=provider,
        ),
        "national_id_taken": _(
            "The national ID proven by %(provider)s already belongs to another account, and one person may have only one verified account. To use that account, sign out and sign in with %(provider)s.",
            provider=provider,
        ),
    }
    return messages.get(code, messages["provider_error"])


STATUS = {
    "cancelled": 400,
    "replayed": 400,
    "invalid_token": 400,
    "bad_claims": 400,
    "provider_down": 502,
    "provider_error": 502,
    "conflict": 409,
    "digital_id_taken": 409,
    "national_id_mismatch": 409,
    "national_id_taken": 409,
}


def _failure(exc: oidc.DigitalIdError, provider: oidc.Provider | None, mode: str):
    db.session.rollback()
    log.info("digital-id %s provider=%s outcome=%s", mode, provider.name if provider else "-", exc.code)
    if exc.code == "national_id_declared" and provider is not None:
        return render_template(
            "accounts/digital_id_choice.html",
            provider=provider,
            provider_name=provider.display_name(current_language()),
        ), 409
    name = provider.display_name(current_language()) if provider else _("the digital ID service")
    return render_template(
        "accounts/digital_id_error.html", message=error_message(exc.code, name), mode=mode
    ), STATUS.get(exc.code, 400)


def _redirect_to_provider(provider: oidc.Provider, mode: str, next_url: str | None):
    try:
        url = oidc.begin(
            provider,
            mode=mode,
            next_url=next_url,
            user_id=current_user.id if mode == "link" else None,
            language=current_language(),
        )
    except oidc.DigitalIdError as exc:
        return _failure(exc, provider, mode)
    return redirect(url, code=303)


@bp.post("/signin/digital-id/<provider>")
@limiter.limit("20 per 10 minutes")
def start(provider: str):
    """Sign in (or create an account) with a digital-ID provider."""
    chosen = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("accounts.settings"))
    # ``claim=1``: the person chose a new account that takes their proven national ID.
    mode = "claim" if request.args.get("claim") == "1" else "sign_in"
    return _redirect_to_provider(chosen, mode, safe_next(request.args.get("next"), "") or None)


@bp.post("/account/digital-id/<provider>")
@login_required
@limiter.limit("20 per 10 minutes")
def link(provider: str):
    """Prove the signed-in account's identity with a digital-ID provider."""
    return _redirect_to_provider(_provider_or_404(provider), "link", None)


@bp.get("/signin/digital-id/<provider>/callback")
@limiter.limit("30 per 10 minutes")
def callback(provider: str):
    chosen = _provider_or_404(provider)
    mode = "sign_in"
    try:
        pending = oidc.take_pending(request.args.get("state"))
        db.session.commit()  # the state is spent, whatever happens next
        mode = pending["mode"]
        if mode == "link" and (not current_user.is_authenticated or current_user.id != pending["user_id"]):
            raise oidc.DigitalIdError("replayed", chosen.name)
        person = oidc.finish(chosen, pending, request.args)
        if mode == "link":
            outcome = oidc.link(current_user._get_current_object(), person)
        else:
            outcome = oidc.sign_in(person, locale=current_language(), claim_national_id=mode == "claim")
    except oidc.DigitalIdError as exc:
        return _failure(exc, chosen, mode)
    db.session.commit()
    log.info("digital-id %s provider=%s outcome=%s", mode, chosen.name, outcome.code)
    login_user(outcome.user)
    name = chosen.display_name(current_language())
    flash(_success_message(outcome.code, name), "success")
    if outcome.user.display_name is None:
        flash(_("Please choose the name shown publicly with your contributions."), "info")
        return redirect(url_for("accounts.settings"))
    if mode == "link":
        return redirect(url_for("accounts.settings"))
    return redirect(safe_next(pending.get("next"), url_for("web.home")))


def _success_message(code: str, provider: str) -> str:
    return {
        "created": _(
            "Welcome. Your account is created and your identity is proven with %(provider)s.",
            provider=provider,
        ),
        "signed_in": _("You are signed in with %(provider)s.", provider=provider),
        "matched_national_id": _(
            "You are signed in to the account that holds your national ID, proven earlier with a digital ID. %(provider)s now leads to this account too.",
            provider=provider,
        ),
        "claimed_national_id": _(
            "Welcome. Your account is created and your identity is proven with %(provider)s. Your national ID has been removed from the other account that had declared it, and its owner has been told.",
            provider=provider,
        ),
        "linked": _(
            "Your identity is proven with %(provider)s. You can now sign and vote everywhere.",
            provider=provider,
        ),
    }[code]
