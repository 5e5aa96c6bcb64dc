"""Hostile and broken input to every POST route, as a signed-in site administrator
(CSRF disabled, so the input reaches the views): SQL metacharacters, a 1 MB
field, a truncated multipart body, invalid UTF-8 in the form and in the query
string. Never a 5xx; a refused request (4xx) saves nothing.
"""

from __future__ import annotations

import pytest

from tests.conftest import _truncate_all
from tests.security.conftest import client_as
from tests.security.test_authorization import TABLE, url_for_rule
from tests.security.test_routes import _row_counts
from tests.security.world import build_world

#: Names of the fields the app's forms use, so hostile values reach the validators and services.
FIELDS = [
    "body",
    "title",
    "title_th",
    "title_en",
    "summary",
    "summary_th",
    "summary_en",
    "description",
    "description_th",
    "text",
    "reason",
    "note",
    "name_th",
    "name_en",
    "display_name",
    "email",
    "password",
    "confirm",
    "current",
    "national_id",
    "full_name",
    "contact",
    "location",
    "estimated_cost",
    "official_cost",
    "cost",
    "count",
    "outcome",
    "explanation",
    "prompt",
    "choices",
    "heading",
    "prefix",
    "number",
    "slug",
    "q",
    "next",
    "language",
    "topic",
    "duration_days",
    "reasons",
    "status",
    "total_budget",
    "threshold",
    "kind",
    "law_type",
    "position",
    "stakeholder_group",
    "on_behalf_of",
    "part_id",
    "opens_at",
    "closes_at",
    "new_closes_at",
    "user_id",
    "role",
    "consent",
]

SQL = "'; DROP TABLE users; -- \" OR 1=1 /* \\ %_ \x00"

#: Routes whose refusal legitimately writes (a failed sign-in is counted for throttling).
WRITES_ON_REFUSAL = {"accounts.sign_in": "failed sign-ins are recorded for throttling"}

#: Routes whose success ends the administrator's session (the world is rebuilt after any success).
SKIP = {"accounts.sign_out": "signing out takes no input"}


def _payloads():
    sql = {name: SQL for name in FIELDS}
    sql["email"] = "a'--@example.org"
    boundary = "----participation-boundary"
    truncated = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nincomplete value'
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1."
    ).encode()
    bad_utf8 = "&".join(f"{name}=%ff%fe%c3%28" for name in FIELDS).encode()
    return {
        "sql metacharacters": {"data": sql},
        "1 MB field": {
            "data": {name: "ก" * 10 if name != "body" else "x" * (1024 * 1024) for name in FIELDS}
        },
        "truncated multipart": {
            "data": truncated,
            "content_type": f"multipart/form-data; boundary={boundary}",
        },
        "invalid UTF-8 form": {"data": bad_utf8, "content_type": "application/x-www-form-urlencoded"},
    }


PAYLOADS = _payloads()
PAYLOADS["invalid UTF-8 query"] = {"data": {"body": "ok"}}
QUERY = "?next=%ff%fe&q=%c3%28&language=%ff&cursor=%00"


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_hostile_input_to_every_post_route(app, db, world, kind):
    state = {"world": world, "client": client_as(app, world, "admin")}
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in SKIP),
        key=lambda r: r.rule,
    )
    problems, refused = [], 0
    for rule in rules:
        assert rule.endpoint in TABLE, f"{rule.endpoint}: add it to the authorization matrix first"
        url = url_for_rule(state["world"], rule) + (QUERY if kind == "invalid UTF-8 query" else "")
        before = _row_counts(db)
        payload = PAYLOADS[kind]
        response = state["client"].post(url, **payload)
        where = f"POST {url} ({rule.endpoint}) with {kind}: {response.status_code}"
        if response.status_code >= 500:
            problems.append(where)
        elif response.status_code >= 400:
            refused += 1
            db.expire_all()
            if rule.endpoint not in WRITES_ON_REFUSAL and _row_counts(db) != before:
                problems.append(f"{where}: refused, yet something was saved")
        else:
            db.rollback()
            _truncate_all(app)
            db.expire_all()
            state["world"] = build_world(db)
            state["client"] = client_as(app, state["world"], "admin")
    assert not problems, "\n".join(problems)
    assert refused > 0


def test_oversized_comment_is_refused(app, db, world):
    client = client_as(app, world, "admin")
    before = _row_counts(db)
    response = client.post(f"/comments/on/hearing/{world.ids['hearing']}", data={"body": "ก" * (600 * 1024)})
    assert response.status_code in (413, 422)
    db.expire_all()
    assert _row_counts(db) == before


def test_block_author_with_an_invalid_form_is_a_redirect_not_a_500(app, db, world):
    """Regression: the form errors were lazy strings joined with str.join (500)."""
    client = client_as(app, world, "moderator")
    url = f"/moderation/item/comment/{world.ids['hidden_comment']}/block-author"
    response = client.post(url, data={"days": "not a number"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200


def _query_parameter_names() -> list[str]:
    """Every query parameter the code reads (``request.args`` or the ``args`` of a stream)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "participation"
    pattern = re.compile(r"""args(?:\.get(?:list)?\(|\[)\s*(?:name=)?["']([a-z_]+)["']""")
    names = {"page", "cursor", "q", "next", "lang"}
    for path in root.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


#: Not a number, not a known value, a NUL and a quote; a number too big for any column;
#: a digit that ``str.isdigit`` accepts and ``int`` refuses.
HOSTILE_VALUES = ["x%00'", "99999999999999999999", "%C2%B2"]


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_hostile_query_values_on_every_get_route(app, db, world, role):
    """Each query parameter the code reads, alone and hostile, on every page: 4xx or ignored, never 500."""
    client = client_as(app, world, role)
    names = _query_parameter_names()
    assert {"position", "group", "status", "page", "cursor", "order"} <= set(names)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint in TABLE),
        key=lambda r: r.rule,
    )
    problems = []
    for rule in rules:
        url = url_for_rule(world, rule)
        if rule.endpoint in ("accounts.sign_out", "static"):
            continue
        for name in names:
            for value in HOSTILE_VALUES:
                response = client.get(f"{url}{'&' if '?' in url else '?'}{name}={value}")
                if response.status_code >= 500:
                    problems.append(
                        f"GET {url} ({rule.endpoint}) with {name}={value}: {response.status_code}"
                    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_ids_too_big_for_the_database_in_every_path(app, db, world, role):
    """Each number in a page's path, replaced by one no column can hold: 4xx, never 500."""
    import re

    client = client_as(app, world, role)
    problems, tried = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint not in TABLE or not {"GET", "POST"} & rule.methods:
            continue
        url = url_for_rule(world, rule).split("?")[0]
        for match in re.finditer(r"(?<=/)[0-9]+(?=/|$)", url):
            hostile = url[: match.start()] + "99999999999999999999" + url[match.end() :]
            for method in sorted({"GET", "POST"} & rule.methods):
                tried += 1
                response = client.open(hostile, method=method)
                if response.status_code >= 500:
                    problems.append(f"{method} {hostile} ({rule.endpoint}): {response.status_code}")
    assert tried > 50
    assert not problems, "\n".join(problems)
