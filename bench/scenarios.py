"""The benchmark's data set and scenarios.

``prepare`` builds the data once per database; each ``Scenario`` drives one
kind of traffic with wrk against the running server. Domain scenarios (signing,
the initiative page and count, the hearing page and its comment stream, a
mix, the rush of signers around a threshold) are added beside the domains'
bulk-data helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.run import Result, run_wrk


@dataclass
class Scenario:
    name: str
    description: str
    path: Callable[[dict], str]
    target: str = ""
    script: str = "get.lua"
    #: For replayed requests: builds the request file from the prepared data.
    requests: Callable[[dict, Path], Path] | None = None

    def run(self, server, prepared: dict, args) -> Result:
        requests_file = self.requests(prepared, Path(prepared["workdir"])) if self.requests else None
        count, p50, p99, errors = run_wrk(
            server.base,
            self.path(prepared),
            duration=args.duration,
            connections=args.connections,
            script=self.script,
            requests_file=requests_file,
        )
        return Result(self.name, self.description, count, float(args.duration), p50, p99, errors, self.target)


def prepare(env: dict, workdir: Path, args) -> dict:
    """Create the data set in the benchmark database; returns what scenarios need."""
    return {"workdir": str(workdir)}


SCENARIOS: list[Scenario] = [
    Scenario("minimal", "GET /healthz (one SELECT 1): the yardstick", lambda p: "/healthz"),
    Scenario("home", "GET / (the home page)", lambda p: "/"),
]

#: Checks run after the scenarios, returning extra Results (e.g. exactness).
AFTER_CHECKS: list[Callable] = []
