"""The domains' API endpoints: content, filters, privacy and bad input."""

from __future__ import annotations

import pytest

from tests.transparency import domain_data
from tests.transparency.privacy import assert_no_personal_data


@pytest.fixture
def data(db, factory, monkeypatch):
    return domain_data.build(db, factory, monkeypatch)


def test_hearing_detail_has_sections_versions_and_aggregated_answers(client, data):
    body = client.get(f"/api/v1/hearings/{data.hearing.id}").json
    assert body["hearing"]["status"] == "report_published"
    assert body["hearing"]["comment_count"] == 2
    assert [v["number"] for v in body["versions"]] == [1]
    assert any("ที่จอดรถจักรยาน" in s["body"] for s in body["sections"])
    (question,) = body["questions"]
    assert question["respondents"] == 1
    assert [c["count"] for c in question["choices"]] == [1, 0]
    assert body["report_summary"] == "สรุปผลการรับฟังความคิดเห็น"
    assert body["hearing"]["opens_at"].endswith("Z")


def test_comments_show_tombstones_deleted_users_and_filter(client, data):
    body = client.get(f"/api/v1/hearings/{data.hearing.id}/comments").json
    by_id = {c["id"]: c for c in body["data"]}
    assert by_id[data.hidden.id]["status"] == "hidden" and by_id[data.hidden.id]["body"] is None
    assert by_id[data.deleted.id]["body"] is None
    assert by_id[data.by_deleted_user.id]["author"] == "deleted user"
    assert by_id[data.answered.id]["author"] == "สมหญิง รักเมือง"
    text = client.get(f"/api/v1/hearings/{data.hearing.id}/comments").get_data(as_text=True)
    assert_no_personal_data(text, forbidden=domain_data.FORBIDDEN)
    agree = client.get(f"/api/v1/hearings/{data.hearing.id}/comments?position=agree").json["data"]
    assert [c["id"] for c in agree] == [data.answered.id]
    part = data.answered.part_id
    assert [
        c["id"] for c in client.get(f"/api/v1/hearings/{data.hearing.id}/comments?part={part}").json["data"]
    ] == [data.answered.id]


def test_comment_pages_follow_the_cursor_both_orders(client, data):
    for order in ("oldest", "newest"):
        seen, url = [], f"/api/v1/hearings/{data.hearing.id}/comments?limit=1&order={order}"
        while url:
            body = client.get(url).json
            seen += [c["id"] for c in body["data"]]
            url = body["next"]
        expected = sorted(seen) if order == "oldest" else sorted(seen, reverse=True)
        assert seen == expected and len(seen) == 4


def test_report_gives_every_disposition(client, data):
    body = client.get(f"/api/v1/hearings/{data.hearing.id}/report").json
    by_id = {e["comment"]["id"]: e["disposition"] for e in body["data"]}
    assert by_id[data.answered.id]["outcome"] == "accepted"
    assert data.hidden.id not in by_id


def test_initiative_has_counts_timeline_and_no_signers(client, data):
    response = client.get(f"/api/v1/initiatives/{data.initiative.id}")
    body = response.json
    assert body["initiative"]["signatures"] == 2
    assert body["initiative"]["state"] == "collecting"
    assert sum(d["signatures"] for d in body["daily_signatures"]) == 2
    assert body["timeline"]
    assert_no_personal_data(response.get_data(as_text=True), forbidden=domain_data.FORBIDDEN + ["สมชาย"])


def test_budget_has_proposals_and_results(client, data):
    body = client.get(f"/api/v1/budgets/{data.process.id}").json
    assert body["process"]["ballots"] == 2
    assert {p["title"] for p in body["proposals"]} == {"ทางจักรยานริมคลอง", "ไฟส่องสว่างในซอย"}
    (district,) = body["results"]["districts"]
    votes = {p["proposal_id"]: (p["votes"], p["selected"]) for p in district["projects"]}
    assert votes[data.proposals[0].id] == (2, True)
    assert votes[data.proposals[1].id][0] == 0


def test_moderation_log_lists_the_hiding(client, data):
    body = client.get("/api/v1/moderation/log").json
    assert [(a["kind"], a["target_type"], a["target_id"]) for a in body["data"]] == [
        ("hide", "comment", data.hidden.id)
    ]


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/v1/hearings?cursor=forged", 400),
        ("/api/v1/hearings?limit=100000", 400),
        ("/api/v1/hearings?limit=abc", 400),
        ("/api/v1/hearings?status=nonsense", 400),
        ("/api/v1/hearings?organisation_id=-1", 400),
        ("/api/v1/hearings/999", 404),
        ("/api/v1/hearings/99999999999999", 404),
        ("/api/v1/hearings/1/comments?part=abc", 400),
        ("/api/v1/hearings/1/comments?order=sideways", 400),
        ("/api/v1/hearings/1/comments?position=maybe", 400),
        ("/api/v1/hearings/1/comments?cursor=%ff%fe", 400),
        ("/api/v1/hearings/999/comments", 404),
        ("/api/v1/hearings/999/report", 404),
        ("/api/v1/hearings/1/report?cursor=x", 400),
        ("/api/v1/initiatives?state=draft", 400),
        ("/api/v1/initiatives/999", 404),
        ("/api/v1/initiatives/99999999999999", 404),
        ("/api/v1/initiatives?cursor=x", 400),
        ("/api/v1/budgets/999", 404),
        ("/api/v1/budgets/99999999999999", 404),
        ("/api/v1/budgets?limit=0", 400),
        ("/api/v1/moderation/log?kind=x", 400),
        ("/api/v1/moderation/log?cursor=x", 400),
    ],
)
def test_bad_input_answers_json_4xx(client, data, url, status):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.json["error"]["status"] == status


def test_cursor_of_one_listing_is_refused_by_another(client, data):
    cursor = client.get(f"/api/v1/hearings/{data.hearing.id}/comments?limit=1").json["next_cursor"]
    assert (
        client.get(
            f"/api/v1/hearings/{data.hearing.id}/comments?limit=1&order=newest&cursor={cursor}"
        ).status_code
        == 400
    )
    assert client.get(f"/api/v1/moderation/log?cursor={cursor}").status_code == 400


def test_draft_initiative_is_not_public(client, data, db):
    from participation.initiatives.models import Initiative, InitiativeState

    data.initiative.state = InitiativeState.draft
    db.commit()
    assert client.get(f"/api/v1/initiatives/{data.initiative.id}").status_code == 404
    assert db.get(Initiative, data.initiative.id) is not None
