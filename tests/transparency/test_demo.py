"""The demo ends with an indexed search and a recorded ledger verification."""

from __future__ import annotations

from sqlalchemy import select

from participation.demo import DEMO_MODULES, load_demo
from participation.transparency.models import LedgerVerification


def test_transparency_demo_runs_last_and_verifies(db):
    assert DEMO_MODULES[-1] == "participation.transparency.demo"
    assert load_demo()
    db.commit()
    row = db.scalar(select(LedgerVerification))
    assert row is not None and row.ok
