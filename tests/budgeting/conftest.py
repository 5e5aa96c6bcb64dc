"""Locate the pabulib sample elections shared beside the repository.

The samples live in ``<repo root>/../shared/data/pabulib`` (override with the environment
variable ``PARTICIPATION_PABULIB_DIR``). Missing samples make the tests fail, never skip:
the reproduction of real election results is the point of these tests.
"""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT / ".." / "shared" / "data" / "pabulib"


def pabulib_dir() -> Path:
    """The sample directory; fails the calling test with a clear message if it is missing."""
    override = os.environ.get("PARTICIPATION_PABULIB_DIR")
    directory = Path(override) if override else DEFAULT_DIR.resolve()
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
