"""CSV exports for spreadsheet users: RFC 4180, UTF-8 with BOM, formula-safe.

Spreadsheets run a cell starting with ``=``, ``+``, ``-`` or ``@`` (and some
start one after a tab or carriage return) as a formula, so a comment reading
``=HYPERLINK(...)`` would become a live link in an official's spreadsheet
(CSV injection, OWASP). Such cells are prefixed with a single quote, which
spreadsheets show as text and drop from the displayed value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from flask import Response

BOM = "\ufeff"
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, with a leading quote if a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        # Numbers are data, not formulas: keep -3 a number.
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_DANGEROUS_START):
        return "'" + text
    return text


def to_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The whole document: BOM, header, rows; CRLF line ends and quoting as RFC 4180."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return BOM + buffer.getvalue()


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    """A download of ``to_csv(header, rows)`` named ``filename`` (may be Thai)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.csv"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        to_csv(header, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8; header=present",
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
        },
    )
