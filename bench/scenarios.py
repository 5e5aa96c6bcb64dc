"""The benchmark's data set and scenarios.

``prepare`` builds the data once per database (see ``bench/dataset.py``) and
writes the request files; each ``Scenario`` drives one kind of traffic with
wrk against the running server; ``AFTER_CHECKS`` run against the same server
afterwards (the rush of 500 signers around a threshold).
"""

from __future__ import annotations

import http.client
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import dataset
from bench.run import Result, run_wrk


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


@dataclass
class Scenario:
    name: str
    description: str
    path: Callable[[dict], str]
    target: str = ""
    min_rps: float | None = None
    max_p99_ms: float | None = None
    script: str = "get.lua"
    #: For replayed requests: the request file's key in the prepared data.
    requests: str | None = None

    def run(self, server, prepared: dict, args) -> Result:
        requests_file = Path(prepared["files"][self.requests]) if self.requests else None
        warmup = None
        if args.warmup:
            # Steady state, as a server in service is: each worker has compiled the
            # templates and opened its connections before the measured run. The
            # warm-up's own figures are kept in the notes (they show the cold start).
            warmup_file = prepared["files"].get(f"{self.requests}_warmup", requests_file)
            warmup = run_wrk(
                server.base,
                self.path(prepared),
                duration=args.warmup,
                connections=args.connections,
                script=self.script,
                requests_file=Path(warmup_file) if warmup_file else None,
            )
        before = load_average()
        cpu_before = server.cpu_seconds()
        count, p50, p99, errors = run_wrk(
            server.base,
            self.path(prepared),
            duration=args.duration,
            connections=args.connections,
            script=self.script,
            requests_file=requests_file,
        )
        result = Result(
            self.name, self.description, count, float(args.duration), p50, p99, errors, self.target
        )
        result.cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / count if count else None
        result.notes.append(f"{before} before, {load_average()} after (1/5 min)")
        if warmup is not None:
            result.notes.append(
                f"warm-up of {args.warmup} s before it (not counted): {warmup[0]} requests, "
                f"p50 {warmup[1]:.1f} ms, p99 {warmup[2]:.1f} ms, {warmup[3]} errors"
            )
        if self.min_rps is not None:
            result.met = result.rps >= self.min_rps and p99 < self.max_p99_ms and errors == 0
        return result


def prepare(env: dict, workdir: Path, args) -> dict:
    """Create the data set in the benchmark database and the request files."""
    os.environ.update(env)
    from participation import create_app

    app = create_app()
    started = time.perf_counter()
    with app.app_context():
        data = dataset.build(app, args)
        from participation import db

        if db.session.get_bind().dialect.name == "postgresql":
            # Planner statistics after the bulk load, as autovacuum would gather them in service.
            db.session.commit()
            db.session.connection().exec_driver_sql("ANALYZE")
            db.session.commit()
    print(f"  data set ready in {time.perf_counter() - started:.0f} s", flush=True)
    sign_path = f"/initiatives/{data['initiative_id']}/sign"
    signers = data["signers"]

    def signing(pool: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
        return [("POST", sign_path, cookie, dataset.sign_body(token)) for cookie, token in pool]

    def mix(pool: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
        # 70 % reads of the initiative page, the count and the hearing page,
        # 20 % the hearing's comment stream (page 2), 10 % signing, shuffled.
        reads = [data["initiative_url"], "/initiatives/", data["hearing_url"]]
        lines = []
        rng = random.Random(10)
        for request in signing(pool):
            block = [("GET", reads[i % 3], "", "") for i in range(7)]
            block += [("GET", data["stream_url"], "", "")] * 2
            block.append(request)
            rng.shuffle(block)
            lines.extend(block)
        # Ends with a read: a thread that runs out repeats its last request.
        lines.append(("GET", data["hearing_url"], "", ""))
        return lines

    files = {
        "sign": dataset.write_requests(workdir / "sign.txt", signing(signers["sign"])),
        "sign_warmup": dataset.write_requests(workdir / "sign_warmup.txt", signing(signers["sign_warmup"])),
        # Signed-in readers of the hearing page: never served from the anonymous page cache.
        "hearing_signed_in": dataset.write_requests(
            workdir / "hearing_signed_in.txt",
            [("GET", data["hearing_url"], cookie, "") for cookie, _ in signers["mix"][:64]],
        ),
        "mix": dataset.write_requests(workdir / "mix.txt", mix(signers["mix"])),
        "mix_warmup": dataset.write_requests(workdir / "mix_warmup.txt", mix(signers["mix_warmup"])),
    }
    return {"workdir": str(workdir), "app": app, "files": {k: str(v) for k, v in files.items()}, **data}


def smoke(server, prepared: dict) -> None:
    """One prepared signature through the real server before any load: it must succeed."""
    cookie, token = prepared["signers"]["smoke"]
    status = post(server, f"/initiatives/{prepared['initiative_id']}/sign", cookie, dataset.sign_body(token))
    if status != 200:
        raise RuntimeError(f"a prepared signature was refused with HTTP {status}; see gunicorn.log")


def post(server, path: str, cookie: str, body: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def threshold_rush(server, prepared: dict, args) -> list[Result]:
    """500 signers at once on an initiative 250 short of its threshold; then the refresh job.

    Checks the count is exact (initial + accepted = rows = public count) and that
    ``initiative.threshold_reached`` is in the ledger exactly once.
    """
    from sqlalchemy import func, select

    from participation import db, worker
    from participation.initiatives import services
    from participation.initiatives.models import Initiative
    from participation.transparency.models import LedgerEntry

    initiative_id = prepared["rush_id"]
    path = f"/initiatives/{initiative_id}/sign"
    signers = prepared["signers"]["rush"]
    barrier = threading.Barrier(len(signers))
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def sign(cookie: str, token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        connection.connect()
        barrier.wait()
        started = time.perf_counter()
        try:
            connection.request(
                "POST",
                path,
                body=dataset.sign_body(token),
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            connection.close()
        with lock:
            statuses.append(status)
            latencies.append(time.perf_counter() - started)

    before = load_average()
    threads = [threading.Thread(target=sign, args=pair) for pair in signers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    accepted = statuses.count(200)
    app = prepared["app"]
    with app.app_context():
        worker.run_once()
        worker.run_once()  # a second round must not announce the threshold again
        initiative = db.session.get(Initiative, initiative_id)
        rows = services.exact_count(initiative).online
        shown = services.public_count(initiative).online
        events = db.session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(
                LedgerEntry.kind == "initiative.threshold_reached",
                LedgerEntry.subject_type == "initiative",
                LedgerEntry.subject_id == initiative_id,
            )
        )
        reached = initiative.threshold_reached_at is not None
    expected = prepared["rush_initial"] + accepted
    latencies.sort()
    result = Result(
        "threshold_rush",
        f"{len(signers)} signers at once on an initiative {dataset.RUSH_MARGIN} short of its threshold",
        len(statuses),
        seconds,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99) - 1] * 1000,
        len(statuses) - accepted,
        "exact count, exactly one threshold event, no errors",
    )
    exact = rows == expected == shown
    result.met = exact and events == 1 and reached and accepted == len(signers)
    result.notes += [
        f"HTTP statuses {dict(Counter(statuses))}",
        f"count: initial {prepared['rush_initial']} + accepted {accepted} = {expected}; "
        f"rows {rows}; public count after refresh {shown}",
        f"threshold {prepared['rush_threshold']}; initiative.threshold_reached in the ledger: {events}",
        f"{before} before, {load_average()} after",
    ]
    return [result]


SIGN_TARGET = "≥ 1,000 req/s, p99 < 150 ms"
HEARING_TARGET = "≥ 500 req/s, p99 < 100 ms"

SCENARIOS: list[Scenario] = [
    Scenario("minimal", "GET /healthz (one SELECT 1): the yardstick", lambda p: "/healthz"),
    Scenario(
        "sign",
        "POST the signing form, each request a distinct signed-in verified signer with CSRF",
        lambda p: f"/initiatives/{p['initiative_id']}/sign",
        SIGN_TARGET,
        1_000,
        150,
        script="requests.lua",
        requests="sign",
    ),
    Scenario(
        "initiative_page",
        "GET the page of the initiative with 1,000,000 signatures",
        lambda p: p["initiative_url"],
    ),
    Scenario(
        "initiative_count",
        "GET /api/v1/initiatives/<id>: the count (and daily counts) of the 1,000,000-signature initiative",
        lambda p: f"/api/v1/initiatives/{p['initiative_id']}",
    ),
    Scenario(
        "initiative_list",
        "GET /initiatives/ (the list with each initiative's live count)",
        lambda p: "/initiatives/",
    ),
    Scenario(
        "hearing_page",
        "GET the hearing page (10,000 comments; first page of the stream)",
        lambda p: p["hearing_url"],
        HEARING_TARGET,
        500,
        100,
    ),
    Scenario(
        "hearing_page_signed_in",
        "GET the same hearing page as signed-in citizens (rendered for each request, no page cache)",
        lambda p: p["hearing_url"],
        script="requests.lua",
        requests="hearing_signed_in",
    ),
    Scenario(
        "comment_stream",
        "GET page 2 of the hearing's comment stream by its cursor link",
        lambda p: p["stream_url"],
    ),
    Scenario("budget_page", "GET the budget process page (200 projects)", lambda p: p["budget_url"]),
    Scenario(
        "mix",
        "70 % the three pages, 20 % the stream page 2, 10 % signing (distinct signers)",
        lambda p: "/",
        script="requests.lua",
        requests="mix",
    ),
]

#: Checks run after the scenarios against the same server, returning extra Results.
AFTER_CHECKS: list[Callable] = [threshold_rush]
