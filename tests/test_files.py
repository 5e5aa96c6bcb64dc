"""The shared file checker: content sniffing, size limits, safe storage names, storing bytes."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from participation import files

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _zip(entries: list[tuple[str, bytes | str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


DOCX = _zip(
    [
        (
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
        ("word/document.xml", "<w:document/>"),
    ]
)
ODT = _zip([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<x/>")])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, files.PDF),
        (DOCX, files.DOCX),
        (ODT, files.ODT),
        (b"<!doctype html><script>alert(1)</script>", None),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, None),
        (_zip([("evil.exe", b"MZ")]), None),
        (_zip([("mimetype", "application/epub+zip"), ("x", "y")]), None),
        (_zip([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>")]), None),
        (b"PK\x03\x04 broken", None),
        (b"", None),
    ],
)
def test_sniff_decides_by_content(data, expected):
    assert files.sniff(data) == expected


def test_whole_pdf_needs_its_end_marker():
    assert files.is_whole_pdf(PDF)
    assert files.is_whole_pdf(PDF + b"\n" * 100)
    assert not files.is_whole_pdf(PDF[:-7])  # truncated
    assert not files.is_whole_pdf(PDF + b"x" * 4096)  # marker not near the end
    assert not files.is_whole_pdf(b"<html>%%EOF")


def test_check_refuses_empty_then_too_large_then_wrong_type():
    assert files.check(PDF, max_bytes=1000) == files.PDF
    assert files.check(DOCX, max_bytes=10_000) == files.DOCX
    for data, limit, code in [
        (b"", 10, "empty"),
        (PDF, len(PDF) - 1, "too_large"),
        (b"<html>" * 400, 10, "too_large"),  # size is checked before the content
        (b"<html></html>", 1000, "type"),
        (DOCX, 10_000, "type"),  # a type the caller does not accept
        (PDF[:-7], 1000, "type"),  # with whole_pdf, a truncated PDF
    ]:
        with pytest.raises(files.FileRefused) as refused:
            files.check(data, max_bytes=limit, types=(files.PDF,), whole_pdf=True)
        assert refused.value.code == code
    assert files.check(PDF, max_bytes=len(PDF)) == files.PDF  # exactly the limit is fine
    assert files.check(PDF[:-7], max_bytes=1000) == files.PDF  # without whole_pdf


def test_read_upload_stops_one_byte_past_the_limit():
    stream = io.BytesIO(b"x" * 10_000)
    assert len(files.read_upload(stream, 100)) == 101
    assert files.read_upload(io.BytesIO(b"abc"), 100) == b"abc"


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("../../etc/ร่าง พ.ร.บ..exe", files.PDF, "ร่าง พ.ร.บ.pdf"),
        ("C:\\Users\\x\\report.pdf", files.DOCX, "report.docx"),
        ('a<b>"c|d:e*f?.odt', files.ODT, "abcdef.odt"),
        ("bad\x00\x1bname.pdf", files.PDF, "badname.pdf"),
        ("", files.DOCX, "document.docx"),
        ("...", files.PDF, "document.pdf"),
    ],
)
def test_clean_filename(name, content_type, expected):
    assert files.clean_filename(name, content_type) == expected


def test_clean_filename_is_short_and_nfc():
    assert len(files.clean_filename("ก" * 500 + ".pdf", files.PDF)) == 184
    decomposed = "e\u0301.pdf"
    assert files.clean_filename(decomposed, files.PDF) == "\u00e9.pdf"


def test_folder_is_under_the_instance_path(app):
    with app.app_context():
        path = files.folder("test_files_folder")
    assert path.is_dir()
    assert str(path).startswith(app.instance_path)


def test_store_random_never_reuses_a_name(tmp_path):
    first = files.store_random(tmp_path, PDF)
    second = files.store_random(tmp_path, PDF)
    assert first != second and len(first) == 40 and set(first) <= set("0123456789abcdef")
    assert (tmp_path / first).read_bytes() == PDF
    assert files.path_of(tmp_path, first) == tmp_path / first


def test_store_by_hash_stores_the_same_content_once(tmp_path):
    digest = files.store_by_hash(tmp_path, PDF, ".pdf")
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert files.store_by_hash(tmp_path, PDF, ".pdf") == digest
    assert [p.name for p in tmp_path.iterdir()] == [f"{digest}.pdf"]  # no temporary file left
    assert files.path_of(tmp_path, f"{digest}.pdf").read_bytes() == PDF


@pytest.mark.parametrize(
    "name",
    ["../secrets.json", "/etc/passwd", "ABCDEF" * 7, "a" * 39, "a" * 40 + "/x", "", "a" * 64 + ".p/df"],
)
def test_path_of_accepts_only_names_the_platform_made(tmp_path, name):
    with pytest.raises(FileNotFoundError):
        files.path_of(tmp_path, name)


def test_remove_is_quiet_for_missing_or_foreign_names(tmp_path):
    name = files.store_random(tmp_path, b"data")
    files.remove(tmp_path, name)
    assert not (tmp_path / name).exists()
    files.remove(tmp_path, name)  # already gone
    (tmp_path / "keep.txt").write_text("x")
    files.remove(tmp_path, "keep.txt")  # not a stored name: left alone
    assert (tmp_path / "keep.txt").exists()
