"""WTForms' built-in messages (a staff form's length limit) reach the reader in their language."""

from __future__ import annotations


def test_built_in_form_messages_are_in_the_reader_language(client, login, staff, agency, db):
    form = {
        "organisation_id": agency.id,
        "title_th": "ร่าง" * 100,  # 400 characters; at most 300
        "summary_th": "สรุป",
        "kind": "draft_law",
        "law_type": "act",
        "contact": "กองส่งเสริม",
        "required_level": "1",
        "opens_at": "2026-12-02T09:00",
        "closes_at": "2026-12-20T17:00",
    }
    staff.locale = "th"
    db.commit()
    login(staff)
    response = client.post("/hearings/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ช่องนี้ยาวได้ไม่เกิน 300 ตัวอักษร" in page
    assert "Field cannot be longer" not in page

    staff.locale = "en"
    db.commit()
    page = client.post("/hearings/new", data=form).get_data(as_text=True)
    assert "Field cannot be longer than 300 characters." in page
