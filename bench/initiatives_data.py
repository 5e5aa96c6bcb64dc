"""Bulk-insert N signatures for an initiative, for the load benchmark.

    python bench/initiatives_data.py --initiative 3 --count 1000000
    python bench/initiatives_data.py --create --count 1000000   # makes a collecting initiative first

Uses Core inserts (COPY on PostgreSQL), then runs the count refresh once so
the checkpoint is current. Prints the rows inserted and the seconds taken.
Call ``insert_signatures(initiative_id, n)`` from Python inside an app context.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from participation import create_app, db  # noqa: E402
from participation.initiatives import services  # noqa: E402
from participation.initiatives.bulk import bulk_insert_signatures  # noqa: E402
from participation.initiatives.models import Initiative  # noqa: E402


def insert_signatures(initiative_id: int, n: int, days: int = 30) -> int:
    """Insert ``n`` synthetic signatures over the last ``days`` days and refresh the count. Commits."""
    now = db.utcnow()
    done = bulk_insert_signatures(initiative_id, n, start=now - timedelta(days=days), end=now)
    db.session.commit()
    initiative = db.session.get(Initiative, initiative_id)
    services.refresh_initiative(initiative, db.utcnow(), force=True)
    db.session.commit()
    return done


def create_collecting_initiative() -> int:
    """A collecting bill initiative for benchmarking (needs the demo's organisations and types)."""
    from sqlalchemy import select

    from participation.accounts.models import User
    from participation.initiatives.models import InitiativeType

    initiative_type = db.session.scalar(select(InitiativeType).where(InitiativeType.slug == "bill"))
    author = db.session.scalar(select(User).where(User.email_verified_at.is_not(None)).limit(1))
    moderator = db.session.scalar(select(User).where(User.is_moderator.is_(True)).limit(1))
    if initiative_type is None or author is None or moderator is None:
        raise SystemExit("Load the demo first: python -m participation demo")
    now = db.utcnow()
    initiative = services.create_initiative(
        author,
        initiative_type,
        title="Benchmark initiative",
        summary="Synthetic initiative for the load benchmark.",
        body="Synthetic initiative for the load benchmark.",
        topic="benchmark",
        duration_days=180,
    )
    services.submit(initiative, author, now)
    services.approve(initiative, moderator, now - timedelta(days=30))
    db.session.commit()
    return initiative.id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiative", type=int)
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        initiative_id = create_collecting_initiative() if args.create else args.initiative
        if not initiative_id:
            parser.error("give --initiative ID or --create")
        started = time.perf_counter()
        done = insert_signatures(initiative_id, args.count, args.days)
        print(
            f"initiative {initiative_id}: inserted {done} signatures in {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
