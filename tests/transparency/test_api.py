"""The public JSON API: JSON everywhere, CORS, pagination, bad input, rate limit."""

from __future__ import annotations

import base64
import json

import pytest

from participation.accounts.models import OrganisationKind
from tests.transparency.helpers import publish_events
from tests.transparency.privacy import assert_no_personal_data


def _orgs(factory, n):
    return [factory.organisation(slug=f"agency-{i:03d}", name_th=f"กรมทดสอบ {i}") for i in range(n)]


class TestOrganisations:
    def test_list_fields_and_order(self, client, factory):
        org = factory.organisation(slug="moi", name_th="กระทรวงมหาดไทย", kind=OrganisationKind.ministry)
        body = client.get("/api/v1/organisations").json
        assert body["data"] == [
            {
                "id": org.id,
                "slug": "moi",
                "name_th": "กระทรวงมหาดไทย",
                "name_en": org.name_en,
                "kind": "ministry",
            }
        ]
        assert body["next_cursor"] is None and body["next"] is None

    def test_pages_cover_everything_once(self, client, factory):
        orgs = _orgs(factory, 7)
        seen, url = [], "/api/v1/organisations?limit=3"
        pages = 0
        while url:
            body = client.get(url).json
            seen += [o["slug"] for o in body["data"]]
            url = body["next"]
            pages += 1
        assert seen == [o.slug for o in orgs]
        assert pages == 3

    def test_cursor_parameter_equals_next_link(self, client, factory):
        _orgs(factory, 3)
        first = client.get("/api/v1/organisations?limit=2").json
        second = client.get(f"/api/v1/organisations?limit=2&cursor={first['next_cursor']}").json
        assert [o["slug"] for o in second["data"]] == ["agency-002"]

    def test_one_by_slug(self, client, factory):
        org = factory.organisation(slug="bma", name_th="กรุงเทพมหานคร")
        body = client.get("/api/v1/organisations/bma").json
        assert body["id"] == org.id and body["name_th"] == "กรุงเทพมหานคร"

    def test_unknown_slug_is_json_404(self, client):
        response = client.get("/api/v1/organisations/nope")
        assert response.status_code == 404
        assert response.is_json
        assert response.json["error"]["status"] == 404
        assert response.json["error"]["message"]

    def test_no_contact_or_staff_in_output(self, client, factory):
        org = factory.organisation(slug="dla")
        staff = factory.staff(org, email="officer.somsak@dla.go.th", name="สมศักดิ์ ราชการดี")
        text = client.get("/api/v1/organisations").get_data(as_text=True)
        text += client.get("/api/v1/organisations/dla").get_data(as_text=True)
        assert_no_personal_data(text, forbidden=[staff.email, staff.display_name])


class TestBadInput:
    @pytest.mark.parametrize(
        "limit", ["0", "-1", "201", "abc", "1e3", "99999999999999999999", " 5", "²", "๕"]
    )
    def test_bad_limits(self, client, limit):
        response = client.get("/api/v1/organisations", query_string={"limit": limit})
        assert response.status_code == 400
        assert "limit" in response.json["error"]["message"]

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            base64.urlsafe_b64encode(json.dumps([1]).encode()).decode(),
            base64.urlsafe_b64encode(b'["1 OR 1=1"]').decode() + ".forged",
            "W10.notasignature",
            "x" * 5000,
        ],
    )
    def test_forged_cursors(self, client, factory, cursor):
        _orgs(factory, 2)
        response = client.get("/api/v1/organisations", query_string={"cursor": cursor})
        assert response.status_code == 400
        assert response.is_json and "cursor" in response.json["error"]["message"]

    def test_cursor_of_another_listing_is_refused(self, client, factory, db):
        _orgs(factory, 3)
        from participation.transparency import api

        with client.application.test_request_context():
            other = api.encode_cursor([1], "some.other.listing")
        assert client.get("/api/v1/organisations", query_string={"cursor": other}).status_code == 400

    @pytest.mark.parametrize("after", ["-1", "x", "1.5", "9" * 40, "²", "2147483648", "9" * 18])
    def test_bad_ledger_after(self, client, after):
        response = client.get("/api/v1/ledger", query_string={"after": after})
        assert response.status_code == 400
        assert "after" in response.json["error"]["message"]

    def test_huge_numbers_are_not_server_errors(self, client, db):
        publish_events(db, 1)
        assert client.get("/api/v1/ledger?after=2147483647").json["data"] == []
        assert client.get("/transparency/ledger/" + "9" * 30).status_code == 404
        assert client.get("/transparency/ledger/2147483648").status_code == 404

    def test_unknown_api_path_is_json_404(self, client):
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404 and response.json["error"]["status"] == 404

    def test_post_is_json_405(self, client):
        response = client.post("/api/v1/organisations")
        assert response.status_code == 405
        assert response.json["error"]["status"] == 405
        assert "GET" in response.headers["Allow"]

    def test_error_messages_follow_the_readers_language(self, client):
        th = client.get("/api/v1/organisations?limit=0").json["error"]["message"]
        en = client.get("/api/v1/organisations?limit=0", headers={"Accept-Language": "en"}).json["error"][
            "message"
        ]
        assert en == "limit must be a whole number from 1 to 200."
        assert th != en


def test_unexpected_error_is_json_500(app):
    def boom():
        raise RuntimeError("database exploded")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["error"]["status"] == 500
    assert "exploded" not in response.get_data(as_text=True)


class TestCors:
    def test_get_allows_any_origin_without_credentials(self, client):
        response = client.get("/api/v1/ledger/head", headers={"Origin": "https://news.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers

    def test_errors_carry_cors_too(self, client):
        response = client.get("/api/v1/organisations/none", headers={"Origin": "https://news.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    def test_preflight(self, client):
        response = client.options(
            "/api/v1/organisations",
            headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]

    def test_not_on_html_pages(self, client):
        assert "Access-Control-Allow-Origin" not in client.get("/transparency").headers


class TestLedger:
    def test_entries_from_any_point(self, client, db):
        publish_events(db, 5)
        body = client.get("/api/v1/ledger?after=2&limit=2").json
        assert [e["seq"] for e in body["data"]] == [3, 4]
        assert body["data"][0]["payload"] == {"title": "ร่างพระราชบัญญัติฉบับที่ 3", "days": 15}
        assert body["data"][1]["prev_hash"] == body["data"][0]["hash"]
        rest = client.get(body["next"]).json
        assert [e["seq"] for e in rest["data"]] == [5] and rest["next"] is None

    def test_head(self, client, db):
        assert client.get("/api/v1/ledger/head").json == {"seq": 0, "hash": "0" * 64}
        published = publish_events(db, 3)
        head = client.get("/api/v1/ledger/head").json
        entries = client.get("/api/v1/ledger").json["data"]
        assert head == {"seq": published[-1].seq, "hash": entries[-1]["hash"]}

    def test_the_documented_recipe_verifies_the_api_output(self, client, db):
        """The Python recipe on the open data page, run against the API."""
        import hashlib

        publish_events(db, 4)
        prev = "0" * 64
        for e in client.get("/api/v1/ledger").json["data"]:
            doc = {k: e[k] for k in ("seq", "created_at", "kind", "subject_type", "subject_id", "payload")}
            doc["prev_hash"] = prev
            digest = hashlib.sha256(
                json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            ).hexdigest()
            assert e["prev_hash"] == prev and e["hash"] == digest
            prev = digest
        assert prev == client.get("/api/v1/ledger/head").json["hash"]


def test_csrf_does_not_apply_to_the_api(app, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().get("/api/v1/organisations")
    assert response.status_code == 200


class TestRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "5 per minute"}

    def test_one_shared_limit_for_the_whole_api(self, client):
        urls = ["/api/v1/organisations", "/api/v1/ledger", "/api/v1/ledger/head"]
        statuses = [client.get(urls[i % 3]).status_code for i in range(6)]
        assert statuses == [200, 200, 200, 200, 200, 429]
        response = client.get("/api/v1/ledger/head")
        assert response.status_code == 429
        assert response.json["error"]["status"] == 429
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Access-Control-Allow-Origin"] == "*"
