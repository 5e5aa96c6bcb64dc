"""CSV and JSON downloads with column descriptions, and the site-wide dump."""

from __future__ import annotations

import csv
import io
import json

import pytest

from participation.transparency import exports
from tests.transparency import domain_data
from tests.transparency.privacy import assert_no_personal_data


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def _csv(response):
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_hearing_comments_csv_has_dispositions_and_tombstones(client, data):
    response = client.get(f"/open-data/hearing/{data.hearing.id}/hearing-comments.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = {int(r["comment_id"]): r for r in _csv(response)}
    assert rows[data.answered.id]["outcome"] == "accepted"
    assert rows[data.answered.id]["section"].startswith("มาตรา")
    assert rows[data.hidden.id]["status"] == "hidden" and rows[data.hidden.id]["text"] == ""
    assert rows[data.by_deleted_user.id]["author"] == "deleted user"
    assert_no_personal_data(response.get_data(as_text=True), forbidden=domain_data.FORBIDDEN)


def test_csv_is_formula_safe(client, data, db):
    data.answered.body = '=HYPERLINK("http://evil")'
    db.commit()
    rows = _csv(client.get(f"/open-data/hearing/{data.hearing.id}/hearing-comments.csv"))
    assert [r["text"] for r in rows if int(r["comment_id"]) == data.answered.id] == [
        '\'=HYPERLINK("http://evil")'
    ]


def test_json_exports_carry_their_columns(client, data):
    for url, name in (
        (f"/open-data/hearing/{data.hearing.id}/hearing-comments.json", "hearing-comments"),
        (f"/open-data/initiative/{data.initiative.id}/initiative-signatures.json", "initiative-signatures"),
        (f"/open-data/initiative/{data.initiative.id}/initiative-events.json", "initiative-events"),
        (f"/open-data/budget/{data.process.id}/budget-projects.json", "budget-projects"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.json
        assert body["export"] == name and body["data"], url
        assert set(body["data"][0]) == {c["name"] for c in body["columns"]}
        assert_no_personal_data(response.get_data(as_text=True), forbidden=domain_data.FORBIDDEN)
        columns = client.get(f"/open-data/exports/{name}-columns.json").json
        assert [c["name"] for c in columns["columns"]] == [c["name"] for c in body["columns"]]


def test_initiative_counts_and_budget_results(client, data):
    counts = client.get(f"/open-data/initiative/{data.initiative.id}/initiative-signatures.json").json["data"]
    assert counts[-1]["cumulative"] == 2
    projects = {
        r["proposal_id"]: r
        for r in client.get(f"/open-data/budget/{data.process.id}/budget-projects.json").json["data"]
    }
    assert projects[data.proposals[0].id]["votes"] == 2 and projects[data.proposals[0].id]["selected"] is True


def test_exports_page_describes_every_column(client, data):
    page = client.get("/open-data/exports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for export in exports.exports():
        for column in export.columns:
            assert f"<code>{column.name}</code>" in page
    assert "/open-data/exports" in client.get("/open-data").get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/open-data/hearing/999/hearing-comments.csv",
        "/open-data/hearing/1/budget-projects.csv",
        "/open-data/hearing/1/hearing-comments.xlsx",
        "/open-data/nothing/1/hearing-comments.csv",
        "/open-data/initiative/99999999999999/initiative-events.json",
        "/open-data/tables/secret.csv",
        "/open-data/exports/nothing-columns.json",
    ],
)
def test_unknown_exports_are_404(client, data, url):
    assert client.get(url).status_code == 404


def test_dump_writes_every_public_table_and_the_ledger(app, data, db, tmp_path):
    result = app.test_cli_runner().invoke(args=["transparency", "dump", str(tmp_path / "dump")])
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "dump").iterdir()}
    assert {
        "hearings.csv",
        "hearings.json",
        "initiatives.csv",
        "budgets.json",
        "moderation-log.csv",
        "ledger.jsonl",
    } <= names
    assert f"hearing-comments-{data.hearing.id}.csv" in names
    assert "hearing-comments-columns.json" in names
    ledger = (tmp_path / "dump" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    assert ledger and json.loads(ledger[0])["seq"] == 1
    for path in (tmp_path / "dump").iterdir():
        assert_no_personal_data(path.read_text(encoding="utf-8"), forbidden=domain_data.FORBIDDEN)


def test_subject_pages_link_their_downloads(client, data):
    """A reader of a hearing finds its CSV and JSON on the page itself."""
    html = client.get(f"/hearings/{data.hearing.id}").get_data(as_text=True)
    assert f"/open-data/hearing/{data.hearing.id}/hearing-comments.csv" in html
    assert f"/open-data/hearing/{data.hearing.id}/hearing-comments.json" in html
    assert client.get(f"/open-data/hearing/{data.hearing.id}/hearing-comments.csv").status_code == 200
