"""The fast MES engine against a plain Fraction transcription of the rule, field by field.

``rules.mes`` screens projects with floats and only does exact arithmetic where a decision
needs it; a wrong error bound or a wrong shortcut would change a winner, a payment or what
supporters have left only in rare, close cases. These tests build many small random elections
full of such cases (equal costs, identical supporter sets, duplicated ballots, fractional and
integral shares, every completion) and compare the whole :class:`rules.Outcome` with the one
computed by :func:`reference_outcome`, which keeps one Fraction per voter and does nothing
clever. They also rerun elections with the float unit roundoff inflated, which widens every
float bound (still valid, only less tight) so that the exact fallbacks decide most steps.
"""

import random
from fractions import Fraction

import numpy as np
import pytest

from participation.budgeting import pabulib, rules
from participation.budgeting.rules import Outcome, Project, ProjectResult, mes


def reference_run(projects, ballots, share):
    """MES with the given per-voter share, one Fraction per voter: (winners, payments, money)."""
    cost = {p.id: p.cost for p in projects}
    approvers = {p.id: [v for v, ballot in enumerate(ballots) if p.id in ballot] for p in projects}
    money = [Fraction(share)] * len(ballots)
    remaining = {p.id for p in projects if approvers[p.id]}
    winners, payments = [], []
    while True:
        best, best_key, best_q = None, None, None
        for c in sorted(remaining):
            supporters = approvers[c]
            if sum(money[v] for v in supporters) < cost[c]:
                continue
            paid, still = Fraction(0), len(supporters)
            for v in sorted(supporters, key=lambda v: money[v]):
                q = (cost[c] - paid) / still
                if q <= money[v]:
                    break
                paid += money[v]
                still -= 1
            key = (q / cost[c], -len(supporters), cost[c], c)
            if best_key is None or key < best_key:
                best, best_key, best_q = c, key, q
        if best is None:
            return winners, payments, money
        for v in approvers[best]:
            money[v] = max(money[v] - best_q, Fraction(0))
        winners.append(best)
        payments.append(best_q)
        remaining.remove(best)


def reference_outcome(projects, budget, ballots, completion):
    """The complete outcome of ``rules.mes`` computed the slow, obvious way."""
    cost = {p.id: p.cost for p in projects}
    votes = {p.id: sum(p.id in ballot for ballot in ballots) for p in projects}
    n = len(ballots)
    run, share, steps = None, None, 0
    if n:
        share = Fraction(budget, n)
        run = reference_run(projects, ballots, share)
        if completion in ("add1", "add1_utilitarian"):
            while True:
                left = budget - sum(cost[c] for c in run[0])
                if all(cost[c] > left for c in votes if votes[c] and c not in run[0]):
                    break  # exhaustive: nothing voted for and left out fits in what is left
                candidate_share = Fraction(budget // n + steps + 1)
                candidate = reference_run(projects, ballots, candidate_share)
                if sum(cost[c] for c in candidate[0]) > budget:
                    break
                run, share, steps = candidate, candidate_share, steps + 1
    results, selected = {}, []
    if run is not None:
        for round_, (c, q) in enumerate(zip(run[0], run[1], strict=True), start=1):
            selected.append(c)
            results[c] = ProjectResult(
                c,
                cost[c],
                votes[c],
                votes[c],
                rules.SELECTED,
                rules.REASON_SELECTED_MES,
                round=round_,
                max_payment=q,
            )
    if completion == "add1_utilitarian":
        order = sorted(cost, key=lambda c: (-votes[c], cost[c], c))
        for rank, c in enumerate(order, start=1):
            if c in results or not votes[c]:
                continue
            if cost[c] <= budget - sum(cost[s] for s in selected):
                selected.append(c)
                results[c] = ProjectResult(
                    c,
                    cost[c],
                    votes[c],
                    votes[c],
                    rules.SELECTED,
                    rules.REASON_SELECTED_COMPLETION,
                    rank=rank,
                )
    for p in projects:
        c = p.id
        if c in results:
            continue
        if not votes[c]:
            reason = rules.REASON_NO_VOTES
        elif cost[c] > budget:
            reason = rules.REASON_NOT_ENOUGH_BUDGET
        else:
            reason = rules.REASON_SUPPORTERS_BUDGET_SPENT
        money = None
        if run is not None and votes[c]:
            money = sum((run[2][v] for v, ballot in enumerate(ballots) if c in ballot), Fraction(0))
        results[c] = ProjectResult(
            c, cost[c], votes[c], votes[c], rules.NOT_SELECTED, reason, supporters_money=money
        )
    return Outcome(
        rule="mes",
        budget=budget,
        selected=selected,
        total_cost=sum(cost[c] for c in selected),
        results={p.id: results[p.id] for p in projects},
        endowment=share,
        add1_steps=steps,
    )


def random_election(generator, max_projects=7, max_voters=12):
    """Projects with few distinct costs, ballots drawn from a few patterns (so groups and
    identical supporter sets are common), and a budget that gives integral or fractional
    shares."""
    costs = generator.choice([[6], [3, 6], [4, 6, 12], [5, 7, 10, 12, 25, 40], [2, 30, 31, 60]])
    projects = [Project(f"p{i}", generator.choice(costs)) for i in range(generator.randint(1, max_projects))]
    ids = [p.id for p in projects]
    patterns = [
        set(generator.sample(ids, generator.randint(0, len(ids)))) for _ in range(generator.randint(1, 5))
    ]
    ballots = [set(generator.choice(patterns)) for _ in range(generator.randint(1, max_voters))]
    n = len(ballots)
    budget = generator.choice(
        [
            generator.randint(0, 120),
            n * generator.randint(1, 20),
            n * generator.randint(1, 20) + generator.randint(1, n),
        ]
    )
    return projects, budget, ballots


@pytest.mark.parametrize("seed", range(8))
def test_mes_equals_reference_on_random_elections(seed):
    generator = random.Random(8_000 + seed)
    for _ in range(60):
        projects, budget, ballots = random_election(generator)
        for completion in rules.COMPLETIONS:
            expected = reference_outcome(projects, budget, ballots, completion)
            assert mes(projects, budget, ballots, completion=completion) == expected, (
                projects,
                budget,
                ballots,
                completion,
            )


def test_mes_equals_reference_with_many_voters_per_group():
    # Groups of tens of identical ballots: payments with large denominators, many voters
    # running out together, and float sums over hundreds of entries.
    generator = random.Random(515)
    for _ in range(12):
        projects = [Project(f"p{i}", generator.choice([97, 250, 251, 600, 1000])) for i in range(6)]
        ids = [p.id for p in projects]
        patterns = [set(generator.sample(ids, generator.randint(1, 4))) for _ in range(6)]
        ballots = [set(pattern) for pattern in patterns for _ in range(generator.randint(5, 40))]
        budget = generator.randint(len(ballots) * 3, len(ballots) * 12)
        for completion in (None, "add1"):
            expected = reference_outcome(projects, budget, ballots, completion)
            assert mes(projects, budget, ballots, completion=completion) == expected


@pytest.fixture
def coarse_floats(monkeypatch):
    """Pretend floats carry only about 8 bits: every bound widens, so the screening is
    inconclusive far more often and the exact paths decide. Results must not change."""
    monkeypatch.setattr(rules, "_U", 2.0**-8)


def test_exact_fallbacks_equal_reference(coarse_floats):
    generator = random.Random(99)
    for _ in range(150):
        projects, budget, ballots = random_election(generator)
        for completion in rules.COMPLETIONS:
            expected = reference_outcome(projects, budget, ballots, completion)
            assert mes(projects, budget, ballots, completion=completion) == expected


@pytest.mark.parametrize(
    "name", ["Netherlands_Assen_2024.pb", "Poland_Warszawa_2017_Anin.pb", "Poland_Warszawa_2019_Piaski.pb"]
)
def test_exact_fallbacks_on_samples(sample_path, monkeypatch, name):
    tally = pabulib.tally_input(pabulib.read_file(sample_path(name)))
    fast = mes(tally.projects, tally.budget, tally.ballots)
    monkeypatch.setattr(rules, "_U", 2.0**-16)
    assert mes(tally.projects, tally.budget, tally.ballots) == fast


def test_screening_guess_is_only_a_guess(monkeypatch):
    """Every screening answered by the full exact evaluation gives the same outcomes."""
    monkeypatch.setattr(rules._RunState, "screen", rules._RunState._exact_entry)
    generator = random.Random(7)
    for _ in range(80):
        projects, budget, ballots = random_election(generator)
        for completion in rules.COMPLETIONS:
            assert mes(projects, budget, ballots, completion=completion) == reference_outcome(
                projects, budget, ballots, completion
            )


@pytest.mark.parametrize("bits", [6, 8, 11])
def test_screening_bounds_hold_for_any_floats_within_delta(monkeypatch, bits):
    """The float screening's claims, checked against exact evaluation at every step of many
    runs, with every group's float moved anywhere within ``delta`` of its exact money (which
    is all the proof assumes). Coarse floats make ``delta`` large, so the moves reorder
    supporters and spoil the screening's guesses: its checks must then catch them."""
    monkeypatch.setattr(rules, "_U", 2.0**-bits)
    generator = random.Random(31 + bits)
    checked = 0
    for _ in range(120):
        projects, budget, ballots = random_election(generator, max_voters=16)
        election = rules._Election(projects, budget, ballots)
        engine = rules._Mes(election)
        share = (
            Fraction(budget, len(ballots))
            if generator.random() < 0.5
            else Fraction(budget // len(ballots) + 1)
        )
        run = engine.run(share, None)
        state = rules._RunState(engine, share)
        bought = set()
        for winner in [*run.winners, None]:
            exact_floats = state.floats.copy()
            for _ in range(3):
                noise = np.array(
                    [generator.choice([-1.0, 1.0, generator.uniform(-1, 1)]) for _ in exact_floats]
                )
                moved = np.maximum(exact_floats + noise * state.delta * (1 - 1e-6), 0.0)
                state.floats = np.where(state.zero, 0.0, moved)
                for i in engine.tie_rank:
                    if i in bought:
                        continue
                    exact = state.exact_full(i)
                    entry = state.screen(i)
                    checked += 1
                    if entry is None:
                        assert exact is None
                        continue
                    assert exact is not None
                    assert entry[0] <= exact[0] / election.costs[i] <= entry[1]
                    assert state.exact(i, entry)[0] == exact[0]
            state.floats = exact_floats
            if winner is not None:
                q, paying_all = state.exact(winner, state.screen(winner))
                state.buy(winner, q, paying_all)
                bought.add(winner)
    assert checked > 2000


@pytest.mark.parametrize("scale", [10**6, 10**13, 3**40])
def test_mes_equals_reference_with_large_amounts(scale):
    # Costs and budgets far beyond a float's integer precision times small ones: the float
    # bounds are relative, the exact arithmetic is not affected. (Only the MES phase: add1
    # raises the share by one unit per run, which would take billions of runs here.)
    generator = random.Random(scale % 1000)
    for _ in range(60):
        projects, budget, ballots = random_election(generator)
        projects = [Project(p.id, p.cost * scale + generator.randint(0, 9)) for p in projects]
        budget = budget * scale + generator.randint(0, 99)
        expected = reference_outcome(projects, budget, ballots, None)
        assert mes(projects, budget, ballots, completion=None) == expected
