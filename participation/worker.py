"""``participation worker``: background jobs from tables, not threads.

Each job is a function ``job(now) -> int`` (how many things it did) that
flushes but does not commit; the worker commits after each job, so one failing
job never undoes another. On PostgreSQL jobs that claim rows use
``FOR UPDATE SKIP LOCKED``, so any number of workers can run.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from participation import db

log = logging.getLogger(__name__)

#: Jobs, run in this order on every round. One line per job.
JOBS: tuple[str, ...] = (
    "participation.accounts.oidc:purge_used_states",
    # Clock-driven state changes and counts first, so their emails go out in the same round.
    "participation.hearings.services:advance",
    "participation.initiatives.services:refresh_counts",
    "participation.initiatives.services:close_due",
    "participation.initiatives.services:mark_overdue",
    "participation.initiatives.services:purge_personal_data",
    "participation.budgeting.services:record_phases",  # phase changes; results when voting closes
    "participation.notifications.services:expire_unconfirmed",
    "participation.notifications.digest:send_digests",
    "participation.notifications.delivery:send_outbox",
    "participation.notifications.delivery:purge_history",
    "participation.transparency.jobs:verify_ledger",
)

_announced = False


def _load(path: str) -> Callable[[datetime], int]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run_once(now: datetime | None = None) -> dict[str, int]:
    """Run every job once; returns what each did. Needs an app context."""
    _announce_once()
    now = now or db.utcnow()
    done: dict[str, int] = {}
    for path in JOBS:
        job = _load(path)
        try:
            done[path] = job(now) or 0
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed; it will run again next round", path)
            done[path] = -1
    return done


def _announce_once() -> None:
    """Say once per process where emails go (console log in development without SMTP)."""
    global _announced
    if not _announced:
        _announced = True
        from participation.notifications.delivery import announce_mode

        announce_mode()


def run_forever(interval: float = 5.0, rounds: int | None = None) -> None:
    """Run rounds until stopped (or ``rounds`` times, for tests)."""
    count = 0
    while rounds is None or count < rounds:
        started = time.monotonic()
        result = run_once()
        if any(result.values()):
            log.info("worker round: %s", {k: v for k, v in result.items() if v})
        count += 1
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
