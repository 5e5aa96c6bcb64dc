"""Fixtures: ``app``, ``db``, ``client``, ``runner`` and factories.

The suite runs on SQLite by default and on PostgreSQL when
``PARTICIPATION_TEST_DATABASE_URL`` points at one (its public schema is
dropped and rebuilt by the migrations at the start of the run: use a
database made for tests). The schema comes only from the migrations.
"""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import text

from participation import create_app
from participation.db import Base, import_models, make_engine

TEST_DB_ENV = "PARTICIPATION_TEST_DATABASE_URL"


#: Set by CI: a service a test needs (PostgreSQL, Chromium) must be there.
REQUIRE_SERVICES = os.environ.get("PARTICIPATION_REQUIRE_SERVICES") == "1"


def pytest_report_header(config):
    return f"database: {os.environ.get(TEST_DB_ENV) or 'SQLite (temporary file)'}"


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get(TEST_DB_ENV, "").startswith("postgres")
    skip = pytest.mark.skip(reason="runs on PostgreSQL: set PARTICIPATION_TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get(TEST_DB_ENV)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgres")


def base_config(database_url: str, instance_path: str) -> dict:
    return {
        "ENV_MODE": "testing",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "IDENTITY_KEY": "test-identity-key",
        "ENCRYPTION_KEY": "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0hIT0=",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "FORM_MIN_SECONDS": 0,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "INSTANCE_PATH": instance_path,
    }


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory):
    """Build the schema once per run, through the migrations only."""
    instance = tmp_path_factory.mktemp("instance")
    if database_url.startswith("postgres"):
        engine = make_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(base_config(database_url, str(instance)))
    from participation.cli import upgrade_database

    with app.app_context():
        upgrade_database()
    return str(instance)


def _truncate_all(app) -> None:
    import_models()
    database = app.extensions["participation.db"]
    tables = [t.name for t in Base.metadata.sorted_tables]
    with database.engine.begin() as conn:
        if database.is_sqlite:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))
        else:
            names = ", ".join(f'"{n}"' for n in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class IsolatedClient(FlaskClient):
    """Each request gets its own application context, as in production.

    Without this, a request made while a test holds an app context (the ``db``
    fixture) would reuse it, sharing ``g`` (the signed-in user, the locale,
    the database session) between requests.
    """

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(run)


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change settings for its ``app``."""
    return {}


@pytest.fixture
def app(database_url, migrated, config_overrides, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE_PATH", migrated)
    application = create_app({**base_config(database_url, migrated), **config_overrides})
    application.test_client_class = IsolatedClient
    yield application
    _truncate_all(application)
    application.extensions["participation.db"].engine.dispose()


@pytest.fixture
def db(app):
    """The session inside an application context."""
    from participation import db as db_module

    with app.app_context():
        yield db_module.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(db):
    from tests.factories import Factory

    return Factory(db)


@pytest.fixture
def login(client):
    """Sign ``user`` in on the test client (through the real sign-in form)."""

    def _login(user, password: str = "correct horse battery"):
        response = client.post("/signin", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


ROOT = Path(__file__).resolve().parent.parent
