"""Generic checks over every route of the app, so new routes are covered too.

- every state-changing route refuses a request without a CSRF token, and
  nothing is written;
- GET routes answer hostile query strings and path values with 2xx/3xx/4xx,
  never 500;
- every response carries the security headers.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.routing.converters import NumberConverter

from participation.db import Base, import_models

#: Routes that legitimately accept a POST without a CSRF token, with the reason.
CSRF_EXEMPT: dict[str, str] = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a page; a signed token is the authority.
    "notifications.unsubscribe": "one-click unsubscribe (RFC 8058), authorised by a signed token",
}

HOSTILE_VALUES = [
    "' OR '1'='1",
    '" OR 1=1 --',
    "1; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "%00",
    "\u202e\u0000",
    "9" * 40,
    "-1",
    "ร่าง*พ.ร.บ.",
    "a" * 5000,
]


def _url_for_rule(rule, value: str = "1") -> str:
    """A URL for ``rule`` with plausible values: numbers for int parts, the
    first allowed word for ``any(...)`` parts, ``value`` elsewhere."""
    url = rule.rule
    for argument in rule.arguments:
        if argument not in rule._converters:  # filled from the rule's defaults
            continue
        converter = rule._converters[argument]
        kind = converter.__class__.__name__
        if isinstance(converter, NumberConverter):  # also the app's IdConverter
            replacement = "1"
        elif kind == "AnyConverter":
            replacement = sorted(converter.items)[0]
        else:
            replacement = value
        url = re.sub(rf"<(?:[^<>]+:)?{argument}>", replacement, url)
    return url


def _row_counts(db) -> dict[str, int]:
    import_models()
    return {
        table.name: db.execute(select(func.count()).select_from(table)).scalar()
        for table in Base.metadata.sorted_tables
    }


def _post_rules(app):
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"]


def _get_rules(app):
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]


class TestCsrfOnEveryPost:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_every_post_route_refuses_missing_token(self, app, client, db, factory):
        admin = factory.user(admin=True)
        from tests.conftest import csrf_token_from

        token = csrf_token_from(client.get("/signin").get_data(as_text=True))
        assert (
            client.post(
                "/signin",
                data={"email": admin.email, "password": "correct horse battery", "csrf_token": token},
            ).status_code
            == 302
        )
        before = _row_counts(db)
        checked = []
        for rule in _post_rules(app):
            if rule.endpoint in CSRF_EXEMPT:
                continue
            response = client.post(_url_for_rule(rule), data={"language": "en", "body": "x"})
            assert response.status_code == 400, (
                f"{rule.rule} ({rule.endpoint}) answered {response.status_code} without a CSRF token"
            )
            checked.append(rule.endpoint)
        db.expire_all()
        assert _row_counts(db) == before, "a POST without a CSRF token wrote something"
        assert "accounts.sign_out" in checked and "web.set_language" in checked


def test_get_routes_never_500_on_hostile_input(app, client, factory, login):
    login(factory.user(admin=True))
    failures = []
    for rule in _get_rules(app):
        for value in HOSTILE_VALUES[:4] if rule.arguments else [None]:
            url = _url_for_rule(rule, value or "x")
            for query in ("", "?cursor=%ff%fe&limit=-5&page=abc&q=%27%22%3C", "?limit=999999999999&after=zz"):
                response = client.get(url + query)
                if response.status_code >= 500:
                    failures.append((url + query, response.status_code))
    assert failures == []


def test_anonymous_get_routes_never_500(app, client):
    failures = []
    for rule in _get_rules(app):
        url = _url_for_rule(rule, "1")
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []


def test_invalid_utf8_in_query_and_form(client):
    assert client.get("/?q=%ff%fe%fd").status_code < 500
    response = client.post(
        "/signin", data=b"email=%ff%fe&password=%c3%28", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 422)


def test_security_headers_on_every_response_type(app, client):
    responses = {
        "html": client.get("/"),
        "json": client.get("/healthz"),
        "error": client.get("/definitely-missing"),
        "static": client.get("/static/css/site.css"),
        "redirect": client.post("/language", data={"language": "en"}),
    }
    for kind, response in responses.items():
        assert response.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), kind
        assert response.headers.get("Referrer-Policy"), kind
