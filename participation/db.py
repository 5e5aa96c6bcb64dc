"""Database engine, the request-scoped session, and the declarative base.

``session`` is a proxy to one SQLAlchemy session per application context (a
request or a CLI command). Services use it, flush, and never commit; the view
(or command) commits once when the whole change is valid.
"""

from __future__ import annotations

import enum
import functools
import importlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, g
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

#: Every constraint gets a predictable name, so migrations can alter it later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The model modules, imported so ``Base.metadata`` knows every table
#: (migrations compare against it). One line per domain.
MODEL_MODULES = (
    "participation.accounts.models",
    "participation.notifications.models",
    "participation.transparency.models",
    "participation.initiatives.models",
    "participation.budgeting.models",
    "participation.comments.models",
    "participation.moderation.models",
    "participation.hearings.models",
)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware (UTC).

    Storing naive UTC keeps SQLite and PostgreSQL identical; refusing naive
    datetimes on the way in stops local times from slipping into the database.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored by value as a short string with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class TimestampMixin:
    #: When the row was created (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def import_models() -> None:
    """Import every domain's models so the metadata is complete."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: A pooled PostgreSQL connection left unused this long is checked before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str, **kwargs) -> Engine:
    """An engine with the platform's connection settings.

    SQLite gets WAL mode (readers never wait for the writer), foreign keys on,
    and a busy timeout so concurrent writers queue instead of failing.
    PostgreSQL connections are checked before use when they have sat idle in
    the pool (see ``_ping_idle_connections``).
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle for ``PING_AFTER_IDLE_SECONDS``.

    A connection dropped while idle (a database restart, a firewall timeout)
    is then replaced before any request sees it, as with ``pool_pre_ping``,
    without the extra round trip on every request of a busy server: for a page
    served from the cache that round trip is a fifth of the work. A failed
    check retires every connection opened before it (``InvalidatePoolError``),
    so after a restart the recently used ones are not handed out either. A
    connection that drops while in use fails once, and SQLAlchemy then renews
    the whole pool. A new connection is not checked: it has just been made.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool throws away this connection and every older one, then connects anew.
            raise InvalidatePoolError("the pooled connection was closed while idle") from exc


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def init_app(self, app) -> None:
        app.extensions["participation.db"] = self
        app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["participation.db"]


def insert(entity):
    """``INSERT`` for this app's database that offers ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (the same API on SQLite and PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite.insert if database().is_sqlite else postgresql.insert)(entity)


def prepared(build: Callable[[], Executable]) -> Callable[[], Executable]:
    """Build a statement once per database dialect and hand back the same object.

    For the hot paths (signing): executing a statement object SQLAlchemy has
    seen before skips building it and hashing its cache key, which costs more
    than the execution itself for an ORM insert. ``build`` takes no arguments;
    its statement uses ``bindparam`` for every value.
    """
    built: dict[str, Executable] = {}

    @functools.wraps(build)
    def statement() -> Executable:
        dialect = database().engine.dialect.name
        if dialect not in built:
            built[dialect] = build()
        return built[dialect]

    return statement


def _get_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def session_in_transaction() -> bool:
    """Whether this context's session has begun a transaction (so holds a connection)."""
    return "db_session" in g and g.db_session.in_transaction()


def _close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


#: The session of the current application context.
session: Session = LocalProxy(_get_session)  # type: ignore[assignment]
