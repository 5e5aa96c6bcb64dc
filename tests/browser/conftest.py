"""Browser journeys: the real app under gunicorn, driven in the system Chromium.

The server runs on a free localhost port with a fresh SQLite database built by
the migrations. Tests set up data through the same database with a second app
object in this process (``server_app``). Screenshots are written under
``test-artifacts/`` on every failure, and by the screenshot tests always.

Chromium is the Debian package (``/usr/bin/chromium``); Playwright never
downloads a browser. Missing Chromium fails under CI
(PARTICIPATION_REQUIRE_SERVICES=1) and skips elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES, ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _chromium() -> str | None:
    candidate = os.environ.get("PARTICIPATION_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        message = "Chromium not found (install the Debian package 'chromium' or set PARTICIPATION_CHROMIUM)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {
        **os.environ,
        "PARTICIPATION_ENV": "testing",
        "PARTICIPATION_INSTANCE_PATH": str(instance),
        "PARTICIPATION_DATABASE_URL": f"sqlite:///{instance}/browser.db",
        "PARTICIPATION_SECRET_KEY": "browser-secret",
        "PARTICIPATION_IDENTITY_KEY": "browser-identity",
        "PARTICIPATION_ENCRYPTION_KEY": "browser-encryption",
        "PARTICIPATION_FORM_MIN_SECONDS": "0",
        "PARTICIPATION_RATELIMIT_ENABLED": "false",
    }
    env.pop("PARTICIPATION_TEST_DATABASE_URL", None)
    return env


@pytest.fixture(scope="session")
def live_server(server_env, chromium_path):
    """Base URL of the app served by gunicorn on a free port."""
    subprocess.run(
        [sys.executable, "-m", "participation", "db", "upgrade"],
        env=server_env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_env["PARTICIPATION_BASE_URL"] = base
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env=server_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the server did not start; see {ARTIFACTS / 'gunicorn.log'}")
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a loaded machine; the test results stand
        process.kill()
        process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def server_app(live_server, server_env):
    """An app object on the live server's database, for setting up data."""
    from participation import create_app

    config = {
        "ENV_MODE": "testing",
        "DATABASE_URL": server_env["PARTICIPATION_DATABASE_URL"],
        "SECRET_KEY": server_env["PARTICIPATION_SECRET_KEY"],
        "IDENTITY_KEY": server_env["PARTICIPATION_IDENTITY_KEY"],
        "ENCRYPTION_KEY": server_env["PARTICIPATION_ENCRYPTION_KEY"],
        "BASE_URL": live_server,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _context(browser, *, language: str = "th", javascript: bool = True, width: int = 1280, height: int = 900):
    return browser.new_context(
        locale="th-TH" if language == "th" else "en-US",
        extra_http_headers={"Accept-Language": "th" if language == "th" else "en"},
        java_script_enabled=javascript,
        viewport={"width": width, "height": height},
    )


@pytest.fixture
def new_page(browser, request):
    """Factory: ``new_page(language='th', javascript=True, width=1280)``."""
    pages = []

    def make(**kwargs):
        context = _context(browser, **kwargs)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        pages.append(page)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, page in enumerate(pages):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            target = ARTIFACTS / "failures" / f"{request.node.name}-{index}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
        page.context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def make_user(server_app):
    """Create a verified account on the live server's database."""
    import itertools

    counter = itertools.count()

    def make(**kwargs):
        from participation import db
        from participation.accounts import services

        n = next(counter)
        email = kwargs.pop("email", f"browser{time.time_ns()}{n}@example.org")
        with server_app.app_context():
            user = services.create_user(
                email=email,
                password=kwargs.pop("password", "correct horse battery"),
                display_name=kwargs.pop("display_name", f"ผู้ทดสอบ {n}"),
                verified=kwargs.pop("verified", True),
                locale=kwargs.pop("locale", "th"),
            )
            if kwargs.pop("admin", False):
                services.set_platform_roles(user, moderator=True, admin=True)
            if kwargs.pop("moderator", False):
                services.set_platform_roles(user, moderator=True, admin=False)
            db.session.commit()
            return user

    return make


def sign_in(page, base: str, email: str, password: str = "correct horse battery") -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()


def run_axe(page) -> list[dict]:
    """Serious or critical axe-core violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            },
        },
    )
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
