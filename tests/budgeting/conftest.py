"""Budgeting test helpers: the pabulib samples shared beside the repository, and
processes in a chosen phase, proposals and voters built through the services.

Locating the pabulib sample elections:

The samples live in ``<repo root>/../shared/data/pabulib`` (override with the environment
variable ``PARTICIPATION_PABULIB_DIR``). Missing samples make the tests fail, never skip:
the reproduction of real election results is the point of these tests.
"""

import itertools
import os
from datetime import timedelta
from pathlib import Path

import pytest

from participation import db as db_module
from participation.budgeting import services
from participation.budgeting.models import BallotType, Phase, Rule
from tests.factories import valid_national_id

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT / ".." / "shared" / "data" / "pabulib"
WORKTREE_DIR = REPO_ROOT / ".." / ".." / "shared" / "data" / "pabulib"


def pabulib_dir() -> Path:
    """The sample directory; fails the calling test with a clear message if it is missing."""
    override = os.environ.get("PARTICIPATION_PABULIB_DIR")
    directory = Path(override) if override else DEFAULT_DIR.resolve()
    if not override and not directory.is_dir() and WORKTREE_DIR.is_dir():
        # A git worktree sits one level deeper (/work/wt/<branch>) than the main checkout.
        directory = WORKTREE_DIR.resolve()
    if not directory.is_dir():
        pytest.fail(
            f"pabulib sample data not found at {directory}; clone the shared data beside the "
            "repository (../shared/data/pabulib) or set PARTICIPATION_PABULIB_DIR",
            pytrace=False,
        )
    return directory


@pytest.fixture
def sample_path():
    """Return a function mapping a sample file name to its path, failing if it is absent."""

    def locate(name: str) -> Path:
        path = pabulib_dir() / name
        if not path.is_file():
            pytest.fail(f"pabulib sample {name} missing from {path.parent}", pytrace=False)
        return path

    return locate


_ids = itertools.count(100000000001)


#: Offsets (days) of each phase start relative to now, so the process is in ``phase`` now.
PHASE_OFFSETS = {
    Phase.upcoming: (1, 2, 3, 4, 5),
    Phase.proposals: (-1, 2, 3, 4, 5),
    Phase.review: (-2, -1, 3, 4, 5),
    Phase.voting: (-3, -2, -1, 4, 5),
    Phase.results: (-4, -3, -2, -1, 5),
    Phase.implementation: (-5, -4, -3, -2, -1),
}


@pytest.fixture
def budget(db, factory):
    """Build processes, proposals and voters through the services."""

    class Budget:
        def __init__(self):
            self.organisation = factory.organisation(slug="bang-rak")
            self.staff = factory.staff(self.organisation, locale="en")

        def process(
            self,
            phase: Phase = Phase.proposals,
            *,
            organisation=None,
            ballot_type: BallotType = BallotType.approval,
            rule: Rule = Rule.greedy,
            total_budget: int = 1_000_000,
            districts=(),
            max_choices: int | None = 3,
            max_points: int | None = None,
            slug: str | None = None,
        ):
            now = db_module.utcnow()
            starts = [now + timedelta(days=d) for d in PHASE_OFFSETS[phase]]
            process = services.create_process(
                organisation=organisation or self.organisation,
                slug=slug or f"pb-{next(_ids)}",
                title_th="งบประมาณแบบมีส่วนร่วม ทดสอบ",
                title_en="Test participatory budget",
                description_th="คำอธิบาย",
                total_budget=total_budget,
                proposals_opens_at=starts[0],
                review_opens_at=starts[1],
                voting_opens_at=starts[2],
                voting_closes_at=starts[3],
                implementation_opens_at=starts[4],
                districts=[services.DistrictSpec(*d) for d in districts],
                ballot_type=ballot_type,
                max_choices=max_choices,
                max_points=max_points,
                rule=rule,
            )
            db.commit()
            return process

        def feasible(self, process, title: str, cost: int, district=None, author=None):
            """A proposal reviewed feasible (written directly: the phases may be past)."""
            from participation.budgeting.models import BudgetProposal, ProposalStatus

            proposal = BudgetProposal(
                process_id=process.id,
                district_id=district.id if district else None,
                author_id=author.id if author else None,
                title=title,
                description="รายละเอียด",
                estimated_cost=cost,
                official_cost=cost,
                status=ProposalStatus.feasible,
            )
            db.add(proposal)
            db.commit()
            return proposal

        def voter(self, **kwargs):
            kwargs.setdefault("locale", "en")  # the tests read English messages
            return factory.user(national_id=valid_national_id(str(next(_ids))), **kwargs)

    return Budget()
