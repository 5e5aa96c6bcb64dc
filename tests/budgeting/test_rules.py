"""Tally rules: reproduction of real elections and small elections computed by hand."""

import random
from dataclasses import replace
from fractions import Fraction

import pytest

from participation.budgeting import pabulib, rules
from participation.budgeting.rules import Project, greedy, mes

WITH_OUTCOME = (
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2017_Anin.pb",
    "Poland_Warszawa_2017_Mlynow.pb",
    "Poland_Warszawa_2019_Piaski.pb",
    "Poland_Warszawa_2020_Praga-Poludnie.pb",
)


@pytest.mark.parametrize("name", WITH_OUTCOME)
def test_sample_outcome_is_reproduced(sample_path, name):
    election = pabulib.read_file(sample_path(name))
    outcome = pabulib.tally_input(election).run()
    expected = {p["project_id"] for p in election.projects if p["selected"]}
    assert set(outcome.selected) == expected
    assert outcome.total_cost == sum(p["cost"] for p in election.projects if p["selected"])
    assert outcome.total_cost <= election.budget
    for project in election.projects:
        result = outcome.results[project["project_id"]]
        assert (result.status == rules.SELECTED) == project["selected"]


def test_sample_equal_shares_uses_add1(sample_path):
    election = pabulib.read_file(sample_path("Netherlands_Assen_2024.pb"))
    tally = pabulib.tally_input(election)
    assert (tally.rule, tally.completion) == ("mes", "add1")
    plain = mes(tally.projects, tally.budget, tally.ballots, completion=None)
    expected = {p["project_id"] for p in election.projects if p["selected"]}
    assert set(plain.selected) < expected


def test_sample_votes_column_matches_ballots(sample_path):
    election = pabulib.read_file(sample_path("Poland_Warszawa_2017_Anin.pb"))
    outcome = pabulib.tally_input(election).run()
    for project in election.projects:
        assert outcome.results[project["project_id"]].votes == int(project["votes"])


def test_cumulative_sample_tallies_by_points(sample_path):
    election = pabulib.read_file(sample_path("Poland_Czestochowa_2020_Bleszno.pb"))
    tally = pabulib.tally_input(election)
    assert tally.rule == "greedy"
    outcome = tally.run()
    for project in election.projects:
        result = outcome.results[project["project_id"]]
        assert result.points == int(project["score"])
        assert result.votes == int(project["votes"])
    ranked = sorted(outcome.results.values(), key=lambda r: r.rank)
    assert [r.points for r in ranked] == sorted((r.points for r in ranked), reverse=True)
    left = election.budget
    for result in ranked:
        if result.cost <= left:
            assert result.status == rules.SELECTED
            left -= result.cost
        else:
            assert result.reason == rules.REASON_NOT_ENOUGH_BUDGET
    assert outcome.total_cost == election.budget - left
    with pytest.raises(ValueError, match="approval"):
        mes(tally.projects, tally.budget, tally.ballots)


def test_greedy_skips_a_project_that_does_not_fit():
    projects = [Project("a", 80), Project("b", 50), Project("c", 20)]
    ballots = [{"a"}, {"a", "b"}, {"a", "b", "c"}]
    outcome = greedy(projects, 100, ballots)
    assert outcome.selected == ["a", "c"]
    assert outcome.total_cost == 100
    assert outcome.remaining_budget == 0
    b = outcome.results["b"]
    assert (b.status, b.reason, b.votes, b.rank) == (
        rules.NOT_SELECTED,
        rules.REASON_NOT_ENOUGH_BUDGET,
        2,
        2,
    )
    assert outcome.results["c"].reason == rules.REASON_SELECTED


def test_greedy_ties_go_to_lower_cost_then_lower_id():
    projects = [Project("z", 30), Project("y", 10), Project("x", 10), Project("w", 5)]
    ballots = [{"z", "y", "x"}, {"z", "y", "x", "w"}]
    outcome = greedy(projects, 1000, ballots)
    assert outcome.selected == ["x", "y", "z", "w"]
    assert [outcome.results[p].rank for p in "xyzw"] == [1, 2, 3, 4]
    assert list(outcome.results) == ["z", "y", "x", "w"]


def test_greedy_orders_cumulative_ballots_by_points_not_voters():
    projects = [Project("a", 60), Project("b", 60)]
    ballots = [{"a": 10}, {"b": 3}, {"b": 3}]
    outcome = greedy(projects, 100, ballots)
    assert outcome.selected == ["a"]
    assert (outcome.results["a"].points, outcome.results["a"].votes) == (10, 1)
    assert (outcome.results["b"].points, outcome.results["b"].votes) == (6, 2)


def test_greedy_accepts_list_and_mapping_ballots_alike():
    projects = [Project("a", 1), Project("b", 1)]
    as_sets = greedy(projects, 1, [["b"], ["a", "b"]])
    as_maps = greedy(projects, 1, [{"b": 1}, {"a": 1, "b": 1}])
    assert as_sets == as_maps
    assert as_sets.selected == ["b"]


def test_mes_equal_payments_and_unaffordable_project():
    # Shares of 25: a's three supporters pay 20 each; b's single supporter has only 25 < 40.
    projects = [Project("a", 60), Project("b", 40)]
    ballots = [{"a"}, {"a"}, {"a"}, {"b"}]
    outcome = mes(projects, 100, ballots, completion=None)
    assert outcome.selected == ["a"]
    assert outcome.endowment == 25
    a, b = outcome.results["a"], outcome.results["b"]
    assert (a.reason, a.round, a.max_payment) == (rules.REASON_SELECTED_MES, 1, 20)
    assert a.max_payment_display == "20.00"
    assert (b.reason, b.supporters_money) == (rules.REASON_SUPPORTERS_BUDGET_SPENT, 25)


def test_mes_add1_raises_shares_until_outcome_is_exhaustive():
    # As above; with add1 the share rises from 25 to 40, when b's supporter can buy b.
    projects = [Project("a", 60), Project("b", 40)]
    ballots = [{"a"}, {"a"}, {"a"}, {"b"}]
    outcome = mes(projects, 100, ballots)
    assert outcome.selected == ["a", "b"]
    assert outcome.total_cost == 100
    assert outcome.endowment == 40
    assert outcome.add1_steps == 15
    assert outcome.results["b"].max_payment == 40


def test_mes_add1_keeps_last_outcome_within_budget():
    # Shares of 100: a costs 200/3 per voter, leaving v1 with 100/3 < 100 for b. Share 167 is
    # the first integer with 167 - 200/3 >= 100, and a + b = 300 fits the budget exactly.
    projects = [Project("a", 200), Project("b", 100)]
    ballots = [{"a", "b"}, {"a"}, {"a"}]
    plain = mes(projects, 300, ballots, completion=None)
    assert plain.selected == ["a"]
    assert plain.results["a"].max_payment == Fraction(200, 3)
    assert plain.results["a"].max_payment_display == "66.67"
    assert plain.results["b"].supporters_money == Fraction(100, 3)
    outcome = mes(projects, 300, ballots)
    assert outcome.selected == ["a", "b"]
    assert outcome.endowment == 167
    assert outcome.add1_steps == 67


def test_mes_add1_stops_before_exceeding_budget():
    # Shares of 25: neither voter can pay for their 30-unit project. Shares 26..29 change
    # nothing; at 30 both projects are bought, 60 > 50, so the share-29 outcome (nothing
    # bought) is kept although 50 units remain: add1 never overspends.
    projects = [Project("a", 30), Project("b", 30)]
    outcome = mes(projects, 50, [{"b"}, {"a"}])
    assert outcome.selected == []
    assert outcome.total_cost == 0
    assert (outcome.endowment, outcome.add1_steps) == (29, 4)
    a = outcome.results["a"]
    assert (a.reason, a.supporters_money) == (rules.REASON_SUPPORTERS_BUDGET_SPENT, 29)
    assert a.supporters_money_display == "29.00"


def test_mes_partial_payment_when_a_supporter_runs_short():
    # Shares of 2. a (cost 3, three supporters) costs 1 each. b (cost 3): v3 has 1 left and
    # pays it all, v4 pays the remaining 2, so the maximum payment is 2 (rho = 2/3).
    projects = [Project("a", 3), Project("b", 3)]
    ballots = [{"a"}, {"a"}, {"a", "b"}, {"b"}]
    outcome = mes(projects, 8, ballots, completion=None)
    assert outcome.selected == ["a", "b"]
    b = outcome.results["b"]
    assert (b.round, b.max_payment) == (2, 2)


def test_mes_tie_breaking_votes_then_cost_then_id():
    # Everyone affords everything, so rho = 1 / votes: c (3 votes) first, then a, b, d, e
    # tie with 2 votes: cheaper first (d, e at 5, then b, then a), d before e by id.
    projects = [
        Project("a", 20),
        Project("b", 10),
        Project("c", 30),
        Project("e", 5),
        Project("d", 5),
    ]
    ballots = [{"a", "b", "c", "d", "e"}, {"a", "b", "c", "d", "e"}, {"c"}]
    outcome = mes(projects, 3000, ballots, completion=None)
    assert outcome.selected == ["c", "d", "e", "b", "a"]
    assert [outcome.results[p].round for p in ("c", "d", "e", "b", "a")] == [1, 2, 3, 4, 5]


def test_mes_is_exact_where_floats_would_round():
    # Ten voters with shares of 1/10 each: in floating point the ten shares add up to
    # 0.9999999999999999 < 1 and the project would look unaffordable.
    assert sum([1 / 10] * 10) < 1
    outcome = mes([Project("a", 1)], 1, [{"a"}] * 10, completion=None)
    assert outcome.selected == ["a"]
    assert outcome.results["a"].max_payment == Fraction(1, 10)
    assert isinstance(outcome.endowment, Fraction)


def test_mes_reasons_for_projects_left_out():
    projects = [Project("a", 50), Project("big", 101), Project("orphan", 10), Project("c", 60)]
    ballots = [{"a", "big", "c"}, {"a", "c"}]
    outcome = mes(projects, 100, ballots, completion=None)
    assert outcome.selected == ["a"]
    assert outcome.results["big"].reason == rules.REASON_NOT_ENOUGH_BUDGET
    assert outcome.results["orphan"].reason == rules.REASON_NO_VOTES
    assert outcome.results["orphan"].votes == 0
    c = outcome.results["c"]
    assert (c.status, c.reason, c.supporters_money) == (
        rules.NOT_SELECTED,
        rules.REASON_SUPPORTERS_BUDGET_SPENT,
        50,
    )


def test_mes_utilitarian_completion_fills_remaining_budget_by_votes():
    # add1 buys nothing (see test_mes_add1_stops_before_exceeding_budget); the completion
    # then goes by votes: a and b tie on votes and cost, a wins by id, b no longer fits.
    projects = [Project("a", 30), Project("b", 30)]
    outcome = mes(projects, 50, [{"b"}, {"a"}], completion="add1_utilitarian")
    assert outcome.selected == ["a"]
    a, b = outcome.results["a"], outcome.results["b"]
    assert (a.status, a.reason, a.rank, a.round) == (
        rules.SELECTED,
        rules.REASON_SELECTED_COMPLETION,
        1,
        None,
    )
    assert (b.status, b.reason) == (rules.NOT_SELECTED, rules.REASON_SUPPORTERS_BUDGET_SPENT)


def test_mes_utilitarian_completion_on_sample_adds_a_project(sample_path):
    election = pabulib.read_file(sample_path("Netherlands_Assen_2024.pb"))
    tally = pabulib.tally_input(election)
    add1 = mes(tally.projects, tally.budget, tally.ballots)
    utilitarian = mes(tally.projects, tally.budget, tally.ballots, completion="add1_utilitarian")
    assert utilitarian.selected == [*add1.selected, "7"]
    assert utilitarian.results["7"].reason == rules.REASON_SELECTED_COMPLETION


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="positive"):
        Project("a", 0)
    with pytest.raises(ValueError, match="duplicate"):
        greedy([Project("a", 1), Project("a", 2)], 5, [])
    with pytest.raises(ValueError, match="unknown"):
        greedy([Project("a", 1)], 5, [{"b"}])
    with pytest.raises(ValueError, match="budget"):
        greedy([Project("a", 1)], -1, [])
    with pytest.raises(ValueError, match="completion"):
        mes([Project("a", 1)], 5, [], completion="add2")
    with pytest.raises(TypeError):
        greedy([Project("a", 1)], 5, ["a"])


def test_empty_election():
    outcome = mes([Project("a", 1)], 10, [])
    assert outcome.selected == []
    assert outcome.results["a"].reason == rules.REASON_NO_VOTES
    assert greedy([], 10, []).selected == []


def reference_mes(projects, budget, ballots, add1):
    """Direct transcription of the equalshares.net reference code, with Fractions and this
    module's tie-breaking (votes, cost, id), one entry per voter and no optimisation."""
    cost = {p.id: p.cost for p in projects}
    approvers = {p.id: [v for v, ballot in enumerate(ballots) if p.id in ballot] for p in projects}
    voted = [p.id for p in projects if approvers[p.id]]

    def fixed(total):
        money = [Fraction(total, len(ballots))] * len(ballots)
        remaining = set(voted)
        winners = []
        while True:
            best, best_key = None, None
            for c in sorted(remaining):
                if sum(money[v] for v in approvers[c]) < cost[c]:
                    continue
                paid, still = Fraction(0), len(approvers[c])
                for v in sorted(approvers[c], key=lambda v: money[v]):
                    q = (cost[c] - paid) / still
                    if q <= money[v]:
                        break
                    paid += money[v]
                    still -= 1
                key = (q / cost[c], -len(approvers[c]), cost[c], c)
                if best_key is None or key < best_key:
                    best, best_key = c, key
            if best is None:
                return winners
            q = best_key[0] * cost[best]
            for v in approvers[best]:
                money[v] = max(money[v] - q, Fraction(0))
            winners.append(best)
            remaining.remove(best)

    def exhaustive(outcome):
        left = budget - sum(cost[c] for c in outcome)
        return all(cost[c] > left for c in voted if c not in outcome)

    outcome = fixed(budget)
    step = budget // len(ballots) * len(ballots)
    while add1 and not exhaustive(outcome):
        step += len(ballots)
        candidate = fixed(step)
        if sum(cost[c] for c in candidate) > budget:
            break
        outcome = candidate
    return outcome


def test_mes_matches_plain_reference_on_random_elections():
    generator = random.Random(20240601)
    for _ in range(300):
        projects = [
            Project(f"p{i}", generator.choice([3, 7, 10, 12, 25, 40, 41, 60]))
            for i in range(generator.randint(1, 6))
        ]
        ids = [p.id for p in projects]
        ballots = [
            set(generator.sample(ids, generator.randint(0, len(ids)))) for _ in range(generator.randint(1, 9))
        ]
        budget = generator.randint(0, 150)
        for add1 in (False, True):
            outcome = mes(projects, budget, ballots, completion="add1" if add1 else None)
            assert outcome.selected == reference_mes(projects, budget, ballots, add1), (
                projects,
                budget,
                ballots,
            )
            assert outcome.total_cost <= budget


def test_display_rounds_half_up_exactly():
    result = rules.ProjectResult("a", 1, 1, 1, rules.SELECTED, rules.REASON_SELECTED_MES)
    shown = {
        Fraction(1, 200): "0.01",
        Fraction(1, 3): "0.33",
        Fraction(2, 3): "0.67",
        Fraction(12345, 1): "12345.00",
        Fraction(0): "0.00",
    }
    for value, text in shown.items():
        assert replace(result, max_payment=value).max_payment_display == text
