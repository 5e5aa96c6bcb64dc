"""The schema exists only through migrations, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from participation.cli import alembic_config
from participation.db import Base, import_models
from participation.transparency.fulltext import include_object


def test_migrations_match_models(app):
    import_models()
    with app.app_context():
        engine = app.extensions["participation.db"].engine
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"migrations and models differ: {diff}"


def test_migrations_form_one_line(app):
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, "migrations must form a single chain"


def test_create_app_does_not_create_tables(tmp_path):
    from sqlalchemy import inspect

    from participation import create_app

    url = f"sqlite:///{tmp_path}/empty.db"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "IDENTITY_KEY": "y", "ENCRYPTION_KEY": "z"})
    app.test_client().get("/healthz")
    engine = app.extensions["participation.db"].engine
    assert inspect(engine).get_table_names() == []


def test_sqlite_pragmas(app):
    database = app.extensions["participation.db"]
    if not database.is_sqlite:
        return
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
