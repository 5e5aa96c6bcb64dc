"""A short-lived cache of public pages as anonymous readers see them.

The hot public pages (a hearing with thousands of comments, an initiative going
viral, the count) are read far more often than they change, and almost all
readers are anonymous: journalists, people following a shared link. Rendering
such a page costs 10-20 ms of CPU in Jinja and the ORM; serving it from memory
costs well under one. This module keeps the rendered page per worker process for
at most ``PAGE_CACHE_SECONDS`` (5 by default; 0 turns the cache off).

What makes it safe:

* **Only anonymous readers are served from it, and only pages that hold nothing
  personal.** A request is served or stored only if nobody is signed in, and no
  flash message is waiting; a response is stored only if it is a ``200`` that
  sets no cookie and left the session untouched (so no CSRF token, no flash and
  no per-visitor state can be in it).
* **It is invalidated by the public record.** The key holds the position of the
  public ledger's head (:class:`~participation.transparency.models.LedgerHead`,
  one primary-key read per request): every public event (a comment published,
  edited or hidden, a hearing opened, a report published, a threshold crossed)
  moves the head, so the next reader gets a fresh page at once. The head is read
  before the page is rendered, so a stored page is never older than its key.
* **Everything else is at most a few seconds old.** Changes that are not public
  events (the live signature count, a change of a display name, a phase that
  opens by the clock) show after at most ``PAGE_CACHE_SECONDS``.

When a page is missing (the ledger moved, or nobody read it for twice the TTL), one
thread per worker renders it and the others asking for the same page wait for that
rendering instead of all rendering it at once. When a page is merely older than the
TTL, one reader's request renders it again while the others still get the previous
copy (``X-Page-Cache: stale``), so a read storm never waits for the clock: a page is
at most the TTL plus one rendering old.

The key also holds the path with its query string and the reader's language.
The cache is a bounded LRU (``PAGE_CACHE_ENTRIES``, 256 by default), so odd query
strings cannot make it grow without limit. Responses say ``X-Page-Cache: hit``,
``stale`` or ``miss``, for measuring; security headers are added to stored pages as to
any other.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, request, session
from flask_login import current_user
from sqlalchemy import select

from participation import db
from participation.i18n import current_language

#: Render locks (striped by key): when a page expires, one thread per worker renders it
#: and the others wait for it, instead of all rendering the same page at once.
_RENDER_LOCKS = 64
#: Longest wait for another thread's rendering before rendering anyway.
_RENDER_WAIT_SECONDS = 10

#: Response headers kept with a stored page (the rest are set per response).
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Link", "Content-Disposition")


class PageCache:
    """A thread-safe LRU of rendered pages, each kept for at most ``ttl`` seconds."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[tuple, tuple[float, int, bytes, list[tuple[str, str]]]] = OrderedDict()
        self._lock = threading.Lock()
        self._render_locks = [threading.Lock() for _ in range(_RENDER_LOCKS)]

    def render_lock(self, key: tuple) -> threading.Lock:
        """The lock one thread holds while it renders ``key`` (striped: a fixed number of locks)."""
        return self._render_locks[hash(key) % _RENDER_LOCKS]

    def get(self, key: tuple) -> tuple[int, bytes, list[tuple[str, str]]] | None:
        """The stored ``(status, body, headers)`` for ``key`` if it is younger than ``ttl``."""
        found = self.lookup(key)
        return found[0] if found is not None and found[1] else None

    def lookup(self, key: tuple) -> tuple[tuple[int, bytes, list[tuple[str, str]]], bool] | None:
        """``(page, fresh)``: a page younger than ``ttl`` is fresh; one younger than twice the
        ``ttl`` is returned as stale (to serve while another thread renders it again); older
        pages are dropped."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, status, body, headers = entry
            age = self.clock() - stored_at
            if age >= 2 * self.ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return (status, body, headers), age < self.ttl

    def put(self, key: tuple, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        """Store a page, dropping the least recently used ones beyond ``max_entries``."""
        with self._lock:
            self._entries[key] = (self.clock(), status, body, headers)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app) -> None:
    """Give the app its cache (one per process) from ``PAGE_CACHE_SECONDS`` / ``_ENTRIES``."""
    app.extensions["page_cache"] = PageCache(
        ttl=float(app.config.get("PAGE_CACHE_SECONDS", 5)),
        max_entries=int(app.config.get("PAGE_CACHE_ENTRIES", 256)),
    )


def _cache() -> PageCache | None:
    cache = current_app.extensions.get("page_cache")
    return cache if cache is not None and cache.ttl > 0 else None


def ledger_position() -> int:
    """The public ledger's head (0 before the first event): one primary-key read.

    Read on its own connection in autocommit mode, not in the request's
    session: a page served from the cache then costs one round trip to the
    database, without a transaction to begin and roll back around it. If the
    session already holds a connection (a stale sign-in cookie was looked up),
    the read goes through it, so that no request holds two connections.
    """
    from participation.transparency.models import LedgerHead

    statement = select(LedgerHead.seq).where(LedgerHead.id == 1)
    if db.session_in_transaction():
        return db.session.scalar(statement) or 0
    engine = db.database().engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.scalar(statement) or 0


def _anonymous_reader() -> bool:
    if request.method not in ("GET", "HEAD") or current_user.is_authenticated:
        return False
    # Reading the session only looks; a waiting flash message is personal.
    return "_flashes" not in session


def for_anonymous_readers(view: Callable) -> Callable:
    """Serve ``view`` to anonymous readers from the page cache (see the module docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        if cache is None or not _anonymous_reader():
            return view(*args, **kwargs)
        key = (request.full_path, current_language(), ledger_position())
        found = cache.lookup(key)
        if found is not None and found[1]:
            return _stored_response(found[0], "hit")
        lock = cache.render_lock(key)
        if found is not None:
            # Older than the TTL, same ledger head: one reader renders it again, the
            # others keep getting the previous copy meanwhile instead of waiting.
            if not lock.acquire(blocking=False):
                return _stored_response(found[0], "stale")
            locked = True
        else:
            locked = lock.acquire(timeout=_RENDER_WAIT_SECONDS)
            found = cache.lookup(key) if locked else None
            if found is not None and found[1]:  # rendered by another thread while this one waited
                lock.release()
                return _stored_response(found[0], "hit")
        try:
            return _render_and_store(cache, key, view, args, kwargs)
        finally:
            if locked:
                lock.release()

    return wrapper


def _stored_response(stored: tuple[int, bytes, list[tuple[str, str]]], how: str) -> Response:
    status, body, headers = stored
    response = Response(body, status=status, headers=headers)
    response.headers["X-Page-Cache"] = how
    return response


def _render_and_store(cache: PageCache, key: tuple, view: Callable, args, kwargs) -> Response:
    response = current_app.make_response(view(*args, **kwargs))
    storable = (
        response.status_code == 200
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not session.modified
    )
    if storable:
        headers = [(name, value) for name, value in response.headers if name in _KEPT_HEADERS]
        cache.put(key, response.status_code, response.get_data(), headers)
    response.headers["X-Page-Cache"] = "miss"
    return response
