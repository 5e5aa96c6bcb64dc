"""The participation platform: public hearings, initiatives, budgets."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from participation import config as config_module
from participation import i18n
from participation.db import Database

#: The repository root: templates/, translations/ and migrations/ live here.
ROOT = Path(__file__).resolve().parent.parent

#: Blueprints, registered in this order. One line per domain.
BLUEPRINTS = (
    "participation.web.views:bp",
    "participation.accounts.views:bp",
    "participation.accounts.admin:bp",
    "participation.accounts.oidc_views:bp",
    "participation.initiatives.views:bp",
    "participation.budgeting.views:bp",
    "participation.comments.views:bp",
    "participation.moderation.views:bp",
    "participation.notifications.views:bp",
    "participation.transparency.domains:bp",
    "participation.transparency.api:bp",
    "participation.transparency.views:bp",
    "participation.hearings.views:bp",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application. Wiring only: no database access here."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PARTICIPATION_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    settings = config_module.from_environment()
    settings.update(config or {})
    app.config.update(settings)
    config_module.ensure_secrets(app.config, app.instance_path)
    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'participation.db'}"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    _configure_logging(app)

    Database(app.config["DATABASE_URL"]).init_app(app)
    _init_extensions(app)
    i18n.init_app(app)

    from importlib import import_module

    from participation.web.query import IdConverter

    # Before any route is added: every <int:…> is then bounded by what the database holds.
    app.url_map.converters["int"] = IdConverter
    for target in BLUEPRINTS:
        module, attr = target.split(":")
        app.register_blueprint(getattr(import_module(module), attr))

    from participation.web import errors, page_cache, query, security

    errors.init_app(app)
    security.init_app(app)
    query.init_app(app)
    page_cache.init_app(app)

    from participation.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from participation.accounts import services as account_services
    from participation.extensions import babel, csrf, limiter, login_manager

    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Bangkok")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = i18n._l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(account_services.load_user)


def _configure_logging(app: Flask) -> None:
    if app.config["ENV_MODE"] != "testing" and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
