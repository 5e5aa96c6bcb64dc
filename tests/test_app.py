"""Start-up, configuration, health, headers, errors."""

from __future__ import annotations

import pytest

from participation import create_app
from participation.config import ConfigError, ensure_secrets


def test_home_is_thai_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="th">' in html
    assert "รับฟังความคิดเห็น" in html


def test_accept_language_english(client):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Public hearings on draft laws" in html


def test_language_switch_is_remembered(client):
    response = client.post("/language", data={"language": "en", "next": "/about"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/about")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirect(client):
    response = client.post("/language", data={"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_healthz_unavailable(tmp_path, migrated):
    app = create_app(
        {
            "ENV_MODE": "testing",
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            "SECRET_KEY": "x",
            "IDENTITY_KEY": "y",
            "ENCRYPTION_KEY": "z",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.parametrize("path", ["/", "/about", "/signin", "/register", "/password/forgot"])
def test_pages_have_no_external_resources(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html


def test_404_in_thai_and_english(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ไม่พบหน้า" in response.get_data(as_text=True)
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in response.get_data(as_text=True)


def test_405_page(client):
    response = client.get("/signout")
    assert response.status_code == 405
    assert "Allow" in response.headers


def test_one_megabyte_field_is_refused_with_a_message(client):
    response = client.post("/signin", data={"email": "a" * (1024 * 1024), "password": "x"})
    assert response.status_code == 422
    assert "254" in response.get_data(as_text=True)


def test_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/signin", data={"email": "a" * (2 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)


def test_500_page_has_no_stack_trace(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html


def test_production_requires_secrets(tmp_path):
    with pytest.raises(ConfigError, match="PARTICIPATION_SECRET_KEY"):
        ensure_secrets(
            {"ENV_MODE": "production", "SECRET_KEY": None, "IDENTITY_KEY": "a", "ENCRYPTION_KEY": "b"},
            str(tmp_path),
        )


def test_development_generates_and_keeps_secrets(tmp_path):
    first: dict = {"ENV_MODE": "development"}
    ensure_secrets(first, str(tmp_path))
    second: dict = {"ENV_MODE": "development"}
    ensure_secrets(second, str(tmp_path))
    assert first["SECRET_KEY"] and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["IDENTITY_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_session_cookie_flags(app, factory, client):
    user = factory.user()
    response = client.post("/signin", data={"email": user.email, "password": "correct horse battery"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTICIPATION_ENV", "production")
    for name in ("SECRET_KEY", "IDENTITY_KEY", "ENCRYPTION_KEY"):
        monkeypatch.setenv(f"PARTICIPATION_{name}", "x" * 40)
    monkeypatch.setenv("PARTICIPATION_DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


class TestWithCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_csrf_token_is_refused_in_thai(self, client, factory):
        user = factory.user()
        response = client.post("/signin", data={"email": user.email, "password": "correct horse battery"})
        assert response.status_code == 400
        assert "แบบฟอร์มหมดอายุ" in response.get_data(as_text=True)

    def test_signed_in_language_switch_needs_csrf(self, client, factory):
        from tests.conftest import csrf_token_from

        user = factory.user()
        token = csrf_token_from(client.get("/signin").get_data(as_text=True))
        client.post(
            "/signin", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
        )
        response = client.post("/language", data={"language": "en"})
        assert response.status_code == 400

    def test_post_with_token_works(self, client, factory):
        from tests.conftest import csrf_token_from

        user = factory.user()
        token = csrf_token_from(client.get("/signin").get_data(as_text=True))
        response = client.post(
            "/signin", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
        )
        assert response.status_code == 302


class TestRateLimits:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_sign_in_limit_answers_429_with_retry_after(self, client):
        from participation.extensions import limiter

        limiter.reset()
        statuses = [
            client.post("/signin", data={"email": f"nobody{i}@example.org", "password": "x" * 12}).status_code
            for i in range(31)
        ]
        assert statuses[:30].count(429) == 0
        assert statuses[30] == 429
        response = client.post(
            "/signin",
            data={"email": "again@example.org", "password": "x" * 12},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert "Too many requests" in response.get_data(as_text=True)
        response = client.post("/signin", data={"email": "again@example.org", "password": "x" * 12})
        assert "คำขอมากเกินไป" in response.get_data(as_text=True)


def test_prepared_statement_is_built_once_per_dialect(db):
    from sqlalchemy import bindparam, select

    from participation import db as db_module

    builds = []

    @db_module.prepared
    def statement():
        builds.append(1)
        return select(bindparam("value"))

    first, second = statement(), statement()
    assert first is second
    assert builds == [1]
    assert db.execute(first, {"value": 7}).scalar() == 7
