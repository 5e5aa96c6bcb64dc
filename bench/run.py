"""Load benchmark: gunicorn (2 workers) on PostgreSQL and SQLite, driven by wrk.

    python bench/run.py [--db sqlite|postgres|both] [--duration 15] [--connections 32]

For each database it builds a fresh schema through the migrations, prepares
the data set of every scenario (see ``bench/scenarios.py``), starts gunicorn
with 2 workers on a free port, and runs each scenario with ``wrk`` from a
separate process. It prints throughput and p50/p99 latency per scenario and
the ratio of each to the minimal endpoint (``/healthz``) measured in the same
run, then writes ``bench/results-<db>.json``. Needs ``wrk`` (Debian package)
and, for PostgreSQL, a server at 127.0.0.1:5432 (override with
``--postgres-url``). Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_LINE = re.compile(
    r"BENCH p50=(\d+) p99=(\d+) requests=(\d+) errors_status=(\d+) errors_connect=(\d+) errors_timeout=(\d+)"
)


@dataclass
class Result:
    scenario: str
    description: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    target: str = ""
    ratio_throughput: float | None = None
    ratio_p99: float | None = None
    #: Whether the target is met (None: no target).
    met: bool | None = None
    #: CPU milliseconds the app server (gunicorn) used per request: comparable on a busy machine.
    cpu_ms: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app with the given environment."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4):
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        log = open(Path(self.env["PARTICIPATION_INSTANCE_PATH"]) / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--worker-class",
                "gthread",
                # One listening socket per worker: the kernel spreads connections over the
                # workers. With one shared socket, whichever worker wakes first accepts most
                # of wrk's 32 keep-alive connections and the other one idles (see BENCHMARKS.md).
                "--reuse-port",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's master and workers."""
        if self.process is None:
            return 0.0
        return process_cpu_seconds(self.process.pid)

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=15)


def process_cpu_seconds(root: int) -> float:
    """CPU seconds of process ``root`` and its direct children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        # fields[1] is the parent pid; fields[11] and [12] are utime and stime in ticks.
        if int(entry.name) == root or int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def run_wrk(
    base: str,
    path: str,
    *,
    duration: int,
    connections: int,
    threads: int = 2,
    script: str = "get.lua",
    requests_file: Path | None = None,
) -> tuple[int, float, float, int]:
    """Run wrk; returns (requests, p50 ms, p99 ms, errors)."""
    env = {**os.environ, "BENCH_THREADS": str(threads)}
    if requests_file is not None:
        env["BENCH_REQUESTS"] = str(requests_file)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "lua" / script),
        base + path,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    match = BENCH_LINE.search(output)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    p50, p99, requests, status, connect, timeout = (int(x) for x in match.groups())
    return requests, p50 / 1000, p99 / 1000, status + connect + timeout


def database_env(kind: str, workdir: Path, postgres_url: str) -> tuple[dict[str, str], callable]:
    """Environment for a fresh database of ``kind``, and a cleanup function."""
    env = {
        **os.environ,
        "PARTICIPATION_ENV": "testing",
        "PARTICIPATION_INSTANCE_PATH": str(workdir),
        "PARTICIPATION_SECRET_KEY": "bench-secret-key",
        "PARTICIPATION_IDENTITY_KEY": "bench-identity-key",
        "PARTICIPATION_ENCRYPTION_KEY": "bench-encryption-key",
        "PARTICIPATION_RATELIMIT_ENABLED": "false",
        "PARTICIPATION_FORM_MIN_SECONDS": "0",
    }
    if kind == "sqlite":
        env["PARTICIPATION_DATABASE_URL"] = f"sqlite:///{workdir}/bench.db"
        return env, lambda: None
    name = f"bench_{int(time.time())}_{os.getpid()}"
    base, _, _ = postgres_url.rpartition("/")
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    env["PARTICIPATION_DATABASE_URL"] = f"{base}/{name}"
    return env, lambda: subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=False
    )


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{memory}"


def run_database(kind: str, args) -> list[Result]:
    from bench import scenarios

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    env, cleanup = database_env(kind, workdir, args.postgres_url)
    prepared = None
    try:
        subprocess.run(
            [sys.executable, "-m", "participation", "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        print(f"[{kind}] preparing data …", flush=True)
        prepared = scenarios.prepare(env, workdir, args)
        results: list[Result] = []
        with Server(env) as server:
            scenarios.smoke(server, prepared)
            for scenario in scenarios.SCENARIOS:
                if args.only and scenario.name not in args.only:
                    continue
                print(f"[{kind}] {scenario.name} …", flush=True)
                results.append(scenario.run(server, prepared, args))
            for check in scenarios.AFTER_CHECKS:
                if not args.only or check.__name__ in args.only:
                    print(f"[{kind}] {check.__name__} …", flush=True)
                    results.extend(check(server, prepared, args))
        baseline = next((r for r in results if r.scenario == "minimal"), None)
        for result in results:
            if baseline and baseline.rps and result.scenario != "threshold_rush":
                result.ratio_throughput = round(result.rps / baseline.rps, 3)
                result.ratio_p99 = round(result.p99_ms / baseline.p99_ms, 2) if baseline.p99_ms else None
        return results
    finally:
        if prepared is not None:
            prepared["app"].extensions["participation.db"].engine.dispose()
        if args.keep:
            print(f"[{kind}] kept {workdir} and {env['PARTICIPATION_DATABASE_URL']}", flush=True)
        else:
            cleanup()
            shutil.rmtree(workdir, ignore_errors=True)


def print_table(kind: str, results: list[Result]) -> None:
    print(f"\n## {kind}\n")
    print(
        "| scenario | req/s | p50 ms | p99 ms | errors | vs minimal (throughput, p99) "
        "| server CPU ms/request | target | met | notes |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | --- |")
    for r in results:
        ratio = f"{r.ratio_throughput} ×, {r.ratio_p99} ×" if r.ratio_throughput is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        print(
            f"| {r.scenario} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {ratio} "
            f"| {'' if r.cpu_ms is None else f'{r.cpu_ms:.1f}'} | {r.target} | {met} | {'; '.join(r.notes)} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of unmeasured load before each scenario (0: none)"
    )
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--signatures", type=int, default=1_000_000, help="existing signatures on the big initiative"
    )
    parser.add_argument("--comments", type=int, default=10_000, help="comments on the big hearing")
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory and the PostgreSQL database"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_description(),
        "runs": {},
    }
    failed = False
    for kind in kinds:
        results = run_database(kind, args)
        print_table(kind, results)
        report["runs"][kind] = [asdict(r) | {"rps": round(r.rps, 1)} for r in results]
        failed |= any(r.errors for r in results)
        (ROOT / "bench" / f"results-{kind}.json").write_text(
            json.dumps(
                {"date": report["date"], "machine": report["machine"], "results": report["runs"][kind]},
                indent=2,
                ensure_ascii=False,
            )
        )
    print(f"\n{report['date']} on {report['machine']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
