"""Error pages in the reader's language, without stack traces."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from participation import db
from participation.i18n import _

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please check what you entered and try again."),
        ),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("The page you asked for does not exist or has been moved.")),
        405: (_("Method not allowed"), _("This address does not accept this kind of request.")),
        413: (
            _("Too large"),
            _("What you sent is too large. Please shorten the text or send a smaller file."),
        ),
        429: (
            _("Too many requests"),
            _("You have made too many requests. Please wait a moment and try again."),
        ),
        500: (
            _("Something went wrong"),
            _(
                "An unexpected error happened on our side. Nothing you saved before was lost. Please try again later."
            ),
        ),
        503: (_("Service unavailable"), _("The service is temporarily unavailable. Please try again later.")),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None, headers=None):
    title, message = _messages().get(code, (_("Error"), _("The request could not be completed.")))
    if wants_json():
        body = {"error": {"status": code, "title": title, "message": detail or message}}
        return body, code, headers or {}
    html = render_template("errors/error.html", code=code, title=title, message=message, detail=detail)
    return html, code, headers or {}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_error(
            400,
            _(
                "Your form expired or was sent from another site. Please go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if exc.code == 429:
            retry = getattr(exc, "retry_after", None)
            response = exc.get_response()
            headers["Retry-After"] = response.headers.get("Retry-After") or str(retry or 60)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        return render_error(exc.code or 500, headers=headers)

    @app.errorhandler(InternalServerError)
    def _internal(exc):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the page must render whatever the database says
            log.exception("rollback after error failed")
        return render_error(500)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            log.exception("rollback after error failed")
        return render_error(500)
