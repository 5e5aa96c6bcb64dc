"""Worker jobs of the transparency package."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from participation import db
from participation.transparency import ledger
from participation.transparency.models import LedgerVerification

#: Verifying the chain reads every entry, so it runs at most this often.
VERIFY_INTERVAL = timedelta(minutes=10)


def last_verification() -> LedgerVerification | None:
    return db.session.scalar(
        select(LedgerVerification).order_by(
            LedgerVerification.checked_at.desc(), LedgerVerification.id.desc()
        )
    )


def record_verification(now: datetime) -> LedgerVerification:
    """Verify the whole chain now and record the result (flushes)."""
    result = ledger.verify()
    row = LedgerVerification(
        checked_at=now,
        ok=result.ok,
        head_seq=result.checked,
        head_hash=result.head,
        bad_seq=result.bad_seq,
        reason=result.reason,
    )
    db.session.add(row)
    db.session.flush()
    return row


def verify_ledger(now: datetime) -> int:
    """Verify the ledger if the last recorded verification is older than 10 minutes."""
    last = last_verification()
    if last is not None and now - last.checked_at < VERIFY_INTERVAL:
        return 0
    record_verification(now)
    return 1
