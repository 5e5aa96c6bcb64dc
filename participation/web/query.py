"""Whole numbers from the path and the query string, bounded so the database never sees one
it cannot hold (a 404 or a 400 instead of a database error)."""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column (ids, sequence numbers) on PostgreSQL.
MAX_INT = 2**31 - 1

#: ASCII digits only (``str.isdigit`` also accepts "²", which ``int`` refuses), at most 18.
_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str | None, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``raw`` as an int if it is ASCII digits from ``minimum`` to ``maximum``, else None."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def int_arg(name: str, default: int | None = None, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """The query parameter ``name`` as a whole number; ``default`` when absent or empty, 400 when invalid."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        abort(400)
    return value


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route, at most ``MAX_INT``: a bigger number matches no route (404)."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT, signed=False
    ):  # noqa: A002 - Werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Refuse a NUL character in the path or the query string, before any view (400).

    It is never meaningful in a parameter, and PostgreSQL refuses it in text,
    so a filter value carrying one would otherwise fail in the database.
    """

    @app.before_request
    def _no_nul_in_the_query_string():
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in request.args.getlist(key))
            for key in request.args
        ):
            abort(400)
