"""Opaque, signed pagination cursors.

A cursor is base64url JSON of the last item's key values plus an HMAC
(itsdangerous, keyed by the app's SECRET_KEY and salted with a scope naming
the listing), so a reader cannot forge arbitrary values into the SQL nor reuse
a cursor on another listing. Decoding anything else raises InvalidCursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class InvalidCursor(ValueError):
    """The cursor was not made by this site for this listing."""


def _serializer(scope: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"participation.cursor.{scope}")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).strftime(_TIME_FORMAT)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.strptime(value["t"], _TIME_FORMAT).replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | str | float | None):
        raise InvalidCursor("unexpected value")
    return value


def encode_cursor(values: Sequence[Any], scope: str) -> str:
    return _serializer(scope).dumps([_encode_value(v) for v in values])


def decode_cursor(cursor: str, scope: str, length: int | None = None) -> list[Any]:
    """The values in ``cursor``; InvalidCursor if forged, altered, or of another shape."""
    if len(cursor) > 2000:
        raise InvalidCursor("too long")
    try:
        values = _serializer(scope).loads(cursor)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise InvalidCursor("bad signature") from None
    if not isinstance(values, list) or (length is not None and len(values) != length):
        raise InvalidCursor("wrong shape")
    return [_decode_value(v) for v in values]
