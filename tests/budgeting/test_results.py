"""Results: computed from the stored ballots, explained per project, published as a
snapshot, recomputed by staff only; implementation updates on selected projects."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import event, select

from participation import db as db_module
from participation.budgeting import services
from participation.budgeting.models import (
    Ballot,
    BallotType,
    BudgetProposal,
    BudgetResult,
    ImplementationStatus,
    Phase,
    Rule,
)
from participation.transparency.models import LedgerEntry

EN = {"Accept-Language": "en"}


_keys = itertools.count(1)


def _cast(db, process, choices_per_voter):
    """Ballots written as the import does (keys only), for a process whose voting is over."""
    for choices in choices_per_voter:
        ballot = Ballot(process_id=process.id, voter_key=f"{next(_keys):064d}")
        db.add(ballot)
        db.flush()
        for proposal in choices:
            db.execute(
                Ballot.__table__.metadata.tables["budget_ballot_choices"].insert(),
                {"ballot_id": ballot.id, "proposal_id": proposal.id, "points": 1},
            )
    db.commit()


@pytest.fixture
def divided(db, budget):
    """Six residents want A and B, four want C: greedy gives the six everything."""

    def make(rule: Rule, phase: Phase = Phase.results):
        process = budget.process(
            phase, ballot_type=BallotType.approval, max_choices=None, total_budget=100, rule=rule
        )
        a = budget.feasible(process, "ลานกีฬา A", 60)
        b = budget.feasible(process, "ทางเท้า B", 40)
        c = budget.feasible(process, "ห้องสมุด C", 40)
        _cast(db, process, [[a, b]] * 6 + [[c]] * 4)
        return process, (a, b, c)

    return make


def test_greedy_and_mes_differ_and_each_is_explained(client, db, divided):
    process, (a, b, c) = divided(Rule.mes)
    assert services.tally(process, "greedy").selected == [b.tally_id, a.tally_id]
    assert services.tally(process, "mes").selected == [b.tally_id, c.tally_id]
    page = client.get(f"/budgets/{process.slug}/results", headers=EN).get_data(as_text=True)
    assert "Counted with the Method of Equal Shares" in page
    assert "its supporters&#39; shares were spent" in page  # A under MES
    assert "not enough budget left when its turn came" in page  # C under greedy (comparison column)
    assert "ห้องสมุด C would be selected under the other rule" not in page  # C is selected here
    assert "ลานกีฬา A would be selected under the other rule." in page
    assert "equal share: ฿10." in page
    assert "<svg" in page  # the chart, drawn on the server


def test_greedy_results_page(client, db, divided):
    process, (a, b, c) = divided(Rule.greedy)
    page = client.get(f"/budgets/{process.slug}/results", headers=EN).get_data(as_text=True)
    assert "Counted greedily" in page
    assert "Not selected: not enough budget left when its turn came (฿0 left, it costs ฿40)." in page
    assert "ห้องสมุด C would be selected under the other rule." in page


def test_results_published_when_voting_ends_and_recomputed_by_staff_only(
    client, login, db, budget, divided, factory
):
    from participation import worker

    process, (a, b, c) = divided(Rule.greedy)
    worker.run_once()
    snapshot = db.scalar(select(BudgetResult).where(BudgetResult.process_id == process.id))
    assert snapshot is not None and snapshot.ballots == 10
    db.expire_all()
    assert {p.title for p in db.scalars(select(BudgetProposal).where(BudgetProposal.selected))} == {
        "ลานกีฬา A",
        "ทางเท้า B",
    }
    entries = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "budget.results_published")).all()
    assert len(entries) == 1
    payload = json.loads(entries[0].payload)
    assert payload["ballots"] == 10 and sorted(payload["selected"]) == sorted([a.id, b.id])
    # No voter information anywhere in the published data.
    text = json.dumps(snapshot.data) + entries[0].payload
    assert "0" * 60 not in text and "voter" not in text

    url = f"/budgets/{process.slug}/results"
    login(factory.user())
    assert client.post(url).status_code == 403
    client.post("/signout")
    login(factory.staff(factory.organisation()))
    assert client.post(url).status_code == 403
    client.post("/signout")
    login(budget.staff)
    assert client.post(url).status_code == 302
    assert (
        len(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "budget.results_published")).all()) == 2
    )


def test_results_hidden_while_voting(client, db, divided):
    process, _ = divided(Rule.greedy, Phase.voting)
    assert client.get(f"/budgets/{process.slug}/results").status_code == 404
    with pytest.raises(services.BudgetError):
        services.publish_results(process)


def test_results_page_query_count_is_constant(client, db, budget, divided):
    process, projects = divided(Rule.mes)
    services.publish_results(process)
    db.commit()
    engine = db.get_bind()

    def count():
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/budgets/{process.slug}/results").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    few = count()
    more = [budget.feasible(process, f"โครงการ {i}", 10) for i in range(30)]
    _cast(db, process, [more[:5]] * 40)
    services.publish_results(process)
    db.commit()
    assert count() == few


def test_implementation_updates(client, login, db, budget, divided, factory):
    process, (a, b, c) = divided(Rule.greedy)
    services.publish_results(process)
    db.commit()
    url = f"/budgets/{process.slug}/proposals/{a.id}/updates"
    login(factory.user())
    assert client.post(url, data={"status": "in_progress", "text": "เริ่มงาน"}).status_code == 403
    client.post("/signout")
    login(budget.staff)
    empty = client.post(url, data={"status": "in_progress", "text": ""}, headers=EN)
    assert empty.status_code == 422 and "Please write what changed." in empty.get_data(as_text=True)
    assert client.post(url, data={"status": "in_progress", "text": "เริ่มก่อสร้างแล้ว"}).status_code == 302
    db.expire_all()
    assert db.get(BudgetProposal, a.id).implementation_status == ImplementationStatus.in_progress
    page = client.get(f"/budgets/{process.slug}/proposals/{a.id}").get_data(as_text=True)
    assert "เริ่มก่อสร้างแล้ว" in page
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == "budget.implementation_update"))
    assert json.loads(entry.payload)["status"] == "in_progress"
    # A project that was not selected takes no updates.
    refused = client.post(
        f"/budgets/{process.slug}/proposals/{c.id}/updates",
        data={"status": "planned", "text": "x"},
        headers=EN,
    )
    assert refused.status_code == 422 and "Only projects selected by the vote" in refused.get_data(
        as_text=True
    )


def test_worker_job_is_registered_and_idempotent(db, divided):
    process, _ = divided(Rule.greedy)
    now = db_module.utcnow()
    assert services.record_phases(now) == 1
    assert services.record_phases(now) == 0


def test_results_page_and_export_reveal_no_voter(client, db, divided, runner):
    process, _ = divided(Rule.mes)
    services.publish_results(process)
    db.commit()
    keys = db.scalars(select(Ballot.voter_key)).all()
    page = client.get(f"/budgets/{process.slug}/results").get_data(as_text=True)
    exported = runner.invoke(args=["budgeting", "export", process.slug]).output
    for key in keys:
        assert key not in page and key not in exported
    assert "voter_key" not in exported


def test_ballot_script_is_served_as_an_external_file(client):
    response = client.get("/static/js/budget-ballot.js")
    assert response.status_code == 200 and b"data-cost" in response.data
