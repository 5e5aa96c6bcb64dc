"""The privacy helper itself must catch what it promises to catch."""

from __future__ import annotations

import pytest

from tests.transparency.privacy import assert_no_personal_data, find_personal_data


@pytest.mark.parametrize(
    "text",
    [
        "contact somchai.j@example.co.th now",
        '{"x": "a%40b.org"}',
        "id 1103700012345",
        "id 1-1037-00012-34-5",
        "id 1 1037 00012 34 5",
    ],
)
def test_detects(text):
    with pytest.raises(AssertionError):
        assert_no_personal_data(text)


def test_detects_hidden_names_case_insensitively():
    assert find_personal_data("signed by Somchai Jaidee", forbidden=["somchai jaidee"])
    assert find_personal_data("ลงชื่อโดย สมชาย ใจดี", forbidden=["สมชาย ใจดี"])


@pytest.mark.parametrize(
    "text",
    [
        "seq 12, 2026-11-21T07:30:00.000000Z",
        "hash 0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "hash 1234567890123456789012345678901234567890123456789012345678901234",
        "10,000 signatures; phone 02-123-4567",
    ],
)
def test_ignores_ordinary_public_data(text):
    assert_no_personal_data(text)
