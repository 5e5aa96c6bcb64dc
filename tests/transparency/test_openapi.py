"""The OpenAPI document is complete and every response matches its schema."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from participation.events import Event, publish
from participation.transparency import openapi, search
from tests.transparency import domain_data
from tests.transparency.privacy import assert_no_personal_data

#: A concrete URL for every documented path, filled with data the test creates.
#: A domain that registers an endpoint adds its example here (the test below
#: fails until it does).
EXAMPLES = {
    "/organisations": ["/api/v1/organisations", "/api/v1/organisations?limit=1"],
    "/organisations/{slug}": ["/api/v1/organisations/moi"],
    "/ledger": ["/api/v1/ledger", "/api/v1/ledger?after=1&limit=1"],
    "/ledger/head": ["/api/v1/ledger/head"],
    "/openapi.json": ["/api/v1/openapi.json"],
    "/search": ["/api/v1/search?q=มหาดไทย", "/api/v1/search?q=interior&kind=test_org&limit=1"],
    "/hearings": ["/api/v1/hearings", "/api/v1/hearings?status=report_published&limit=1"],
    "/hearings/{hearing_id}": ["/api/v1/hearings/1"],
    "/hearings/{hearing_id}/comments": [
        "/api/v1/hearings/1/comments",
        "/api/v1/hearings/1/comments?order=newest&limit=1",
        "/api/v1/hearings/1/comments?position=agree&stakeholder_group=citizen",
        "/api/v1/hearings/1/comments?part=whole",
    ],
    "/hearings/{hearing_id}/report": ["/api/v1/hearings/1/report", "/api/v1/hearings/1/report?limit=1"],
    "/initiatives": ["/api/v1/initiatives", "/api/v1/initiatives?state=collecting"],
    "/initiatives/{initiative_id}": ["/api/v1/initiatives/1"],
    "/budgets": ["/api/v1/budgets"],
    "/budgets/{process_id}": ["/api/v1/budgets/1"],
    "/moderation/log": ["/api/v1/moderation/log", "/api/v1/moderation/log?kind=hide"],
}


@pytest.fixture
def data(db, factory, monkeypatch):
    org = factory.organisation(slug="moi", name_th="กระทรวงมหาดไทย")
    domain_data.build(db, factory, monkeypatch, organisation=org)
    factory.organisation(slug="mof", name_th="กระทรวงการคลัง")
    staff = factory.staff(org, email="secret.person@moi.go.th", name="ผู้ซ่อนชื่อ ทดสอบ")
    for title in ("ร่างพระราชบัญญัติการมีส่วนร่วม", "ร่างพระราชบัญญัติข้อมูลข่าวสาร"):
        publish(Event(kind="hearing.opened", subject_type="hearing", subject_id=1, payload={"title": title}))
    search.index_document(
        "test_org",
        org.id,
        title="กระทรวงมหาดไทย Ministry of Interior",
        body="หน่วยงาน interior affairs",
        url="/orgs/moi",
        status="active",
        visible=True,
        organisation_id=org.id,
        parent=search.ParentRef("test_parent", 1, "รัฐบาล"),
    )
    search.index_document(
        "test_org", 999, title="Interior two", body="interior", url="/x", status=None, visible=True
    )
    db.commit()
    return staff


def _validator(document, schema):
    return Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=FormatChecker()
    )


def test_document_is_valid_openapi_shape(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        assert set(item) == {"get"}
        assert "200" in item["get"]["responses"] and "400" in item["get"]["responses"]


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").json
    routes = {
        openapi.openapi_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(openapi.API_PREFIX + "/")
    }
    assert routes, "no API routes?"
    assert routes - set(document["paths"]) == set(), "undocumented API routes"
    assert set(document["paths"]) - routes == set(), "documented paths without a route"
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(openapi.API_PREFIX + "/"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, f"{rule.rule} is not read-only"


def test_every_endpoint_answers_its_schema(client, data):
    document = client.get("/api/v1/openapi.json").json
    missing = [e.path for e in openapi.endpoints() if e.path not in EXAMPLES]
    assert not missing, f"add example URLs for {missing}"
    for endpoint in openapi.endpoints():
        path = document["paths"][openapi.API_PREFIX + endpoint.path]["get"]
        schema = path["responses"]["200"]["content"]["application/json"]["schema"]
        for url in EXAMPLES[endpoint.path]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True))
            body = response.json
            errors = list(_validator(document, schema).iter_errors(body))
            assert not errors, f"{url}: {errors[0].message}"
            if isinstance(body, dict) and "data" in body:
                assert body["data"], f"{url} returned no data: the example proves nothing"
            assert_no_personal_data(
                response.get_data(as_text=True),
                forbidden=[data.email, data.display_name, *domain_data.FORBIDDEN],
            )


def test_error_responses_match_the_error_schema(client, data):
    document = client.get("/api/v1/openapi.json").json
    error_schema = openapi.ref("Error")
    for url in (
        "/api/v1/organisations?limit=0",
        "/api/v1/organisations?cursor=forged",
        "/api/v1/organisations/unknown",
        "/api/v1/search?q=" + "ก" * 2000,
        "/api/v1/missing",
    ):
        response = client.get(url)
        assert 400 <= response.status_code < 500
        assert not list(_validator(document, error_schema).iter_errors(response.json)), url


def test_open_data_page_lists_the_registry_in_both_languages(client):
    th = client.get("/open-data")
    en = client.get("/open-data", headers={"Accept-Language": "en"})
    assert th.status_code == en.status_code == 200
    for endpoint in openapi.endpoints():
        assert f"/api/v1{endpoint.path}" in th.get_data(as_text=True)
    english = en.get_data(as_text=True)
    assert "Verify the public ledger yourself" in english
    assert "hashlib.sha256" in english
    assert "Organisations" in english
