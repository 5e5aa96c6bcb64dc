"""The transparency page, the verification job and tampering with the ledger."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from participation import worker
from participation.transparency import jobs
from participation.transparency.models import LedgerEntry, LedgerVerification
from tests.transparency.helpers import publish_events


def _verifications(db):
    db.expire_all()
    return db.scalars(select(LedgerVerification).order_by(LedgerVerification.id)).all()


class TestPage:
    def test_head_and_entries_shown(self, client, db):
        publish_events(db, 3)
        head = client.get("/api/v1/ledger/head").json
        html = client.get("/transparency").get_data(as_text=True)
        assert head["hash"] in html
        footer = html[html.index('<footer class="site-footer">') :]
        assert head["hash"] in footer, "head hash belongs in the footer of this page"
        assert "เปิดรับฟังความคิดเห็น" in html or "hearing.opened" in html
        assert html.index('id="entry-3"') < html.index('id="entry-1"'), "newest first"

    def test_thai_dates_in_buddhist_era(self, client, db):
        publish_events(db, 1)
        year = db.scalar(select(LedgerEntry.created_at)).year
        th = client.get("/transparency").get_data(as_text=True)
        en = client.get("/transparency", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert str(year + 543) in th
        assert str(year + 543) not in en and str(year) in en

    def test_paginated_newest_first(self, client, db):
        publish_events(db, 53)
        html = client.get("/transparency").get_data(as_text=True)
        seqs = [int(s) for s in re.findall(r'id="entry-(\d+)"', html)]
        assert seqs == list(range(53, 3, -1))
        older = re.search(r'href="(/transparency\?cursor=[^"#]+)', html).group(1).replace("&amp;", "&")
        rest = client.get(older).get_data(as_text=True)
        assert [int(s) for s in re.findall(r'id="entry-(\d+)"', rest)] == [3, 2, 1]
        assert 'rel="next"' not in rest

    def test_bad_cursor_is_400_not_500(self, client, db):
        publish_events(db, 2)
        assert client.get("/transparency?cursor=abc").status_code == 400

    def test_entry_permalink(self, client, db):
        publish_events(db, 2)
        html = client.get("/transparency/ledger/2").get_data(as_text=True)
        entry = db.scalar(select(LedgerEntry).where(LedgerEntry.seq == 2))
        assert entry.hash in html and entry.prev_hash in html
        assert "ร่างพระราชบัญญัติฉบับที่ 2" in html
        assert client.get("/transparency/ledger/99").status_code == 404

    def test_shows_last_verification_not_a_live_one(self, client, db):
        publish_events(db, 2)
        html = client.get("/transparency", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Not verified yet" in html
        worker.run_once()
        html = client.get("/transparency", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "The chain is intact." in html
        assert "2 entries checked" in html

    def test_page_queries_do_not_grow_with_the_ledger(self, app, client, db):
        from sqlalchemy import event

        engine = app.extensions["participation.db"].engine
        counts: list[int] = []
        active = [False]

        def count(*_args):
            if active[0]:
                counts[-1] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            for n in (5, 120):
                publish_events(db, n)
                counts.append(0)
                active[0] = True
                assert client.get("/transparency").status_code == 200
                active[0] = False
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert counts[0] == counts[1]


class TestJob:
    def test_runs_at_most_every_ten_minutes(self, db):
        publish_events(db, 2)
        now = db.scalar(select(func.max(LedgerEntry.created_at))) + timedelta(seconds=1)
        assert jobs.verify_ledger(now) == 1
        assert jobs.verify_ledger(now + timedelta(minutes=9)) == 0
        assert jobs.verify_ledger(now + timedelta(minutes=10)) == 1
        db.commit()
        rows = _verifications(db)
        assert len(rows) == 2 and all(r.ok for r in rows)
        assert rows[-1].head_seq == 2

    def test_registered_in_the_worker(self, db):
        assert "participation.transparency.jobs:verify_ledger" in worker.JOBS
        publish_events(db, 1)
        assert worker.run_once()["participation.transparency.jobs:verify_ledger"] == 1
        assert _verifications(db)[-1].ok


def _tamper_update_payload(db):
    db.execute(text("UPDATE ledger_entries SET payload = :p WHERE seq = 3"), {"p": '{"days": 1}'})


def _tamper_delete(db):
    db.execute(text("DELETE FROM ledger_entries WHERE seq = 3"))


def _tamper_swap(db):
    db.execute(text("UPDATE ledger_entries SET seq = 1000 WHERE seq = 3"))
    db.execute(text("UPDATE ledger_entries SET seq = 3 WHERE seq = 4"))
    db.execute(text("UPDATE ledger_entries SET seq = 4 WHERE seq = 1000"))


def _tamper_delete_last(db):
    db.execute(text("DELETE FROM ledger_entries WHERE seq = 5"))


@pytest.mark.parametrize(
    ("tamper", "bad_seq", "reason"),
    [
        (_tamper_update_payload, 3, "content does not match its hash"),
        (_tamper_delete, 3, "missing or reordered entry"),
        (_tamper_swap, 3, "previous hash does not match"),
        (_tamper_delete_last, 5, "entries after the last were removed"),
    ],
    ids=["update-payload", "delete-entry", "swap-entries", "delete-last"],
)
def test_tampering_is_caught_by_the_cli_and_the_job(runner, client, db, tamper, bad_seq, reason):
    publish_events(db, 5)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    tamper(db)
    db.commit()

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"FAILED at entry {bad_seq}: {reason}" in result.output

    worker.run_once()
    row = _verifications(db)[-1]
    assert (row.ok, row.bad_seq, row.reason) == (False, bad_seq, reason)
    html = client.get("/transparency", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The chain is broken." in html
    assert f"entry {bad_seq} does not verify" in html
