"""Many people signing at once around the threshold, on PostgreSQL with real row locks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation import db as db_module
from participation.accounts import services as account_services
from participation.initiatives import services
from participation.initiatives.models import Initiative, Signature
from tests.initiatives.conftest import collecting, ledger_kinds

SIGNERS = 60
THRESHOLD = 50


@pytest.mark.postgres_only
def test_parallel_signers_cross_the_threshold_exactly_once(app, db, world, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: real concurrent transactions and row locks")
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=THRESHOLD)
    user_ids = []
    for n in range(SIGNERS):
        user = account_services.create_user(
            email=f"signer{n}@example.org",
            password=None,
            display_name=f"ผู้ลงชื่อ {n}",
            locale="th",
            verified=True,
        )
        user_ids.append(user.id)
    # The same person twice: a duplicate attempt for every fifth signer.
    attempts = user_ids + user_ids[::5]
    db.commit()

    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(user_id: int) -> None:
        # Everyone starts together; the connection pool (15) then admits them as fast as it can.
        barrier.wait()
        with app.app_context():
            session = db_module.session
            user = session.get(account_services.User, user_id)
            target = session.get(Initiative, initiative.id)
            try:
                services.sign(target, user, db_module.utcnow(), consent=True)
                session.commit()
                result = "signed"
            except services.InitiativeError as exc:
                session.rollback()
                result = exc.code
            # Every signer's request also runs the refresh, as many workers would.
            services.refresh_counts(db_module.utcnow() + timedelta(seconds=1))
            session.commit()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("signed") == SIGNERS
    assert outcomes.count("already_signed") == len(attempts) - SIGNERS
    db.expire_all()
    count = db.scalar(
        select(func.count()).select_from(Signature).where(Signature.initiative_id == initiative.id)
    )
    assert count == SIGNERS
    services.refresh_counts(db_module.utcnow() + timedelta(seconds=2))
    db.commit()
    assert services.public_count(db.get(Initiative, initiative.id)).total == SIGNERS
    assert len(ledger_kinds("initiative.threshold_reached")) == 1
    for pct in (25, 50, 75, 100):
        assert [e for e in ledger_kinds("initiative.milestone") if f'"pct":{pct}' in e.payload].__len__() == 1
    assert all(r.ok for r in services.reconcile())
