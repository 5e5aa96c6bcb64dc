"""Ballots: validation of each type through HTTP (with and without the script),
one ballot per voter (database constraint, change replaces, concurrency) and secrecy."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import IntegrityError

from participation import db as db_module
from participation.budgeting import services
from participation.budgeting.models import Ballot, BallotChoice, BallotType, Phase


def _ballots(db):
    return db.scalar(select(func.count(Ballot.id)))


def _choices(db):
    return dict(db.execute(select(BallotChoice.proposal_id, BallotChoice.points)).all())


@pytest.fixture
def knapsack(budget):
    process = budget.process(Phase.voting, ballot_type=BallotType.knapsack, total_budget=1000)
    projects = [budget.feasible(process, f"โครงการ {c}", c) for c in (600, 500, 300)]
    return process, projects


def test_knapsack_over_budget_refused_without_javascript(client, login, db, budget, knapsack):
    process, (a, b, c) = knapsack
    login(budget.voter())
    page = client.get(f"/budgets/{process.slug}/vote")
    assert page.status_code == 200 and "budget-ballot.js" in page.get_data(as_text=True)
    # "Check the totals" (no JS): the server computes the running total and explains the problem.
    check = client.post(
        f"/budgets/{process.slug}/vote",
        data={"project": [a.id, b.id], "action": "check"},
        headers={"Accept-Language": "en"},
    )
    html = check.get_data(as_text=True)
    assert check.status_code == 422
    assert "฿1,100" in html and "cost more than the budget" in html
    assert _ballots(db) == 0
    # Submitting the same over-budget ballot is refused too, nothing saved, choices kept.
    refused = client.post(
        f"/budgets/{process.slug}/vote",
        data={"project": [a.id, b.id], "action": "submit"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422 and "cost more than the budget" in refused.get_data(as_text=True)
    assert f'value="{a.id}" id="project-{a.id}" data-cost="600" checked' in refused.get_data(as_text=True)
    assert _ballots(db) == 0
    ok_check = client.post(
        f"/budgets/{process.slug}/vote",
        data={"project": [a.id, c.id], "action": "check"},
        headers={"Accept-Language": "en"},
    )
    assert ok_check.status_code == 200 and "฿900" in ok_check.get_data(as_text=True)
    assert _ballots(db) == 0  # checking never saves
    ok = client.post(f"/budgets/{process.slug}/vote", data={"project": [a.id, c.id]})
    assert ok.status_code == 302
    assert _choices(db) == {a.id: 1, c.id: 1}


def test_approval_limit(client, login, db, budget):
    process = budget.process(Phase.voting, ballot_type=BallotType.approval, max_choices=2)
    ids = [budget.feasible(process, f"โครงการ {i}", 100 + i).id for i in range(3)]
    login(budget.voter())
    response = client.post(
        f"/budgets/{process.slug}/vote", data={"project": ids}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422 and "more projects than this ballot allows" in response.get_data(
        as_text=True
    )
    assert _ballots(db) == 0
    assert client.post(f"/budgets/{process.slug}/vote", data={"project": ids[:2]}).status_code == 302
    assert _ballots(db) == 1


def test_cumulative_points(client, login, db, budget):
    process = budget.process(Phase.voting, ballot_type=BallotType.cumulative, max_points=10, max_choices=None)
    a, b = (budget.feasible(process, f"โครงการ {i}", 100) for i in range(2))
    login(budget.voter())
    url = f"/budgets/{process.slug}/vote"
    en = {"Accept-Language": "en"}
    too_many = client.post(url, data={f"points-{a.id}": "7", f"points-{b.id}": "4"}, headers=en)
    assert too_many.status_code == 422 and "more points than you have" in too_many.get_data(as_text=True)
    negative = client.post(url, data={f"points-{a.id}": "-1", f"points-{b.id}": "4"}, headers=en)
    assert negative.status_code == 422 and "greater than zero" in negative.get_data(as_text=True)
    garbage = client.post(url, data={f"points-{a.id}": "many"}, headers=en)
    assert garbage.status_code == 422
    check = client.post(
        url, data={f"points-{a.id}": "6", f"points-{b.id}": "4", "action": "check"}, headers=en
    )
    assert check.status_code == 200 and 'data-total="points">10<' in check.get_data(as_text=True)
    assert _ballots(db) == 0
    assert client.post(url, data={f"points-{a.id}": "6", f"points-{b.id}": "4"}).status_code == 302
    assert _choices(db) == {a.id: 6, b.id: 4}


def test_empty_and_foreign_projects_refused(client, login, db, budget, knapsack):
    process, _ = knapsack
    other = budget.process(Phase.voting)
    foreign = budget.feasible(other, "ที่อื่น", 10)
    login(budget.voter())
    en = {"Accept-Language": "en"}
    assert client.post(f"/budgets/{process.slug}/vote", data={}, headers=en).status_code == 422
    response = client.post(f"/budgets/{process.slug}/vote", data={"project": [foreign.id]}, headers=en)
    assert response.status_code == 422 and "not on the ballot" in response.get_data(as_text=True)
    assert _ballots(db) == 0


@pytest.mark.parametrize("phase", [Phase.proposals, Phase.review, Phase.results])
def test_votes_outside_the_voting_phase_refused(phase, client, login, db, budget):
    process = budget.process(phase)
    project = budget.feasible(process, "โครงการ", 100)
    login(budget.voter())
    response = client.post(
        f"/budgets/{process.slug}/vote", data={"project": [project.id]}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 403 and "Voting is not open" in response.get_data(as_text=True)
    assert _ballots(db) == 0


def test_anonymous_and_unverified_cannot_vote(client, login, db, budget, factory, knapsack):
    process, (a, *_rest) = knapsack
    en = {"Accept-Language": "en"}
    assert (
        client.post(f"/budgets/{process.slug}/vote", data={"project": [a.id]}, headers=en).status_code == 401
    )
    login(factory.user(locale="en"))  # email only; the process asks for a national ID
    response = client.post(f"/budgets/{process.slug}/vote", data={"project": [a.id]}, headers=en)
    assert response.status_code == 403 and "verified identity" in response.get_data(as_text=True)
    assert _ballots(db) == 0


def test_district_vote(client, login, db, budget):
    process = budget.process(
        Phase.voting,
        districts=[("สีลม", "Si Lom", 600), ("สุริยวงศ์", None, 400)],
        total_budget=1000,
        ballot_type=BallotType.knapsack,
    )
    silom, surawong = process.districts
    in_silom = budget.feasible(process, "สีลม 1", 500, district=silom)
    in_surawong = budget.feasible(process, "สุริยวงศ์ 1", 300, district=surawong)
    login(budget.voter())
    url = f"/budgets/{process.slug}/vote"
    assert "Choose your district" in client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    page = client.get(f"{url}?district={silom.id}").get_data(as_text=True)
    assert "สีลม 1" in page and "สุริยวงศ์ 1" not in page
    wrong = client.post(url, data={"district_id": str(silom.id), "project": [in_surawong.id]})
    assert wrong.status_code == 422
    no_district = client.post(url, data={"project": [in_silom.id]})
    assert no_district.status_code == 422
    assert client.post(url, data={"district_id": str(silom.id), "project": [in_silom.id]}).status_code == 302
    # Voting in another district replaces the ballot: one ballot per voter per process.
    assert (
        client.post(url, data={"district_id": str(surawong.id), "project": [in_surawong.id]}).status_code
        == 302
    )
    # The voter's page opens on their district; the link to another district shows the chooser.
    assert "สุริยวงศ์ 1" in client.get(url).get_data(as_text=True)
    assert "Choose your district" in client.get(
        f"{url}?district=", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    rows = db.execute(select(Ballot.district_id)).all()
    assert rows == [(surawong.id,)]
    assert _choices(db) == {in_surawong.id: 1}


def test_changing_a_ballot_replaces_it_and_the_voter_sees_their_own(client, login, db, budget, knapsack):
    process, (a, b, c) = knapsack
    voter = login(budget.voter())
    url = f"/budgets/{process.slug}/vote"
    client.post(url, data={"project": [a.id]})
    client.post(url, data={"project": [b.id, c.id]})
    assert _ballots(db) == 1 and _choices(db) == {b.id: 1, c.id: 1}
    page = client.get(url).get_data(as_text=True)
    assert f'value="{b.id}" id="project-{b.id}" data-cost="500" checked' in page
    assert f'value="{a.id}" id="project-{a.id}" data-cost="600">' in page
    mine = services.my_ballot(process, voter)
    assert mine[1] == {b.id: 1, c.id: 1}


def test_unique_constraint_refuses_a_second_ballot(db, budget, knapsack):
    process, (a, *_rest) = knapsack
    voter = budget.voter()
    key = services.voter_key(process, voter)
    db.add(Ballot(process_id=process.id, voter_key=key))
    db.commit()
    db.add(Ballot(process_id=process.id, voter_key=key))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    # The same person in another process has an unrelated key (no join across processes).
    other = budget.process(Phase.voting)
    assert services.voter_key(other, voter) != key


def test_choice_constraints(db, budget, knapsack):
    process, (a, *_rest) = knapsack
    ballot = Ballot(process_id=process.id, voter_key="k" * 64)
    db.add(ballot)
    db.commit()
    for bad in ({"points": 0}, {"points": -2}):
        db.add(BallotChoice(ballot_id=ballot.id, proposal_id=a.id, **bad))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
    db.add_all(
        [
            BallotChoice(ballot_id=ballot.id, proposal_id=a.id),
            BallotChoice(ballot_id=ballot.id, proposal_id=a.id),
        ]
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_two_accounts_of_one_person_share_one_ballot(client, login, db, budget, factory, knapsack):
    from tests.factories import valid_national_id

    process, (a, b, _c) = knapsack
    nid = valid_national_id("310060012345")
    first = factory.user(national_id=nid)
    # A second account cannot declare the same ID (unique), so the key is the national ID's:
    assert first.identity_key().startswith("nid:")
    services.cast_ballot(process, first, district_id=None, choices={a.id: 1})
    services.cast_ballot(process, first, district_id=None, choices={b.id: 1})
    db.commit()
    assert _ballots(db) == 1


def test_ballots_are_secret(client, login, db, budget, knapsack):
    process, (a, *_rest) = knapsack
    voter = login(budget.voter())
    client.post(f"/budgets/{process.slug}/vote", data={"project": [a.id]})
    columns = {c["name"] for c in inspect(db.get_bind()).get_columns("budget_ballots")}
    assert columns == {"id", "process_id", "district_id", "voter_key", "cast_at"}
    assert not any("user" in c for c in columns)
    stored = db.scalar(select(Ballot))
    from participation.identity import keyed_hash

    assert stored.voter_key == keyed_hash(f"ballot:{process.id}", voter.identity_key())
    assert voter.identity_key() not in stored.voter_key
    # Ballots are not events.
    from participation.transparency.models import LedgerEntry

    kinds = set(db.scalars(select(LedgerEntry.kind)).all())
    assert not any("ballot" in k or "vote" in k for k in kinds)


@pytest.mark.postgres_only  # real row locks between concurrent transactions
def test_concurrent_submissions_by_one_voter_never_both_count(app, db, budget, knapsack):
    process, (a, b, c) = knapsack
    voter = budget.voter()
    process_id, voter_id = process.id, voter.id
    barrier = threading.Barrier(8)
    errors = []

    def submit(choice):
        try:
            with app.app_context():
                from participation.accounts.models import User
                from participation.budgeting.models import BudgetProcess

                session = db_module.session
                p = session.get(BudgetProcess, process_id)
                u = session.get(User, voter_id)
                barrier.wait()
                services.cast_ballot(p, u, district_id=None, choices=choice)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=({[a, b, c][i % 3].id: 1},)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.expire_all()
    assert _ballots(db) == 1
    choices = _choices(db)
    assert len(choices) == 1  # exactly one submission's choices, never a mix


def test_ballot_page_query_count_is_constant(client, login, db, budget):
    process = budget.process(Phase.voting, ballot_type=BallotType.knapsack, total_budget=10_000_000)
    login(budget.voter())
    engine = db.get_bind()

    def count_for(n):
        for i in range(n):
            budget.feasible(process, f"โครงการ {n}-{i}", 100)
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/budgets/{process.slug}/vote").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    count_for(1)  # warm up: the first request after sign-in loads more once
    assert count_for(3) == count_for(40)


@pytest.mark.parametrize(
    "data",
    [
        {"project": ["²"]},
        {"project": ["99999999999999999999"]},
        {"project": ["x"]},
    ],
)
def test_hand_made_ballot_values_are_refused_not_a_500(client, login, db, budget, knapsack, data):
    process, _ = knapsack
    login(budget.voter())
    assert client.post(f"/budgets/{process.slug}/vote", data=data).status_code == 422
    assert _ballots(db) == 0
