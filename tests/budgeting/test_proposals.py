"""Processes by the clock, proposals and their review, through HTTP and the services."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import worker
from participation.accounts.models import MembershipRole
from participation.budgeting import services
from participation.budgeting.models import BudgetProcess, BudgetProposal, Phase, ProposalStatus
from participation.transparency.models import LedgerEntry


class _Entry:
    def __init__(self, entry):
        self.kind = entry.kind
        self.subject_id = entry.subject_id
        self.payload = json.loads(entry.payload)


def _events(db, kind):
    rows = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind).order_by(LedgerEntry.seq)).all()
    return [_Entry(e) for e in rows]


def test_phase_follows_the_clock_and_the_worker_records_it(db, budget):
    process = budget.process(Phase.upcoming)
    start = process.proposals_opens_at
    assert process.phase_at(start - timedelta(seconds=1)) == Phase.upcoming
    assert process.phase_at(start) == Phase.proposals
    assert process.phase_at(process.review_opens_at) == Phase.review
    assert process.phase_at(process.voting_opens_at) == Phase.voting
    assert process.phase_at(process.voting_closes_at) == Phase.results
    assert process.phase_at(process.implementation_opens_at) == Phase.implementation

    assert "participation.budgeting.services:record_phases" in worker.JOBS
    assert (
        worker.run_once(start + timedelta(minutes=1))["participation.budgeting.services:record_phases"] == 1
    )
    assert (
        worker.run_once(start + timedelta(minutes=2))["participation.budgeting.services:record_phases"] == 0
    )
    worker.run_once(process.voting_closes_at + timedelta(minutes=1))
    db.expire_all()
    assert db.get(BudgetProcess, process.id).recorded_phase == Phase.results
    changes = _events(db, "budget.phase_changed")
    assert [(e.payload["from"], e.payload["to"]) for e in changes] == [
        ("upcoming", "proposals"),
        ("proposals", "results"),
    ]
    # Entering results publishes them once.
    assert len(_events(db, "budget.results_published")) == 1
    with pytest.raises(ValueError):
        process.record_phase(Phase.voting)


def test_create_process_over_http_and_settings_refused(client, login, db, budget, factory):
    login(budget.staff)
    data = {
        "organisation_id": budget.organisation.id,
        "slug": "bang-rak-2570",
        "title_th": "งบประมาณแบบมีส่วนร่วม เขตบางรัก 2570",
        "total_budget": "5000000",
        "currency": "THB",
        "proposals_opens_at": "2026-12-01T09:00",
        "review_opens_at": "2027-01-01T09:00",
        "voting_opens_at": "2027-02-01T09:00",
        "voting_closes_at": "2027-02-15T18:00",
        "implementation_opens_at": "2027-03-01T09:00",
        "districts": "สีลม | Si Lom | 2000000\nสุริยวงศ์ | Suriyawong | 1500000\nมหาพฤฒาราม | Maha Phruettharam | 1500000",
        "categories": "ถนนและทางเท้า | Roads",
        "propose_level": "1",
        "vote_level": "2",
        "ballot_type": "knapsack",
        "rule": "mes",
    }
    bad = client.post("/budgets/new", data={**data, "districts": "สีลม | Si Lom | 100"})
    assert bad.status_code == 422
    assert "The district budgets must add up to the total budget." in bad.get_data(as_text=True)
    cumulative_mes = client.post(
        "/budgets/new", data={**data, "ballot_type": "cumulative", "max_points": "10"}
    )
    assert cumulative_mes.status_code == 422
    assert "Method of Equal Shares needs approval or knapsack ballots" in cumulative_mes.get_data(
        as_text=True
    )
    assert db.scalar(select(BudgetProcess)) is None
    ok = client.post("/budgets/new", data=data)
    assert ok.status_code == 302
    process = services.get_process("bang-rak-2570")
    assert [d.budget for d in process.districts] == [2000000, 1500000, 1500000]
    # Bangkok local time stored as UTC.
    assert process.proposals_opens_at.hour == 2
    page = client.get("/budgets/bang-rak-2570").get_data(as_text=True)
    assert "Suriyawong" in page


@pytest.mark.parametrize("who", ["anonymous", "citizen", "moderator"])
def test_only_staff_create_processes(who, client, login, factory, budget):
    if who == "citizen":
        login(factory.user())
    elif who == "moderator":
        login(factory.user(moderator=True))
    response = client.get("/budgets/new")
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_proposal_submitted_reviewed_and_events(client, login, db, budget, factory):
    process = budget.process(Phase.proposals)
    author = login(factory.user())
    response = client.post(
        f"/budgets/{process.slug}/propose",
        data={
            "title": "ทางเท้าซอยสีลม 3",
            "description": "ซ่อมทางเท้าที่ชำรุด",
            "location": "ซอยสีลม 3",
            "estimated_cost": "250000",
        },
    )
    assert response.status_code == 302
    proposal = db.scalar(select(BudgetProposal))
    assert proposal.status == ProposalStatus.submitted and proposal.author_id == author.id
    submitted = _events(db, "budget.proposal_submitted")
    assert submitted[0].payload["title"] == "ทางเท้าซอยสีลม 3"
    assert "email" not in str(submitted[0].payload) and author.email not in str(submitted[0].payload)

    client.post("/signout")
    login(budget.staff)
    bad = client.post(
        f"/budgets/{process.slug}/proposals/{proposal.id}/review",
        data={"decision": "not_feasible", "reason": ""},
    )
    assert bad.status_code == 422
    assert "Please give the public reason" in bad.get_data(as_text=True)
    over = client.post(
        f"/budgets/{process.slug}/proposals/{proposal.id}/review",
        data={"decision": "feasible", "official_cost": "2000000"},
    )
    assert over.status_code == 422 and "cannot be more than the budget" in over.get_data(as_text=True)
    db.expire_all()
    assert db.get(BudgetProposal, proposal.id).status == ProposalStatus.submitted
    ok = client.post(
        f"/budgets/{process.slug}/proposals/{proposal.id}/review",
        data={"decision": "feasible", "official_cost": "280000", "reason": "รวมค่าระบายน้ำ"},
    )
    assert ok.status_code == 302
    db.expire_all()
    reviewed = db.get(BudgetProposal, proposal.id)
    assert reviewed.status == ProposalStatus.feasible and reviewed.cost == 280000
    event = _events(db, "budget.proposal_reviewed")[-1]
    assert event.payload["official_cost"] == 280000
    page = client.get(f"/budgets/{process.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert "(adjusted in the review)" in page or "ปรับ" in page


def test_reviewed_event_goes_to_the_author(db, budget, factory):
    from participation import events

    process = budget.process(Phase.review)
    author = factory.user()
    proposal = BudgetProposal(
        process_id=process.id, author_id=author.id, title="ไฟส่องสว่าง", estimated_cost=1000
    )
    db.add(proposal)
    db.flush()
    seen = []
    events.listen(seen.append)
    try:
        services.review_proposal(
            proposal, budget.staff, feasible=False, official_cost=None, reason="ไม่ใช่อำนาจของเขต"
        )
    finally:
        events._listeners.remove(seen.append)
    assert seen[-1].kind == "budget.proposal_reviewed" and seen[-1].recipient_ids == [author.id]
    assert proposal.status == ProposalStatus.not_feasible and proposal.review_reason == "ไม่ใช่อำนาจของเขต"


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("1000001", "cannot be more than the budget"),
        ("abc", "whole number"),
    ],
)
def test_impossible_costs_are_refused(cost, message, client, login, db, budget, factory):
    process = budget.process(Phase.proposals)
    login(factory.user(locale="en"))
    response = client.post(
        f"/budgets/{process.slug}/propose",
        data={"title": "สวน", "description": "สวนหย่อม", "estimated_cost": cost},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "สวนหย่อม" in html  # what was typed is kept
    assert db.scalar(select(BudgetProposal)) is None


def test_proposals_only_in_their_phase_and_district_required(client, login, db, budget, factory):
    closed = budget.process(Phase.review)
    login(factory.user(locale="en"))
    response = client.post(
        f"/budgets/{closed.slug}/propose", data={"title": "x", "description": "y", "estimated_cost": "10"}
    )
    assert response.status_code == 403
    assert "only be submitted while the proposals phase is open" in response.get_data(as_text=True)
    with_districts = budget.process(
        Phase.proposals, districts=[("สีลม", "Si Lom", 600000), ("สุริยวงศ์", None, 400000)]
    )
    response = client.post(
        f"/budgets/{with_districts.slug}/propose",
        data={"title": "x", "description": "y", "estimated_cost": "500000"},
    )
    assert response.status_code == 422 and "Please choose your district." in response.get_data(as_text=True)
    surawong = with_districts.districts[1]
    response = client.post(
        f"/budgets/{with_districts.slug}/propose",
        data={"title": "x", "description": "y", "estimated_cost": "500000", "district_id": str(surawong.id)},
    )
    assert response.status_code == 422  # over the district's own budget
    assert db.scalar(select(BudgetProposal)) is None


@pytest.mark.parametrize(
    "who", ["anonymous", "citizen", "other_staff", "moderator", "own_staff", "org_admin", "site_admin"]
)
def test_review_permission_matrix(who, client, login, db, budget, factory):
    process = budget.process(Phase.review)
    proposal = BudgetProposal(process_id=process.id, title="ลานกีฬา", estimated_cost=1000)
    db.add(proposal)
    db.commit()
    users = {
        "citizen": lambda: factory.user(),
        "other_staff": lambda: factory.staff(factory.organisation()),
        "moderator": lambda: factory.user(moderator=True),
        "own_staff": lambda: budget.staff,
        "org_admin": lambda: factory.staff(budget.organisation, MembershipRole.admin),
        "site_admin": lambda: factory.user(admin=True),
    }
    if who != "anonymous":
        login(users[who]())
    response = client.post(
        f"/budgets/{process.slug}/proposals/{proposal.id}/review",
        data={"decision": "feasible", "official_cost": "900"},
    )
    allowed = who in ("own_staff", "org_admin", "site_admin")
    assert response.status_code == (302 if allowed else 403 if who != "anonymous" else 302)
    db.expire_all()
    assert (db.get(BudgetProposal, proposal.id).status == ProposalStatus.feasible) is allowed
    page = client.get(f"/budgets/{process.slug}/proposals/{proposal.id}").get_data(as_text=True)
    assert ("Save the review" in page or "บันทึกผลการพิจารณา" in page) is (allowed and True)


def test_index_and_home_list_processes(client, budget):
    process = budget.process(Phase.voting)
    index = client.get("/budgets/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Test participatory budget" in index and "Voting open" in index
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/budgets/{process.slug}" in home


def test_process_page_query_count_is_constant(client, db, budget):
    from sqlalchemy import event

    process = budget.process(Phase.review, districts=[("สีลม", "Si Lom", 600000), ("สุริยวงศ์", None, 400000)])
    engine = db.get_bind()

    def count_with(n):
        for i in range(n):
            budget.feasible(process, f"โครงการ {n}-{i}", 100, district=process.districts[i % 2])
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/budgets/{process.slug}").status_code == 200
            assert client.get("/budgets/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    count_with(1)
    assert count_with(3) == count_with(30)


def test_staff_see_how_many_proposals_wait_for_review(client, login, db, budget, factory):
    process = budget.process(Phase.review)
    db.add_all(
        [BudgetProposal(process_id=process.id, title=f"ข้อเสนอ {i}", estimated_cost=100) for i in range(3)]
    )
    db.commit()
    budget.feasible(process, "ผ่าน", 100)
    login(budget.staff)
    page = client.get(f"/budgets/{process.slug}").get_data(as_text=True)
    assert "For staff: 3 proposals wait for review, 1 are feasible, 0 not feasible." in page
    client.post("/signout")
    login(factory.user(locale="en"))
    assert "For staff" not in client.get(f"/budgets/{process.slug}").get_data(as_text=True)
