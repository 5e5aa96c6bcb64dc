"""A check every public output (API, feeds, exports, pages) must pass.

from tests.transparency.privacy import assert_no_personal_data
assert_no_personal_data(response.get_data(as_text=True), forbidden=[user.email, "สมชาย ใจดี"])
"""

from __future__ import annotations

import re

#: Something that looks like an email address (also percent- or JSON-escaped @).
EMAIL_RE = re.compile(r"[\w.+-]+(?:@|%40|\\u0040)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
#: A Thai national ID: 13 digits, written together or as 1-2345-67890-12-3 (dashes or spaces).
NATIONAL_ID_RE = re.compile(r"(?<![\dA-Fa-f])\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d(?![\dA-Fa-f])")


def find_personal_data(text: str, forbidden: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Everything in ``text`` that looks like personal data, or is one of ``forbidden``."""
    found = [f"email address {m.group(0)!r}" for m in EMAIL_RE.finditer(text)]
    found += [f"national-ID-shaped number {m.group(0)!r}" for m in NATIONAL_ID_RE.finditer(text)]
    lowered = text.casefold()
    for value in forbidden:
        if value and value.casefold() in lowered:
            found.append(f"hidden value {value!r}")
    return found


def assert_no_personal_data(text: str, forbidden: list[str] | tuple[str, ...] = ()) -> None:
    """Fail listing any email address, 13-digit ID number or ``forbidden`` string in ``text``."""
    found = find_personal_data(text, forbidden)
    assert not found, "personal data in public output: " + "; ".join(found)
