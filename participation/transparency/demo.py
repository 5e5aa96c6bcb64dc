"""Demo: after every domain has loaded its data, index it and verify the ledger.

Keep this module LAST in ``demo.DEMO_MODULES``: it indexes what the others
created and records a first verification, so the transparency page shows a
checked chain straight after ``participation demo``.
"""

from __future__ import annotations

from participation import db
from participation.transparency import jobs, search


def load(context: dict) -> None:
    search.reindex_all()
    jobs.record_verification(db.utcnow())
