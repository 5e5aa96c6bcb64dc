"""The shared CSV writer: RFC 4180, UTF-8 with BOM, formula-safe."""

from __future__ import annotations

import csv
import io

from participation.web.csv import csv_response, safe_cell, to_csv


def test_cells_that_spreadsheets_would_run_are_quoted():
    for dangerous in ("=1+1", "+66", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil","x")'):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("ปกติ") == "ปกติ"
    assert safe_cell(-3) == "-3"
    assert safe_cell(None) == ""


def test_document_is_rfc4180_with_bom_and_reads_back():
    data = to_csv(
        ["ความคิดเห็น", "n"], [['มีเครื่องหมาย "คำพูด", จุลภาค\nและบรรทัดใหม่', 2], ["=cmd|' /C calc'!A0", 3]]
    )
    assert data.startswith("\ufeff")
    assert "\r\n" in data
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert rows[0] == ["ความคิดเห็น", "n"]
    assert rows[1][0] == 'มีเครื่องหมาย "คำพูด", จุลภาค\nและบรรทัดใหม่'
    assert rows[2][0] == "'=cmd|' /C calc'!A0"


def test_response_headers(app):
    with app.test_request_context():
        response = csv_response("รายงาน.csv", ["a"], [["b"]])
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.get_data().startswith("\ufeff".encode())
