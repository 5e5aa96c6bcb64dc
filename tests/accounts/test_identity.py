"""National ID checks and keyed hashing."""

from __future__ import annotations

import pytest

from participation.identity import IdentityLevel, NationalIdError, keyed_hash, normalise_national_id
from tests.factories import valid_national_id


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12345", "length"),
        ("12345678901234", "length"),
        ("1234567890abc", "digits"),
        ("", "digits"),
        ("1101700203451", "check_digit"),
    ],
)
def test_invalid_national_ids(raw, code):
    with pytest.raises(NationalIdError) as info:
        normalise_national_id(raw)
    assert info.value.code == code


def test_valid_national_id_with_dashes_and_thai_digits():
    number = valid_national_id("110170020345")
    dashed = f"{number[0]}-{number[1:5]}-{number[5:10]}-{number[10:12]}-{number[12]}"
    assert normalise_national_id(dashed) == number
    thai = number.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert normalise_national_id(thai) == number


def test_keyed_hash_depends_on_key_and_purpose():
    assert keyed_hash("a", "x", key="k1") != keyed_hash("a", "x", key="k2")
    assert keyed_hash("a", "x", key="k1") != keyed_hash("b", "x", key="k1")
    assert len(keyed_hash("a", "x", key="k1")) == 64


def test_identity_levels_are_ordered(factory):
    unverified = factory.user(verified=False)
    assert unverified.identity_level == IdentityLevel.none
    assert unverified.identity_key() is None
    verified = factory.user()
    assert verified.identity_level == IdentityLevel.email
    assert verified.identity_key().startswith("email:")
    declared = factory.user(national_id=valid_national_id("310060012345"))
    assert declared.identity_level == IdentityLevel.national_id
    assert declared.identity_key() == f"nid:{declared.national_id_hash}"
    assert declared.has_identity_level(IdentityLevel.email)
    assert not declared.has_identity_level(IdentityLevel.digital_id)
