"""Home, health check, language switch and the about page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from participation import db
from participation.extensions import csrf
from participation.i18n import LOCALE_COOKIE, LOCALES, _l
from participation.web.page_cache import for_anonymous_readers

bp = Blueprint("web", __name__)


@bp.get("/")
@for_anonymous_readers
def home():
    from participation.web.home import home_sections

    return render_template("web/home.html", sections=home_sections())


@bp.get("/about")
def about():
    return render_template("web/about.html")


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths; never redirect to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.post("/language")
@csrf.exempt
def set_language():
    """Remember the reader's language in a cookie (and on the account).

    For a signed-in reader this changes the account, so the CSRF token is checked
    as on every other form. For an anonymous reader it only sets the ``lang``
    cookie, which any site could make the browser send anyway; the form carries no
    token then, so anonymous pages hold nothing per visitor and can be cached
    (see ``web.page_cache``).
    """
    if current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    language = request.form.get("language", "")
    response = redirect(safe_next(request.form.get("next")))
    if language in LOCALES:
        response.set_cookie(LOCALE_COOKIE, language, max_age=365 * 86400, samesite="Lax", httponly=True)
        if current_user.is_authenticated and current_user.locale != language:
            current_user.locale = language
            db.session.commit()
    return response


#: Main navigation; an entry shows once its blueprint is registered.
NAV_ITEMS = (
    ("hearings.index", _l("Hearings")),
    ("initiatives.index", _l("Initiatives")),
    ("budgeting.index", _l("Budgets")),
    ("transparency.index", _l("Transparency")),
)
FOOTER_ITEMS = (
    ("moderation.log", _l("Moderation log")),
    ("transparency.api_docs", _l("Open data and API")),
    ("transparency.statistics", _l("Statistics")),
)


def org_kind_label(kind) -> str:
    value = getattr(kind, "value", kind)
    return str(
        {
            "ministry": _l("Ministry"),
            "department": _l("Department"),
            "provincial": _l("Provincial administration"),
            "local_government": _l("Local government"),
            "parliament": _l("Parliament"),
            "other": _l("Other"),
        }.get(value, value)
    )


@bp.app_context_processor
def _layout():
    endpoints = current_app.view_functions
    return {
        "nav_items": [(e, label) for e, label in NAV_ITEMS if e in endpoints],
        "footer_items": [(e, label) for e, label in FOOTER_ITEMS if e in endpoints],
        "url_endpoints": endpoints,
        "org_kind_label": org_kind_label,
    }
