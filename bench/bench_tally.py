"""Time pabulib parsing and the greedy and MES tallies on every sample election.

Usage: python bench/bench_tally.py [--data-dir DIR] [--runs N] [--match TEXT]

Prints one row per ``.pb`` file (only those whose name contains ``--match``) with the median
time of ``--runs`` runs of: parse (validate bytes already in memory), greedy, and MES with add1
completion (approval files only), with the number of add1 steps and the CPU milliseconds per
MES run (each add1 step is one run, plus the first run with share ``budget / voters``). Each
time is shown as wall-clock seconds / CPU seconds of this process; CPU time is the figure to
compare on a shared, busy machine.
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


def median_seconds(action: Callable[[], object], runs: int) -> tuple[str, float]:
    """Median wall-clock and CPU seconds of ``runs`` calls, formatted ``wall/cpu``, and the
    median CPU seconds."""
    wall, cpu = [], []
    for _ in range(runs):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    return f"{statistics.median(wall):.3f}/{statistics.median(cpu):.3f}", statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--match", default="", help="only files whose name contains this")
    args = parser.parse_args()
    files = sorted(path for path in args.data_dir.glob("*.pb") if args.match in path.name)
    if not files:
        print(f"no .pb files in {args.data_dir}", file=sys.stderr)
        return 1
    header = (
        f"{'file':40} {'voters':>7} {'proj':>5} {'parse s':>13} {'greedy s':>13} "
        f"{'mes+add1 s':>15} {'add1 steps':>10} {'ms/run':>7}"
    )
    print(header)
    print("-" * len(header))
    for path in files:
        data = path.read_bytes()
        parse_s, _ = median_seconds(lambda data=data: pabulib.parse(data), args.runs)
        tally = pabulib.tally_input(pabulib.parse(data))
        greedy_s, _ = median_seconds(lambda t=tally: rules.greedy(t.projects, t.budget, t.ballots), args.runs)
        mes_s = steps = per_run = "n/a"
        if all(set(ballot.values()) <= {1} for ballot in tally.ballots):
            outcome = rules.mes(tally.projects, tally.budget, tally.ballots)
            steps = str(outcome.add1_steps)
            mes_s, mes_cpu = median_seconds(
                lambda t=tally: rules.mes(t.projects, t.budget, t.ballots), args.runs
            )
            per_run = f"{1000 * mes_cpu / (outcome.add1_steps + 1):.1f}"
        print(
            f"{path.name:40} {len(tally.ballots):>7} {len(tally.projects):>5} {parse_s:>13} "
            f"{greedy_s:>13} {mes_s:>15} {steps:>10} {per_run:>7}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
