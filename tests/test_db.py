"""The engine's connection handling: idle PostgreSQL connections are checked before use."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from participation import db as db_module

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def engine(database_url):
    engine = db_module.make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch):
    """Count the checks made before handing out a pooled connection."""
    made = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection):
        made.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return made


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def terminate(engine, pid: int) -> None:
    """Close one server connection from another, as a database restart would."""
    other = db_module.make_engine(str(engine.url.render_as_string(hide_password=False)))
    with other.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_in_use_is_not_checked_before_each_request(engine, pings):
    first = backend_pid(engine)  # a new connection: just made, not checked
    for _ in range(5):
        assert backend_pid(engine) == first
    assert pings == []


def test_a_connection_closed_while_idle_is_replaced_before_use(engine, pings, monkeypatch):
    dropped = backend_pid(engine)
    terminate(engine, dropped)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has now been idle long enough
    replacement = backend_pid(engine)  # no error reaches the caller
    assert replacement != dropped
    assert len(pings) == 1  # the dropped one; its replacement is new


def test_without_the_idle_check_the_dropped_connection_would_fail(engine, monkeypatch):
    """What the check prevents: the same drop, on a connection still considered busy."""
    dropped = backend_pid(engine)
    terminate(engine, dropped)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with pytest.raises(OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) != dropped  # and the pool renews itself after the failure


def test_after_a_restart_recently_used_connections_are_retired_too(database_url):
    """One idle connection found dead retires the pool: the busy one is not handed out next."""
    engine = db_module.make_engine(database_url, pool_size=2, max_overflow=0)
    try:
        first, second = engine.connect(), engine.connect()
        pids = [c.scalar(text("SELECT pg_backend_pid()")) for c in (first, second)]
        first.close()  # back in the pool first: handed out first
        second.close()
        engine.pool._pool.queue[0].info["checked_in"] -= 60  # it has sat idle for a minute
        for pid in pids:  # the database restarts
            terminate(engine, pid)
        held = [engine.connect() for _ in range(2)]
        assert all(c.scalar(text("SELECT 1")) == 1 for c in held)  # no error reaches anyone
        assert not {c.scalar(text("SELECT pg_backend_pid()")) for c in held} & set(pids)
        for connection in held:
            connection.close()
    finally:
        engine.dispose()
