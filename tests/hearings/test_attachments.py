"""Attachments: checked by content, stored outside the web root, served safely."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from participation.hearings import attachments
from participation.hearings.models import Hearing, HearingAttachment

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", b"MZ")
    return buffer.getvalue()


def test_sniffing_by_content():
    assert attachments.sniff(PDF) == attachments.PDF
    assert attachments.sniff(docx_bytes()) == attachments.DOCX
    assert attachments.sniff(odt_bytes()) == attachments.ODT
    assert attachments.sniff(b"<!doctype html><script>alert(1)</script>") is None
    assert attachments.sniff(b"MZ\x90\x00\x03" + b"\x00" * 100) is None
    assert attachments.sniff(plain_zip()) is None
    assert attachments.sniff(b"PK\x03\x04 broken") is None


def test_filename_is_cleaned_and_gets_the_true_extension():
    assert attachments.clean_filename("../../etc/ร่าง พ.ร.บ..exe", attachments.PDF) == "ร่าง พ.ร.บ.pdf"
    assert attachments.clean_filename("", attachments.DOCX) == "document.docx"


@pytest.fixture
def draft(hearings, agency, staff):
    return hearings.draft(agency, staff)


def upload(client, hearing, data, name):
    return client.post(
        f"/hearings/{hearing.id}/attachments",
        data={"attachment": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_and_download(client, login, draft, staff, db, app):
    login(staff)
    response = upload(client, draft, PDF, "ร่าง.pdf")
    assert response.status_code == 302
    stored = db.scalars(select(HearingAttachment)).one()
    path = Path(app.instance_path) / "hearing_attachments" / stored.stored_name
    assert path.read_bytes() == PDF
    assert "ร่าง" not in stored.stored_name and len(stored.stored_name) == 40
    response = client.get(f"/hearings/{draft.id}/attachments/{stored.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "data,name",
    [
        (b"<html><script>alert(1)</script></html>", "draft.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 64, "draft.pdf"),
        (plain_zip(), "draft.docx"),
        (b"", "empty.pdf"),
    ],
)
def test_disguised_or_empty_files_are_refused(client, login, draft, staff, db, data, name):
    login(staff)
    response = upload(client, draft, data, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not a PDF, DOCX or ODT" in html or "empty" in html
    assert db.scalar(select(func.count()).select_from(HearingAttachment)) == 0


def test_oversized_file_is_refused(client, login, draft, staff, db, app):
    app.config["HEARING_ATTACHMENT_MAX_BYTES"] = 1000
    login(staff)
    response = upload(client, draft, PDF + b"0" * 2000, "big.pdf")
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(HearingAttachment)) == 0


def test_failed_upload_keeps_the_hearing_form(client, login, staff, agency, db, clock):
    login(staff)
    response = client.post(
        "/hearings/new",
        data={
            "organisation_id": agency.id,
            "title_th": "ร่างพระราชบัญญัติที่ยังไม่หาย",
            "summary_th": "สรุปที่พิมพ์ไว้แล้ว",
            "kind": "draft_law",
            "law_type": "act",
            "contact": "โทร. ๑๒๓",
            "opens_at": "2026-12-10T09:00",
            "closes_at": "2027-01-10T16:30",
            "required_level": "1",
            "attachment": (io.BytesIO(b"<html>not a pdf</html>"), "draft.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ร่างพระราชบัญญัติที่ยังไม่หาย" in html
    assert "สรุปที่พิมพ์ไว้แล้ว" in html
    assert "2027-01-10T16:30" in html
    assert db.scalar(select(func.count()).select_from(Hearing)) == 0


def test_attachments_are_frozen_while_open(client, login, hearings, agency, staff, db):
    hearing = hearings.open(agency, staff)
    login(staff)
    response = upload(client, hearing, PDF, "late.pdf")
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(HearingAttachment)) == 0
