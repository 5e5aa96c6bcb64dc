"""User text: the only place that cleans or renders it (interim: cleaning only)."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class TextTooLong(ValueError):
    def __init__(self, limit: int):
        super().__init__(f"text longer than {limit} characters")
        self.limit = limit


def clean_text(text: str, *, max_length: int | None = None, multiline: bool = True) -> str:
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = text.strip() if multiline else " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        raise TextTooLong(max_length)
    return text
