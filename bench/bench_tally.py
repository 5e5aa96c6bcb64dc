"""Time pabulib parsing and the greedy and MES tallies on every sample election.

Usage: python bench/bench_tally.py [--data-dir DIR] [--runs N]

Prints one row per ``.pb`` file with the median wall-clock time of ``--runs`` runs of:
parse (read + validate), greedy, and MES with add1 completion (approval files only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from participation.budgeting import pabulib, rules  # noqa: E402


def default_data_dir() -> Path:
    override = os.environ.get("PARTICIPATION_PABULIB_DIR")
    return Path(override) if override else (REPO_ROOT / ".." / "shared" / "data" / "pabulib")


def median_seconds(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(args.data_dir.glob("*.pb"))
    if not files:
        print(f"no .pb files in {args.data_dir}", file=sys.stderr)
        return 1
    header = (
        f"{'file':40} {'voters':>7} {'proj':>5} {'parse s':>8} {'greedy s':>9} "
        f"{'mes+add1 s':>11} {'add1 steps':>10}"
    )
    print(header)
    print("-" * len(header))
    for path in files:
        data = path.read_bytes()
        parse_s = median_seconds(lambda data=data: pabulib.parse(data), args.runs)
        tally = pabulib.tally_input(pabulib.parse(data))
        greedy_s = median_seconds(
            lambda t=tally: rules.greedy(t.projects, t.budget, t.ballots), args.runs
        )
        mes_s: str = "n/a"
        steps: str = "n/a"
        if all(set(ballot.values()) <= {1} for ballot in tally.ballots):
            outcome = rules.mes(tally.projects, tally.budget, tally.ballots)
            steps = str(outcome.add1_steps)
            seconds = median_seconds(
                lambda t=tally: rules.mes(t.projects, t.budget, t.ballots), args.runs
            )
            mes_s = f"{seconds:.3f}"
        print(
            f"{path.name:40} {len(tally.ballots):>7} {len(tally.projects):>5} {parse_s:>8.3f} "
            f"{greedy_s:>9.3f} {mes_s:>11} {steps:>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
