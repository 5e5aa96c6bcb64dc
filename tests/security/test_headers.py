"""Cookies and security headers on every kind of response, downloads as attachments."""

from __future__ import annotations

import pytest

from participation import create_app
from tests.conftest import base_config
from tests.factories import PASSWORD
from tests.security.conftest import client_as


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _session_cookie(response, name="session") -> str:
    cookies = [c for c in _set_cookies(response) if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set: {_set_cookies(response)}"
    return cookies[-1]


def _assert_security_headers(response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, what
    assert "script-src 'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, what
    assert headers.get("Referrer-Policy"), what


def test_session_cookie_httponly_and_lax(client, factory):
    user = factory.user()
    response = client.post("/signin", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    for cookie in _set_cookies(response):  # the remember-me cookie too
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_session_cookie_secure_in_production(database_url, migrated, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_ENV", "production")
    config = {
        **base_config(database_url, migrated),
        "ENV_MODE": "production",
        "BASE_URL": "https://example.go.th",
        "WTF_CSRF_ENABLED": True,  # as in production: the sign-in form's token starts the session
    }
    del config["ENV_MODE"]  # from the environment, as in a real deployment
    app = create_app(config)
    assert app.config["ENV_MODE"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    response = client.get("/signin", base_url="https://example.go.th")
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["participation.db"].engine.dispose()


def test_security_headers_on_every_kind_of_response(app, db, world):
    anonymous = client_as(app, world, "anonymous")
    staff = client_as(app, world, "staff")
    hearing = world.ids["hearing"]
    responses = {
        "html": anonymous.get("/"),
        "json api": anonymous.get("/api/v1/organisations"),
        "openapi": anonymous.get("/api/v1/openapi.json"),
        "atom": anonymous.get("/feeds/ledger.atom"),
        "csv": anonymous.get(f"/hearings/{world.ids['reported_hearing']}/report.csv"),
        "attachment": anonymous.get(f"/hearings/{hearing}/attachments/{world.ids['attachment']}"),
        "signature export": staff.post(f"/initiatives/{world.ids['handed_initiative']}/export.csv"),
        "404": anonymous.get("/no-such-page"),
        "403": client_as(app, world, "citizen").get("/admin/"),
        "405": anonymous.put("/"),
        "422": anonymous.post("/signin", data={"email": "x"}),
        "redirect": anonymous.get("/account"),
    }
    for kind, response in responses.items():
        assert response.status_code < 500, kind
        _assert_security_headers(response, kind)
    assert responses["json api"].mimetype == "application/json"
    assert responses["atom"].mimetype == "application/atom+xml"
    assert responses["signature export"].status_code == 200
    for kind in ("csv", "attachment", "signature export"):
        response = responses[kind]
        assert response.status_code == 200, kind
        assert response.headers.get("Content-Disposition", "").startswith("attachment"), kind
        assert response.mimetype != "text/html", kind
    assert "no-store" in responses["signature export"].headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path", ["/api/v1/organisations", "/api/v1/ledger", "/api/v1/search?q=x", "/healthz"]
)
def test_json_is_never_served_as_html(client, path):
    response = client.get(path)
    assert response.mimetype == "application/json", path
