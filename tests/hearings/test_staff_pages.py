"""Staff pages over HTTP: editing sections, questions, versions and the schedule."""

from __future__ import annotations

from participation.hearings.models import HearingStatus
from tests.hearings.conftest import sections_of


def test_edit_add_and_remove_sections(client, login, hearings, agency, staff, db):
    hearing = hearings.draft(agency, staff)
    login(staff)
    first = sections_of(hearing)[0]
    url = f"/hearings/{hearing.id}/text/sections/{first.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"prefix": "มาตรา", "number": "๑", "body": "   "})
    assert response.status_code == 422
    assert "has no text" in response.get_data(as_text=True)
    response = client.post(url, data={"prefix": "มาตรา", "number": "๑", "body": "ชื่อใหม่ของพระราชบัญญัติ"})
    assert response.status_code == 302
    db.expire_all()
    assert first.body == "ชื่อใหม่ของพระราชบัญญัติ"
    before = len(hearing.versions[0].sections)
    response = client.post(
        f"/hearings/{hearing.id}/text/sections",
        data={"add-kind": "section", "add-prefix": "มาตรา", "add-number": "๕", "add-body": "ให้รัฐมนตรีรักษาการ"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/hearings/{hearing.id}/text/sections",
        data={"add-kind": "section", "add-prefix": "มาตรา", "add-number": "๖", "add-body": ""},
    )
    assert response.status_code == 422
    db.expire_all()
    parts = hearing.versions[0].sections
    assert len(parts) == before + 1 and parts[-1].number == "๕"
    first_id = first.id
    assert client.post(f"/hearings/{hearing.id}/text/sections/{first_id}/delete").status_code == 302
    db.expire_all()
    positions = [s.position for s in hearing.versions[0].sections]
    assert positions == list(range(before))
    assert first_id not in [s.id for s in hearing.versions[0].sections]


def test_schedule_unschedule_and_frozen_editing_over_http(client, login, hearings, agency, staff, db, clock):
    hearing = hearings.draft(agency, staff)
    login(staff)
    assert client.post(f"/hearings/{hearing.id}/schedule").status_code == 302
    db.expire_all()
    assert hearing.status == HearingStatus.scheduled
    # Details and text are frozen once scheduled.
    assert client.get(f"/hearings/{hearing.id}/edit").status_code == 302
    assert client.post(f"/hearings/{hearing.id}/text", data={"text": "มาตรา ๑ ใหม่"}).status_code == 409
    assert client.post(f"/hearings/{hearing.id}/schedule").status_code == 409
    assert client.post(f"/hearings/{hearing.id}/unschedule").status_code == 302
    db.expire_all()
    assert hearing.status == HearingStatus.draft


def test_revised_version_over_http(client, login, hearings, agency, staff, db, clock):
    hearing = hearings.open(agency, staff)
    login(staff)
    assert client.post(f"/hearings/{hearing.id}/versions").status_code == 302
    response = client.post(
        f"/hearings/{hearing.id}/text", data={"text": "มาตรา ๑ ชื่อใหม่\nมาตรา 4 โทษปรับไม่เกินสองพันบาท"}
    )
    assert response.status_code == 302
    response = client.post(f"/hearings/{hearing.id}/versions/2/publish", data={"publish-note": ""})
    assert response.status_code == 422
    # The public does not see the unpublished version.
    client.post("/signout")
    assert client.get(f"/hearings/{hearing.id}/versions/2").status_code == 404
    assert client.get(f"/hearings/{hearing.id}/compare").status_code == 404
    login(staff)
    response = client.post(
        f"/hearings/{hearing.id}/versions/2/publish", data={"publish-note": "ปรับโทษตามความเห็น"}
    )
    assert response.status_code == 302
    client.post("/signout")
    html = client.get(f"/hearings/{hearing.id}/compare").get_data(as_text=True)
    assert "ปรับโทษตามความเห็น" in html and "<ins>" in html
    assert client.get(f"/hearings/{hearing.id}/versions/2").status_code == 200
    page = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "สองพันบาท" in page


def test_discard_unpublished_version(client, login, hearings, agency, staff, db):
    hearing = hearings.open(agency, staff)
    login(staff)
    client.post(f"/hearings/{hearing.id}/versions")
    assert client.post(f"/hearings/{hearing.id}/versions/2/discard").status_code == 302
    db.expire_all()
    assert [v.number for v in hearing.versions] == [1]
    assert client.post(f"/hearings/{hearing.id}/versions/1/discard").status_code == 404


def test_question_form_errors(client, login, hearings, agency, staff, db):
    hearing = hearings.draft(agency, staff)
    login(staff)
    url = f"/hearings/{hearing.id}/questions"
    response = client.post(url, data={"prompt": "เลือกหนึ่งข้อ", "kind": "single", "choices": "ข้อเดียว"})
    assert response.status_code == 422
    assert "at least two different choices" in response.get_data(as_text=True)
    assert "เลือกหนึ่งข้อ" in response.get_data(as_text=True)
    response = client.post(url, data={"prompt": "เลือกหนึ่งข้อ", "kind": "single", "choices": "ก\nข"})
    assert response.status_code == 302
    db.expire_all()
    question = hearing.questions[0]
    assert client.post(f"{url}/{question.id}/delete").status_code == 302
    db.expire_all()
    assert hearing.questions == []
