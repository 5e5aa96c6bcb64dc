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
* No floating-point number takes part in any decision: money is ``int`` or
  ``fractions.Fraction`` throughout, so ties are detected exactly and results do not depend on
  the platform.
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
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor, gcd
from operator import itemgetter, mul

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


@dataclass
class _MesRun:
    """One MES run: winners with their maximum payment, and what every voter has left.

    Voter group ``g`` holds ``money[c] / scales[epoch[c]]`` with ``c = voter_class[g]``.
    """

    endowment: Fraction
    winners: list[int]
    payments: list[Fraction]
    total_cost: int
    voter_class: list[int]
    money: list[int]
    epoch: list[int]
    scales: list[int]

    def class_money(self, k: int) -> Fraction:
        return Fraction(self.money[k], self.scales[self.epoch[k]])


def _getter(keys: list[int]) -> Callable[[list[int]], tuple[int, ...]]:
    """``f(values) == tuple(values[k] for k in keys)``, done in C by ``itemgetter``."""
    if len(keys) == 1:
        only = keys[0]
        return lambda values: (values[only],)
    if not keys:
        return lambda values: ()
    return itemgetter(*keys)


class _Mes:
    """MES with cost utilities on grouped approval ballots, in exact integer arithmetic.

    Voters holding the same amount of money form one *class*; a voter group (identical
    ballots) points to its class, so evaluating a project only does arithmetic on the
    distinct amounts among its supporters. Money is kept as integers over a common
    denominator ``scale`` that grows (by least common multiple) as payments with new
    denominators are made; a class created in step ``r`` stores its numerator over that
    step's scale (its *epoch*), and is brought to the current scale by an exact integer
    factor. No floating-point number is ever used.
    """

    def __init__(self, election: _Election) -> None:
        self.e = election
        by_tie = sorted(
            (i for i in range(len(election.projects)) if election.votes[i] > 0),
            key=lambda i: (-election.votes[i], election.costs[i], election.ids[i]),
        )
        self.tie_rank = {i: r for r, i in enumerate(by_tie)}
        # C-level lookup of the classes of a project's supporters, one entry per voter (a
        # group repeated by its weight), for counting.
        self.voters_getter = [
            _getter([g for g in election.approvers[i] for _ in range(election.weights[g])])
            for i in range(len(election.projects))
        ]

    def _classes_of(self, i: int, voter_class: list[int]) -> Counter[int]:
        """Number of project ``i``'s supporters in each money class."""
        return Counter(self.voters_getter[i](voter_class))

    @staticmethod
    def _max_payment(
        amounts: list[int], weights: list[int], cost: int, supporters: int
    ) -> tuple[int, int] | None:
        """Least ``q = num / den`` such that supporters paying ``min(money, q)`` cover ``cost``.

        ``weights[j]`` supporters hold ``amounts[j]`` each, in the same integer units as
        ``cost``; ``supporters == sum(weights)``. Returns ``(num, den)``, or ``None`` if the
        supporters together have less than ``cost``.
        """
        if min(amounts) * supporters >= cost:
            return cost, supporters  # everyone can pay an equal share
        if sum(map(mul, amounts, weights)) < cost:
            return None
        paid = 0
        for amount, w in sorted(zip(amounts, weights, strict=True)):
            if cost - paid <= amount * supporters:
                break
            paid += amount * w  # these supporters pay all they have
            supporters -= w
        return cost - paid, supporters

    def run(self, endowment: Fraction, cost_limit: int | None) -> _MesRun | None:
        """Run MES with the given per-voter share.

        Each step buys the affordable project with the least payment per unit of utility
        ``rho = q / cost``, where ``q`` is the least amount such that supporters paying
        ``min(their money, q)`` cover the cost; ties go to more votes, then lower cost, then
        lower project id. Returns ``None`` as soon as the cost of the bought projects
        exceeds ``cost_limit`` (used by add1: that run cannot be kept).
        """
        costs = self.e.costs
        votes = self.e.votes
        approvers = self.e.approvers
        voter_class = [0] * len(self.e.groups)
        money = [endowment.numerator, 0]  # class 0: the full share; class 1: nothing left
        epoch = [0, 0]
        scales = [endowment.denominator]
        factors = [1]  # factors[r] = scales[-1] // scales[r]
        scale = scales[-1]
        # Lower bounds on rho: with full shares, q >= cost / votes, i.e. rho >= 1 / votes.
        # Money only decreases, so a project's last computed rho stays a lower bound.
        heap = [(Fraction(1, votes[i]), rank, i) for i, rank in self.tie_rank.items()]
        heapq.heapify(heap)
        winners: list[int] = []
        payments: list[Fraction] = []
        total_cost = 0
        while heap:
            best: tuple[Fraction, int, int, Fraction, Counter[int], list[int]] | None = None
            evaluated: list[tuple[Fraction, int, int]] = []
            while heap and (best is None or heap[0][0] <= best[0]):
                _, rank, i = heapq.heappop(heap)
                counts = self._classes_of(i, voter_class)
                amounts = [money[k] * factors[epoch[k]] for k in counts]
                share = self._max_payment(amounts, list(counts.values()), costs[i] * scale, votes[i])
                if share is None:
                    continue  # unaffordable now, hence for the rest of the run
                q = Fraction(share[0], share[1] * scale)
                rho = q / costs[i]
                evaluated.append((rho, rank, i))
                if best is None or (rho, rank) < best[:2]:
                    best = (rho, rank, i, q, counts, amounts)
            if best is None:
                break
            _, _, winner, q, counts, amounts = best
            for candidate in evaluated:
                if candidate[2] != winner:
                    heapq.heappush(heap, candidate)
            winners.append(winner)
            payments.append(q)
            total_cost += costs[winner]
            if cost_limit is not None and total_cost > cost_limit:
                return None
            # New common denominator, so that q is a whole number of units.
            step = q.denominator // gcd(scale, q.denominator)
            if step > 1:
                scale *= step
                factors = [f * step for f in factors]
            scales.append(scale)
            factors.append(1)
            q_units = q.numerator * (scale // q.denominator)
            # Each class of the winner's supporters moves to the class of what it has left
            # (class 1 if nothing); equal amounts share one new class.
            left = [amount * step - q_units for amount in amounts]
            fresh = list(dict.fromkeys(amount for amount in left if amount > 0))
            class_of = {amount: len(money) + j for j, amount in enumerate(fresh)}
            money.extend(fresh)
            epoch.extend([len(scales) - 1] * len(fresh))
            moved = {k: class_of.get(amount, 1) for k, amount in zip(counts, left, strict=True)}
            for g in approvers[winner]:
                voter_class[g] = moved[voter_class[g]]
        return _MesRun(endowment, winners, payments, total_cost, voter_class, money, epoch, scales)

    def supporters_money(self, i: int, run: _MesRun) -> Fraction:
        """What project ``i``'s supporters have left together at the end of ``run``."""
        counts = self._classes_of(i, run.voter_class)
        return sum((run.class_money(k) * w for k, w in counts.items()), Fraction(0))

    def is_exhaustive(self, run: _MesRun) -> bool:
        """True if no project with votes that MES left out fits in the real budget left."""
        left = self.e.budget - run.total_cost
        chosen = set(run.winners)
        return not any(self.e.costs[i] <= left for i in self.tie_rank if i not in chosen)


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
    projects whose lower bound on ``q / cost`` could still beat the best one found, and stops
    as soon as its cost exceeds the budget. Large elections with many add1 steps are slow in
    pure Python: Warszawa 2020 Praga-Poludnie (14,897 voters, 134 projects, 178 steps) takes
    13-20 s of CPU on the shared 2-core test machine (depending on its load), 0.07-0.11 s per
    run, about a fifth of it in counting the money classes of each evaluated project's
    supporters alone; constant factors cannot bring this under a few seconds.

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
