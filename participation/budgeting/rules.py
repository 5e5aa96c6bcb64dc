"""Participatory-budgeting tally rules with exact arithmetic and per-project explanations.

Inputs
------
* ``projects``: a sequence of :class:`Project` (unique ``id``, ``cost`` a positive ``int`` in
  whole currency units).
* ``budget``: a non-negative ``int`` in the same units.
* ``ballots``: an iterable with one entry per voter. An entry is either a mapping
  ``project id -> points`` (:data:`Ballot`) or, for approval ballots, a collection of approved
  project ids (shorthand for 1 point per approved project). An approval ballot is therefore
  just a :data:`Ballot` whose points are all 1, so one representation serves approval,
  knapsack and cumulative ballots. Entries with 0 points are ignored (no support). Identical
  ballots are grouped internally, so large elections cost little more than their number of
  distinct ballots.

Rules
-----
* :func:`greedy`: projects ordered by total points (approval: votes), most first; ties by
  lower cost, then by project id (string order). Each project that still fits in the remaining
  budget is taken; the others are skipped. Projects nobody voted for are still considered,
  last, exactly as the rule is stated.
* :func:`mes`: Method of Equal Shares for approval ballots with cost utilities (a voter's
  utility from an approved project is its cost), as defined by equalshares.net and pabulib,
  optionally with the "add1" completion. See :func:`mes` for the exact variant.

Guarantees
----------
* No floating-point number decides anything: every payment, every comparison that picks a
  project and every affordability test that drops one is exact (``int`` or
  ``fractions.Fraction``), so ties are detected exactly and results do not depend on the
  platform. MES also keeps float copies of the money to guess which exact computation is
  needed; proven error bounds (see ``_Mes``) tell when a guess is certain, and exact
  arithmetic decides every case the floats could get wrong.
* Results are deterministic: every tie is broken by a documented total order.
* Every project of the input appears in :attr:`Outcome.results` with a status and a reason code.
* ``Outcome.total_cost <= budget`` always.

Reason codes (:attr:`ProjectResult.reason`)
-------------------------------------------
``selected`` (greedy), ``selected_mes``, ``selected_completion`` (MES utilitarian completion),
``not_enough_budget`` (greedy: did not fit the budget left at its turn; MES: costs more than
the whole budget), ``supporters_budget_spent`` (MES: its supporters' remaining shares together
were less than its cost), ``no_votes`` (MES: nobody voted for it).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress
from math import floor, lcm
from operator import mul

import numpy as np

Ballot = Mapping[str, int]
"""A ballot: project id -> points. Approval ballots give 1 point per approved project."""

BallotLike = Ballot | Collection[str]
"""A ballot, or a collection of approved project ids (approval shorthand)."""

SELECTED = "selected"
NOT_SELECTED = "not_selected"

REASON_SELECTED = "selected"
"""Greedy: the project fitted in the budget left when its turn came."""
REASON_SELECTED_MES = "selected_mes"
"""MES: bought by its supporters out of their equal shares."""
REASON_SELECTED_COMPLETION = "selected_completion"
"""MES with utilitarian completion: added afterwards, by votes, from the unspent budget."""
REASON_SUPPORTERS_BUDGET_SPENT = "supporters_budget_spent"
"""MES: its supporters' remaining shares together were less than its cost."""
REASON_NOT_ENOUGH_BUDGET = "not_enough_budget"
"""Greedy: did not fit in the budget left when its turn came.
MES: its cost alone is more than the whole budget."""
REASON_NO_VOTES = "no_votes"
"""MES: nobody voted for the project, so nobody's share could pay for it."""

COMPLETIONS = (None, "add1", "add1_utilitarian")
"""Accepted values of the ``completion`` argument of :func:`mes`."""


@dataclass(frozen=True)
class Project:
    """A project on the ballot. ``cost`` is a positive whole number of currency units."""

    id: str
    cost: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"project id must be a non-empty string, got {self.id!r}")
        if isinstance(self.cost, bool) or not isinstance(self.cost, int) or self.cost <= 0:
            raise ValueError(f"project {self.id}: cost must be a positive int, got {self.cost!r}")


@dataclass(frozen=True)
class ProjectResult:
    """Why a project was or was not selected; shown to citizens on the results page.

    ``votes`` counts the ballots supporting the project, ``points`` sums their points (equal
    to ``votes`` for approval ballots). ``rank`` is the project's position in the greedy order
    (greedy and MES utilitarian completion only). For MES, money is counted in the per-voter
    share of the MES run that produced the outcome (:attr:`Outcome.endowment`):
    ``round`` is the 1-based step of the MES phase in which the project was bought,
    ``max_payment`` the most any single supporter paid for it (everyone else paid the same or
    all they had left), and ``supporters_money`` what its supporters had left together at the
    end of the MES phase (set for projects MES did not buy).
    """

    project_id: str
    cost: int
    votes: int
    points: int
    status: str
    reason: str
    rank: int | None = None
    round: int | None = None
    max_payment: Fraction | None = None
    supporters_money: Fraction | None = None

    @property
    def max_payment_display(self) -> str | None:
        """``max_payment`` rounded half-up to 2 decimals, for display only."""
        return None if self.max_payment is None else _display(self.max_payment)

    @property
    def supporters_money_display(self) -> str | None:
        """``supporters_money`` rounded half-up to 2 decimals, for display only."""
        return None if self.supporters_money is None else _display(self.supporters_money)


@dataclass(frozen=True)
class Outcome:
    """The result of a tally.

    ``selected`` lists project ids in selection order; ``results`` has one entry per input
    project, in input order. For MES, ``endowment`` is each voter's share in the run that
    produced the outcome (``budget / voters`` unless add1 raised it) and ``add1_steps`` the
    number of one-unit raises applied.
    """

    rule: str
    budget: int
    selected: list[str]
    total_cost: int
    results: dict[str, ProjectResult]
    endowment: Fraction | None = None
    add1_steps: int = 0

    @property
    def remaining_budget(self) -> int:
        """Budget not spent on selected projects."""
        return self.budget - self.total_cost


def _display(value: Fraction) -> str:
    """A non-negative amount rounded half-up to cents, computed exactly (e.g. ``"66.67"``)."""
    cents = floor(value * 100 + Fraction(1, 2))
    return f"{cents // 100}.{cents % 100:02d}"


class _Election:
    """Validated, indexed election: projects by index, identical ballots grouped."""

    def __init__(self, projects: Sequence[Project], budget: int, ballots: Iterable[BallotLike]) -> None:
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise ValueError(f"budget must be a non-negative int, got {budget!r}")
        self.budget = budget
        self.projects = list(projects)
        self.index: dict[str, int] = {}
        for i, project in enumerate(self.projects):
            if not isinstance(project, Project):
                raise TypeError(f"expected Project, got {type(project).__name__}")
            if project.id in self.index:
                raise ValueError(f"duplicate project id {project.id!r}")
            self.index[project.id] = i
        self.ids = [p.id for p in self.projects]
        self.costs = [p.cost for p in self.projects]

        grouped: Counter[tuple[tuple[int, int], ...]] = Counter()
        for ballot in ballots:
            grouped[self._ballot_key(ballot)] += 1
        self.n_voters = sum(grouped.values())
        self.groups = list(grouped.items())
        m = len(self.projects)
        self.votes = [0] * m
        self.points = [0] * m
        self.approvers: list[list[int]] = [[] for _ in range(m)]
        self.weights = [weight for _, weight in self.groups]
        self.is_approval = True
        for g, (key, weight) in enumerate(self.groups):
            for i, pts in key:
                self.votes[i] += weight
                self.points[i] += pts * weight
                self.approvers[i].append(g)
                if pts != 1:
                    self.is_approval = False

    def _ballot_key(self, ballot: BallotLike) -> tuple[tuple[int, int], ...]:
        if isinstance(ballot, str | bytes):
            raise TypeError("a ballot must be a mapping or a collection of project ids, not a str")
        items: Iterable[tuple[str, int]]
        if isinstance(ballot, Mapping):
            items = ballot.items()
        else:
            ids = list(ballot)
            if len(set(ids)) != len(ids):
                raise ValueError(f"ballot names a project twice: {ids!r}")
            items = ((pid, 1) for pid in ids)
        key = []
        for pid, pts in items:
            if pid not in self.index:
                raise ValueError(f"ballot names unknown project id {pid!r}")
            if isinstance(pts, bool) or not isinstance(pts, int) or pts < 0:
                raise ValueError(f"points must be a non-negative int, got {pts!r} for {pid!r}")
            if pts:
                key.append((self.index[pid], pts))
        key.sort()
        return tuple(key)

    def greedy_order(self) -> list[int]:
        """Indices by points (most first), then lower cost, then project id."""
        return sorted(
            range(len(self.projects)),
            key=lambda i: (-self.points[i], self.costs[i], self.ids[i]),
        )


def greedy(projects: Sequence[Project], budget: int, ballots: Iterable[BallotLike]) -> Outcome:
    """Greedy by votes (cumulative ballots: by points), as cities run it.

    Projects are taken in order of total points, most first (ties: lower cost first, then
    project id); each is selected if its cost fits in the budget still left, otherwise it is
    skipped with reason ``not_enough_budget`` and later, cheaper projects are still tried.
    """
    election = _Election(projects, budget, ballots)
    remaining = budget
    selected: list[str] = []
    by_index: dict[int, ProjectResult] = {}
    for rank, i in enumerate(election.greedy_order(), start=1):
        fits = election.costs[i] <= remaining
        if fits:
            remaining -= election.costs[i]
            selected.append(election.ids[i])
        by_index[i] = ProjectResult(
            project_id=election.ids[i],
            cost=election.costs[i],
            votes=election.votes[i],
            points=election.points[i],
            status=SELECTED if fits else NOT_SELECTED,
            reason=REASON_SELECTED if fits else REASON_NOT_ENOUGH_BUDGET,
            rank=rank,
        )
    return Outcome(
        rule="greedy",
        budget=budget,
        selected=selected,
        total_cost=budget - remaining,
        results={election.ids[i]: by_index[i] for i in range(len(election.projects))},
    )


_U = 2.0**-53
"""Unit roundoff of IEEE-754 doubles: a correctly rounded operation has relative error <= _U."""


def _down(x: float) -> float:
    """A float below ``x`` by more than the rounding of the (at most 7) float operations that
    computed ``x`` from exact values: for ``x > 0``, ``fl(x (1 - 8u)) < x_exact``."""
    return x * (1.0 - 8 * _U)


def _up(x: float) -> float:
    """A float above ``x`` by more than the rounding of the operations that computed it (x > 0)."""
    return x * (1.0 + 8 * _U)


@dataclass
class _MesRun:
    """One MES run: winners with their payment ``q``, and the state needed to report what every
    voter has left (see :class:`_RunState`)."""

    endowment: Fraction
    winners: list[int]
    payments: list[Fraction]
    total_cost: int
    state: _RunState


class _Mes:
    """MES with cost utilities on grouped approval ballots: exact decisions, float screening.

    **Exact state.** A voter who has never had to pay everything she had has paid exactly ``q``
    for every project bought so far that she approves, so she holds ``E - sum(q_s)`` over those
    projects (``E`` the share); a voter who once paid all she had holds 0 forever. The exact
    state of a run is therefore only: the winners so far, their payments ``q_s`` (integers
    ``Q_s`` over one common denominator ``D``, :class:`_RunState`), and a flag per voter group
    telling whether it is at zero. The exact money of any set ``S`` of groups is
    ``sum(w) E - sum_s c_s q_s`` with ``c_s`` the number of voters of ``S`` that approve the
    ``s``-th winner: an integer vector computed with numpy from the run's 0/1 group-by-winner
    matrix (exact: integers below 2**53), then one big-integer dot product with ``Q``.

    **Exact payment of a project.** For a project with ``N`` supporters and cost ``C``, and any
    set ``P`` of its supporters with ``|P| < N``::

        q >= (C - money(P)) / (N - |P|)                                              (1)

    (supporters pay ``min(money, q)``: ``C <= money(P) + (N - |P|) q``), with equality when
    ``P`` is *consistent*: everyone in ``P`` has at most ``q``, everyone else at least ``q``.
    So ``q`` is exact as soon as a consistent ``P`` is known; floats are only used to guess it.

    **Float screening.** Each group also holds a float ``f`` of its money with
    ``|f - m| <= delta`` (``delta = (4t + 4) u E``, ``t`` steps done, ``u`` = :data:`_U`: the
    float share is within ``uE``; each step subtracts ``fl(q)`` (correctly rounded, ``q <= E``)
    and rounds once, adding at most ``2uE(1 + u)``, so after ``t`` steps the error is at most
    ``(2t + 1) u E (1 + u)^t``; groups at zero are exact). :meth:`_RunState.screen` sorts the
    supporters' floats, guesses a prefix of ``j`` voters for ``P`` and computes
    ``Q0 = (C - S) / R`` (``S`` their float sum, ``R = N - j``) with an absolute error bound
    ``err = 2 (N delta + F) / R``, where ``F / R`` bounds the rounding of ``Q0`` itself (prefix
    sum: ``(j + 2) u`` times it, sequential summation; subtraction and division: ``u`` each,
    taken as ``(j + 8) u`` times ``C`` plus the sum of ``j + 1`` floats); ``lo = Q0 - err``,
    ``hi = Q0 + err``. Then, rigorously:

    * ``q >= lo`` by (1) with ``P`` = the prefix (its exact money is at most ``S + j delta``),
      if the project is affordable.
    * If the largest float in the prefix is ``<= lo`` and the smallest outside is ``>= hi``,
      then for ``x = (C - S + N delta) / R <= hi`` every voter has ``min(m, x) >=
      min(f, x) - delta``, so ``sum(min(m, x)) >= S + R x - N delta = C``: the project is
      affordable and ``q <= x <= hi``. Moreover the prefix is a consistent ``P``: a voter in it
      has at most ``lo + delta <= Q0 - N delta / R <= q`` (``err >= 2 N delta / R`` and
      ``delta <= N delta / R``), a voter outside at least ``hi - delta >= Q0 + N delta / R >=
      q``; so :meth:`_RunState.exact` gets ``q`` exactly by (1) from the prefix groups' exact
      money. Otherwise the screening is inconclusive and the project is evaluated exactly from
      the exact money of every supporter group (:meth:`_RunState.exact_full`).
    * A project is dropped as unaffordable only when the float sum of its supporters' money,
      plus its rounding and ``N delta``, is still below its cost; otherwise it is evaluated
      exactly.

    :func:`_down` and :func:`_up` widen every bound past the rounding of the few operations that
    computed it. A step pops projects from a heap of lower bounds on ``rho = q / cost`` (valid
    for the rest of the run: money only decreases) until the next bound exceeds the smallest
    upper bound ``hi`` found; if exactly one candidate's interval reaches below that ``hi`` it is
    the winner, otherwise every such candidate is evaluated exactly and compared by
    ``(rho, tie rank)`` in exact arithmetic. The winner's ``q`` and consistent ``P`` are always
    exact. Every decision is therefore the one the exact rule makes; floats only decide how
    much exact work is needed.
    """

    def __init__(self, election: _Election) -> None:
        self.e = election
        by_tie = sorted(
            (i for i in range(len(election.projects)) if election.votes[i] > 0),
            key=lambda i: (-election.votes[i], election.costs[i], election.ids[i]),
        )
        self.tie_rank = {i: r for r, i in enumerate(by_tie)}
        m = len(election.projects)
        weights = np.array(election.weights, dtype=np.int64)
        #: Supporter groups of each project, their sizes, and one entry per supporting voter.
        self.groups = [np.array(election.approvers[i], dtype=np.intp) for i in range(m)]
        self.group_sizes = [weights[g].astype(np.float64) for g in self.groups]
        #: One entry per supporting voter: the group index, in the order of the voters' money
        #: at the project's last screening (any order is correct; a nearly sorted one is cheap
        #: to sort again, and money changes little between steps and between add1 runs).
        self.voters = [np.repeat(g, weights[g]) for g in self.groups]
        countdown = np.arange(max(election.votes, default=1) - 1, -1, -1, dtype=np.float64)
        #: others[i][k] == N - k - 1: how many of project i's N supporters are richer than the
        #: k-th poorest (0-based).
        self.others = [countdown[len(countdown) - n :] for n in election.votes]

    def run(self, endowment: Fraction, cost_limit: int | None) -> _MesRun | None:
        """Run MES with the given per-voter share.

        Each step buys the affordable project with the least payment per unit of utility
        ``rho = q / cost``, where ``q`` is the least amount such that supporters paying
        ``min(their money, q)`` cover the cost; ties go to more votes, then lower cost, then
        lower project id. Returns ``None`` as soon as the cost of the bought projects
        exceeds ``cost_limit`` (used by add1: that run cannot be kept).
        """
        costs = self.e.costs
        state = _RunState(self, endowment)
        # Lower bounds: with full shares, q >= cost / votes, i.e. rho >= 1 / votes. A project
        # whose supporters cannot afford it with full shares never can: left out from the start.
        votes = self.e.votes
        share, unit = endowment.numerator, endowment.denominator
        heap = [
            (_down(1.0 / votes[i]), rank, i)
            for i, rank in self.tie_rank.items()
            if costs[i] * unit <= votes[i] * share
        ]
        heapq.heapify(heap)
        winners: list[int] = []
        payments: list[Fraction] = []
        total_cost = 0
        while heap:
            bound = math.inf  # least upper bound on rho among the candidates found
            found: list[tuple[list, int, int]] = []
            while heap and heap[0][0] <= bound:
                _, rank, i = heapq.heappop(heap)
                entry = state.screen(i)
                if entry is None:
                    continue  # unaffordable now, hence for the rest of the run
                found.append((entry, rank, i))
                bound = min(bound, entry[1])
            if not found:
                break
            contenders = [item for item in found if item[0][0] <= bound]
            if len(contenders) == 1:
                entry, _, winner = contenders[0]
                q, paying_all = state.exact(winner, entry)
            else:
                best: tuple[tuple[Fraction, int], int, Fraction, np.ndarray] | None = None
                for entry, rank, i in contenders:
                    q_i, paying_all_i = state.exact(i, entry)
                    key = (q_i / costs[i], rank)
                    if best is None or key < best[0]:
                        best = (key, i, q_i, paying_all_i)
                assert best is not None
                _, winner, q, paying_all = best
            for entry, rank, i in found:
                if i != winner:
                    heapq.heappush(heap, (entry[0], rank, i))
            state.buy(winner, q, paying_all)
            winners.append(winner)
            payments.append(q)
            total_cost += costs[winner]
            if cost_limit is not None and total_cost > cost_limit:
                return None
        return _MesRun(endowment, winners, payments, total_cost, state)

    def supporters_money(self, i: int, run: _MesRun) -> Fraction:
        """What project ``i``'s supporters have left together at the end of ``run``."""
        state = run.state
        return Fraction(state.money(self.groups[i], self.group_sizes[i]), state.denominator)

    def is_exhaustive(self, run: _MesRun) -> bool:
        """True if no project with votes that MES left out fits in the real budget left."""
        left = self.e.budget - run.total_cost
        chosen = set(run.winners)
        return not any(self.e.costs[i] <= left for i in self.tie_rank if i not in chosen)


class _RunState:
    """The exact and float money of every voter group during one MES run (see :class:`_Mes`).

    Exact: group ``g`` holds 0 if ``zero[g]``, else ``(e_num - sum of paid[s] over the winners s
    it approves) / denominator``; ``history[g, s]`` is 1 if it approves the ``s``-th winner.
    Float: ``floats[g]``, within ``delta`` of the exact amount.
    """

    def __init__(self, engine: _Mes, endowment: Fraction) -> None:
        self.engine = engine
        self.denominator = endowment.denominator
        self.e_num = endowment.numerator
        self.paid: list[int] = []  # paid[s] / denominator: the payment q of the s-th winner
        groups = len(engine.e.groups)
        self.e_float = float(endowment)
        self.floats = np.full(groups, self.e_float)
        self.zero = np.zeros(groups, dtype=bool)
        self.history = np.zeros((groups, max(len(engine.tie_rank), 1)), dtype=np.uint8)
        self.delta = 4 * _U * self.e_float

    def money(self, groups: np.ndarray, sizes: np.ndarray) -> int:
        """Exact money of the given groups (with their sizes) together, times ``denominator``."""
        live = ~self.zero[groups]
        return self._live_money(groups[live], sizes[live])

    def _live_money(self, groups: np.ndarray, sizes: np.ndarray | None) -> int:
        """:meth:`money` of groups none of which is at zero (``sizes=None``: all of size 1)."""
        total = (len(groups) if sizes is None else int(sizes.sum())) * self.e_num
        if self.paid and groups.size:
            rows = self.history[groups, : len(self.paid)]
            # Voters of the groups approving each winner (exact: integers).
            counts = rows.sum(axis=0, dtype=np.int64) if sizes is None else sizes @ rows
            total -= sum(map(mul, counts.astype(np.int64).tolist(), self.paid))
        return total

    def screen(self, i: int) -> list | None:
        """Float bounds on project ``i``'s rho, or ``None`` if it is certainly unaffordable.

        Returns ``[rho_lo, rho_hi, paying_all, exact]``: ``rho_lo <= rho <= rho_hi`` for sure;
        ``paying_all`` holds the group of each supporter in a consistent paying-all set (one
        entry per voter); ``exact`` is ``(q, paying_all)`` once known (then ``paying_all`` may
        be ``None``). See :class:`_Mes` for the proof.
        """
        engine = self.engine
        cost = engine.e.costs[i]
        n = engine.e.votes[i]
        delta = self.delta
        voters = engine.voters[i]
        amounts = self.floats[voters]
        # Error of any float summation of n non-negative terms: at most (n - 1) u / (1 - n u).
        if _up(float(amounts.sum()) * (1 + (n + 2) * _U) + n * delta) < cost:
            return None
        order = amounts.argsort(kind="stable")
        amounts = amounts[order]
        voters = engine.voters[i] = voters[order]
        sums = amounts.cumsum()
        # The guess j: the first k (0-based) with cost - sums[k - 1] <= amounts[k] (n - k), i.e.
        # the k poorest pay all they have and the others pay equal shares they can afford.
        # amounts[k] (n - k - 1) + sums[k] is non-decreasing in k (exactly; a rounding slip
        # only makes the guess worse, and the guess is checked below).
        j = int((amounts * engine.others[i] + sums).searchsorted(cost))
        if j == n:
            return self._exact_entry(i)
        rest = n - j
        above = amounts.item(j)
        level = sums.item(j)
        q0 = (cost - (level - above)) / rest
        err = 2 * (n * delta + (j + 8) * _U * (cost + level)) / rest
        lo, hi = q0 - err, q0 + err
        below = amounts.item(j - 1) if j else -1.0
        if below > lo or above < hi:
            return self._exact_entry(i)
        return [max(_down(lo / cost), _down(1.0 / n)), _up(hi / cost), voters[:j], None]

    def _exact_entry(self, i: int) -> list | None:
        found = self.exact_full(i)
        if found is None:
            return None
        q = found[0]
        rho = q.numerator / (q.denominator * self.engine.e.costs[i])  # correctly rounded
        return [_down(rho), _up(rho), None, found]

    def exact(self, i: int, entry: list) -> tuple[Fraction, np.ndarray]:
        """Exact ``q`` of a screened project and the groups that pay all they have."""
        if entry[3] is None:
            cost = self.engine.e.costs[i]
            paying_all = entry[2]
            live = paying_all[~self.zero[paying_all]]  # one entry per voter: sizes are 1
            paid = self._live_money(live, None)
            den = (self.engine.e.votes[i] - len(paying_all)) * self.denominator
            q = Fraction(cost * self.denominator - paid, den)
            entry[3] = (q, paying_all)
            entry[0] = max(entry[0], _down(q.numerator / (q.denominator * cost)))
        return entry[3]

    def exact_full(self, i: int) -> tuple[Fraction, np.ndarray] | None:
        """Exact ``q`` of project ``i`` from the exact money of every supporter group (slow path).

        Returns ``None`` if its supporters together have less than its cost.
        """
        engine = self.engine
        groups = engine.groups[i]
        sizes = engine.group_sizes[i].astype(np.int64).tolist()
        cost = engine.e.costs[i] * self.denominator
        amounts = [0] * len(groups)
        live = np.flatnonzero(~self.zero[groups])
        if self.paid:
            rows = self.history[groups[live], : len(self.paid)].tolist()
            for k, row in zip(live.tolist(), rows, strict=True):
                amounts[k] = self.e_num - sum(compress(self.paid, row))
        else:
            for k in live.tolist():
                amounts[k] = self.e_num
        if sum(map(mul, amounts, sizes)) < cost:
            return None
        paying_all = []
        paid, rest = 0, engine.e.votes[i]
        for k in sorted(range(len(groups)), key=amounts.__getitem__):
            if cost - paid <= amounts[k] * rest:
                break
            paid += amounts[k] * sizes[k]
            rest -= sizes[k]
            paying_all.append(k)
        return Fraction(cost - paid, rest * self.denominator), groups[paying_all]

    def buy(self, i: int, q: Fraction, paying_all: np.ndarray) -> None:
        """Project ``i`` is bought: the ``paying_all`` groups pay everything (they include every
        supporter group already at zero), the others pay ``q``."""
        groups = self.engine.groups[i]
        self.floats[paying_all] = 0.0
        self.zero[paying_all] = True
        payers = groups[~self.zero[groups]]
        self.floats[payers] = np.maximum(self.floats[payers] - float(q), 0.0)
        denominator = lcm(self.denominator, q.denominator)
        factor = denominator // self.denominator
        if factor != 1:
            self.e_num *= factor
            self.paid = [amount * factor for amount in self.paid]
            self.denominator = denominator
        self.history[groups, len(self.paid)] = 1
        self.paid.append(q.numerator * (denominator // q.denominator))
        self.delta = (4 * len(self.paid) + 4) * _U * self.e_float


def mes(
    projects: Sequence[Project],
    budget: int,
    ballots: Iterable[BallotLike],
    completion: str | None = "add1",
) -> Outcome:
    """Method of Equal Shares, approval ballots, cost utilities, exact arithmetic.

    MES phase (equalshares.net reference implementation, exact instead of floating point):
    every voter starts with an equal share of the money; in each step, for every project whose
    supporters together still have at least its cost, ``q`` is the smallest amount such that
    supporters paying ``min(their money, q)`` cover the cost exactly; the project with the
    smallest ``q / cost`` (money paid per unit of utility) is bought and its supporters pay
    ``min(their money, q)``. Ties in ``q / cost`` go to the project with more votes, then the
    lower cost, then the lower project id (string order). The phase ends when no project is
    affordable by its supporters.

    ``completion``:

    * ``None``: the MES phase with shares ``budget / voters``.
    * ``"add1"`` (pabulib ``equalshares/add1``, equalshares.net reference): run MES with share
      ``budget / voters``; then, while the kept outcome is not exhaustive (some project with
      votes that it left out still fits in the unspent real budget), re-run MES with share
      ``budget // voters + k`` for ``k = 1, 2, ...``, keeping each outcome whose total cost
      fits the real budget and stopping at the first that does not.
    * ``"add1_utilitarian"``: ``"add1"``, then projects left out that have votes are added
      greedily by votes (ties: lower cost, then id) while they fit in the unspent real budget.

    Compared with the floating-point reference code of equalshares.net: exact arithmetic
    (a float sum of shares can fall short of a cost that the shares cover exactly); ties are
    broken by votes, then cost, then id (the reference goes by lower cost, then more votes,
    and stops on a remaining tie); exhaustiveness only considers projects with at least one
    vote (a project nobody voted for can never be bought by MES, so counting it would make
    add1 run forever). On the pabulib samples marked ``equalshares/add1`` (Assen 2024,
    Swiecie 2023) this reproduces the recorded outcome; the utilitarian completion does not
    (in Assen it would add a project that was not funded).

    Cost: each add1 step is a full MES run (as in the reference); a run evaluates only the
    projects whose lower bound on ``q / cost`` could still beat the best one found (about 4
    per step), each with one numpy sort of its supporters' float money, does exact big-integer
    arithmetic only for the project it buys (and for near ties), and stops as soon as its cost
    exceeds the budget. Measured with ``bench/bench_tally.py`` on the shared 2-core machine
    (CPU seconds, load average about 3): Warszawa 2020 Praga-Poludnie (14,897 voters, 134
    projects, 178 add1 steps) 1.6-1.8 s, about 10 ms per run (the exact arithmetic on money
    classes that this replaced took 14-16 s); Warszawa 2017 Mlynow (1,438 voters, 452 steps)
    0.28 s; the other samples under 0.15 s.

    Raises ``ValueError`` for ballots with points other than 1 (cost utilities need approval
    ballots) and for an unknown ``completion``.
    """
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}; expected one of {COMPLETIONS}")
    election = _Election(projects, budget, ballots)
    if not election.is_approval:
        raise ValueError("the Method of Equal Shares with cost utilities needs approval ballots")
    engine = _Mes(election)
    n = election.n_voters
    run: _MesRun | None = None
    steps = 0
    if n:
        run = engine.run(Fraction(budget, n), None)
        if run is None:
            raise RuntimeError("an MES run without a cost limit always completes")
        if completion in ("add1", "add1_utilitarian"):
            while not engine.is_exhaustive(run):
                candidate = engine.run(Fraction(budget // n + steps + 1), budget)
                if candidate is None:
                    break
                run = candidate
                steps += 1
    return _mes_outcome(engine, run, steps, completion == "add1_utilitarian")


def _mes_outcome(engine: _Mes, run: _MesRun | None, steps: int, utilitarian: bool) -> Outcome:
    election = engine.e
    by_index: dict[int, ProjectResult] = {}
    selected: list[int] = []
    total_cost = 0
    if run is not None:
        for step, (i, q) in enumerate(zip(run.winners, run.payments, strict=True), start=1):
            selected.append(i)
            total_cost += election.costs[i]
            by_index[i] = _result(election, i, SELECTED, REASON_SELECTED_MES, round=step, max_payment=q)
    if utilitarian:
        for rank, i in enumerate(election.greedy_order(), start=1):
            if i in by_index or election.votes[i] == 0:
                continue
            if election.costs[i] <= election.budget - total_cost:
                selected.append(i)
                total_cost += election.costs[i]
                by_index[i] = _result(election, i, SELECTED, REASON_SELECTED_COMPLETION, rank=rank)
    for i in range(len(election.projects)):
        if i in by_index:
            continue
        if election.votes[i] == 0:
            reason = REASON_NO_VOTES
        elif election.costs[i] > election.budget:
            reason = REASON_NOT_ENOUGH_BUDGET
        else:
            reason = REASON_SUPPORTERS_BUDGET_SPENT
        has_supporters = run is not None and election.votes[i] > 0
        money = engine.supporters_money(i, run) if has_supporters else None
        by_index[i] = _result(election, i, NOT_SELECTED, reason, supporters_money=money)
    return Outcome(
        rule="mes",
        budget=election.budget,
        selected=[election.ids[i] for i in selected],
        total_cost=total_cost,
        results={election.ids[i]: by_index[i] for i in range(len(election.projects))},
        endowment=run.endowment if run is not None else None,
        add1_steps=steps,
    )


def _result(election: _Election, i: int, status: str, reason: str, **extra: object) -> ProjectResult:
    return ProjectResult(
        project_id=election.ids[i],
        cost=election.costs[i],
        votes=election.votes[i],
        points=election.points[i],
        status=status,
        reason=reason,
        **extra,  # type: ignore[arg-type]
    )
