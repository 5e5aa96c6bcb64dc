"""The demo loads through the services and every budgeting page renders from it."""

from __future__ import annotations

from sqlalchemy import select

from participation.budgeting import services
from participation.budgeting.models import BudgetProposal, ImplementationStatus, ProposalStatus
from participation.demo import load_demo


def test_demo_processes_in_every_state(client, db, login, factory):
    load_demo()
    db.commit()
    past = services.get_process("bang-rak-2570")
    silom = next(d for d in past.districts if d.name_th == "สีลม")
    assert services.tally(past, "greedy", silom).selected != services.tally(past, "mes", silom).selected
    statuses = {p.status for p in db.scalars(select(BudgetProposal))}
    assert statuses == set(ProposalStatus)
    assert db.scalar(
        select(BudgetProposal).where(BudgetProposal.official_cost != BudgetProposal.estimated_cost)
    )
    assert db.scalar(
        select(BudgetProposal).where(BudgetProposal.implementation_status == ImplementationStatus.completed)
    )
    en = {"Accept-Language": "en"}
    assert "Bang Rak" in client.get("/budgets/", headers=en).get_data(as_text=True)
    results = client.get("/budgets/bang-rak-2570/results", headers=en).get_data(as_text=True)
    assert "Under greedy" in results and "would be selected under the other rule" in results
    for proposal in db.scalars(select(BudgetProposal)):
        assert client.get(f"/budgets/{proposal.process.slug}/proposals/{proposal.id}").status_code == 200
    for slug in ("bang-rak-2570", "bang-rak-2571", "chiang-mai-2570"):
        assert client.get(f"/budgets/{slug}").status_code == 200
    assert client.get("/").status_code == 200
    # A resident signs in with a demo account through the real sign-in form, as the README says.
    from participation.accounts.services import find_user_by_email
    from participation.demo import DEMO_PASSWORD

    login(find_user_by_email("somchai@demo.participation.example"), DEMO_PASSWORD)
    vote = client.get("/budgets/chiang-mai-2570/vote", headers=en)
    assert vote.status_code == 200 and "ทางจักรยานรอบคูเมือง" in vote.get_data(as_text=True)
