"""Counting: checkpoints, milestones, threshold once, paper batches, reconcile, constant cost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from participation import db as db_module
from participation.initiatives import services
from participation.initiatives.bulk import bulk_insert_signatures
from participation.initiatives.models import DailyCount, Initiative, TimelineEvent
from tests.initiatives.conftest import collecting, ledger_kinds


def test_milestones_and_threshold_are_announced_once(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=8)
    bulk_insert_signatures(initiative.id, 2, start=now - timedelta(seconds=30), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    assert [json.loads(e.payload)["pct"] for e in ledger_kinds("initiative.milestone")] == [25]
    bulk_insert_signatures(initiative.id, 7, start=now - timedelta(seconds=30), end=now)
    db.commit()
    for _ in range(3):
        services.refresh_counts(now + timedelta(seconds=5))
        db.commit()
    assert [json.loads(e.payload)["pct"] for e in ledger_kinds("initiative.milestone")] == [25, 50, 75, 100]
    assert len(ledger_kinds("initiative.threshold_reached")) == 1
    db.expire_all()
    assert initiative.threshold_reached_at is not None
    codes = db.scalars(select(TimelineEvent.code).where(TimelineEvent.initiative_id == initiative.id)).all()
    assert codes.count("threshold") == 1 and codes.count("milestone_50") == 1


def test_count_checkpoints_at_most_once_a_minute_and_only_on_change(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now)
    bulk_insert_signatures(initiative.id, 3, start=now - timedelta(seconds=30), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    assert len(ledger_kinds("initiative.count_checkpoint")) == 1
    bulk_insert_signatures(initiative.id, 2, start=now, end=now + timedelta(seconds=1))
    db.commit()
    services.refresh_counts(now + timedelta(seconds=20))
    db.commit()
    assert len(ledger_kinds("initiative.count_checkpoint")) == 1  # too soon
    services.refresh_counts(now + timedelta(seconds=61))
    db.commit()
    entries = ledger_kinds("initiative.count_checkpoint")
    assert len(entries) == 2 and json.loads(entries[-1].payload)["signatures"] == 5
    services.refresh_counts(now + timedelta(seconds=200))
    db.commit()
    assert len(ledger_kinds("initiative.count_checkpoint")) == 2  # unchanged count: nothing new


def test_paper_batches_add_to_the_total_and_are_listed(db, world, client_for, client):
    now = db_module.utcnow()
    initiative = collecting(world, now=now)
    services.sign(initiative, world.citizen, now, consent=True)
    db.commit()
    staff = client_for(world.agency_staff)
    response = staff.post(
        f"/initiatives/{initiative.id}/paper",
        data={"count": 120, "received_on": now.date().isoformat(), "note": "รายชื่อจากตลาด"},
    )
    assert response.status_code == 302
    assert services.public_count(initiative).total == 121
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "รายชื่อจากตลาด" in page and "121" in page
    # Out of range and other organisations are refused.
    assert (
        staff.post(
            f"/initiatives/{initiative.id}/paper", data={"count": 0, "received_on": now.date().isoformat()}
        ).status_code
        == 422
    )
    other = client_for(world.other_staff)
    assert (
        other.post(
            f"/initiatives/{initiative.id}/paper", data={"count": 5, "received_on": now.date().isoformat()}
        ).status_code
        == 403
    )
    assert services.public_count(initiative).total == 121


def test_reconcile_command_proves_counts_and_fails_on_drift(db, world, runner):
    now = db_module.utcnow()
    initiative = collecting(world, now=now)
    bulk_insert_signatures(initiative.id, 40, start=now - timedelta(hours=2), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    result = runner.invoke(args=["initiatives", "reconcile"])
    assert result.exit_code == 0, result.output
    # Tamper with the checkpoint: reconcile must notice.
    db.execute(
        Initiative.__table__.update().where(Initiative.id == initiative.id).values(counted_signatures=41)
    )
    db.commit()
    result = runner.invoke(args=["initiatives", "reconcile"])
    assert result.exit_code == 1
    assert f"initiative {initiative.id}" in result.output


def test_page_count_is_exact_without_a_worker(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now)
    bulk_insert_signatures(initiative.id, 25, start=now - timedelta(hours=1), end=now)
    db.commit()
    assert initiative.counted_signatures == 0
    assert services.public_count(initiative).total == 25
    services.refresh_counts(now)
    db.commit()
    bulk_insert_signatures(initiative.id, 5, start=now, end=now + timedelta(seconds=1))
    db.commit()
    assert services.public_count(initiative).total == 30


def test_daily_aggregate_feeds_the_chart(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now - timedelta(days=3))
    initiative.published_at = now - timedelta(days=3)
    bulk_insert_signatures(initiative.id, 30, start=now - timedelta(days=3), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    rows = db.scalars(select(DailyCount).where(DailyCount.initiative_id == initiative.id)).all()
    assert sum(r.signatures for r in rows) == 30
    assert 3 <= len(rows) <= 4


def _count_statements(app, fn) -> int:
    engine = app.extensions["participation.db"].engine
    statements = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # Requests share the test's session here: start each measurement from an empty identity map.
    db_module.session.expunge_all()
    event.listen(engine, "before_cursor_execute", _before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", _before)
    return len(statements)


@pytest.fixture
def config_overrides():
    """Rendering cost is measured: the anonymous page cache would answer repeated requests."""
    return {"PAGE_CACHE_SECONDS": 0}


def test_initiative_page_and_list_cost_do_not_grow_with_signatures(app, db, world, client):
    now = db_module.utcnow()
    small = collecting(world, now=now, title="เล็ก")
    large = collecting(world, now=now, title="ใหญ่")
    bulk_insert_signatures(small.id, 10, start=now - timedelta(days=2), end=now)
    bulk_insert_signatures(large.id, 3000, start=now - timedelta(days=2), end=now)
    db.commit()
    services.refresh_counts(now)
    db.commit()
    small_page = _count_statements(app, lambda: client.get(f"/initiatives/{small.id}"))
    large_page = _count_statements(app, lambda: client.get(f"/initiatives/{large.id}"))
    assert small_page == large_page
    list_before = _count_statements(app, lambda: client.get("/initiatives/"))
    bulk_insert_signatures(large.id, 2000, start=now, end=now + timedelta(seconds=2))
    db.commit()
    assert _count_statements(app, lambda: client.get("/initiatives/")) == list_before
    assert _count_statements(app, lambda: client.get(f"/initiatives/{large.id}")) == large_page
    assert services.public_count(db.get(Initiative, large.id)).total == 5000


def test_hand_over_before_the_worker_still_announces_the_threshold_once(db, world):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=1)
    services.sign(initiative, world.citizen, now, consent=True)
    services.hand_over(initiative, world.author, now)
    db.commit()
    services.refresh_counts(now + timedelta(seconds=5))
    db.commit()
    assert len(ledger_kinds("initiative.threshold_reached")) == 1
    assert initiative.threshold_reached_at is not None
