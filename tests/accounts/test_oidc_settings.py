"""Digital-ID provider settings and the encryption helper for identity details."""

from __future__ import annotations

import json

import pytest

from participation import crypto
from participation.config import ConfigError, from_environment, parse_oidc_providers

ENTRY = {
    "name": "thaid",
    "issuer": "https://imauth.bora.dopa.go.th/",
    "client_id": "abc",
    "client_secret": "xyz",
    "scopes": "pid name",
    "id_claim": "pid",
    "name_th": "ไทยดี",
    "name_en": "ThaID",
}


def test_providers_are_read_from_json_in_the_environment():
    env = {"PARTICIPATION_OIDC_PROVIDERS": json.dumps([ENTRY])}
    (provider,) = from_environment(env)["OIDC_PROVIDERS"]
    assert provider["issuer"] == "https://imauth.bora.dopa.go.th"  # trailing slash dropped
    assert provider["scopes"] == "openid pid name"  # openid always requested
    assert provider["name_claim"] == "name" and provider["token_auth_method"] == "client_secret_basic"


def test_no_providers_by_default():
    assert from_environment({})["OIDC_PROVIDERS"] == []


def test_the_client_secret_may_come_from_its_own_variable():
    entry = {k: v for k, v in ENTRY.items() if k != "client_secret"}
    env = {"PARTICIPATION_OIDC_THAID_CLIENT_SECRET": "from-secret-store"}
    (provider,) = parse_oidc_providers(json.dumps([entry]), env)
    assert provider["client_secret"] == "from-secret-store"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_secret": None}, "PARTICIPATION_OIDC_THAID_CLIENT_SECRET"),
        ({"client_id": ""}, "client_id is required"),
        ({"issuer": "http://idp.example"}, "must be an https:// URL"),
        ({"name": "Thai ID"}, "lower-case"),
        ({"name_th": ""}, "name_th"),
        ({"colour": "blue"}, "unknown key(s): colour"),
        ({"token_auth_method": "none"}, "token_auth_method"),
    ],
)
def test_a_bad_provider_entry_is_a_clear_start_up_error(change, message):
    entry = {**ENTRY, **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_oidc_providers([entry], {})


def test_invalid_json_and_duplicates_are_refused():
    with pytest.raises(ConfigError, match="not valid JSON"):
        parse_oidc_providers("[{", {})
    with pytest.raises(ConfigError, match="used twice"):
        parse_oidc_providers([ENTRY, ENTRY], {})


def test_a_local_http_issuer_is_only_for_development():
    local = {**ENTRY, "issuer": "http://127.0.0.1:8080"}
    assert parse_oidc_providers([local], {}, "development")[0]["issuer"] == "http://127.0.0.1:8080"
    with pytest.raises(ConfigError):
        parse_oidc_providers([local], {}, "production")


def test_encryption_round_trips_and_refuses_a_changed_token(app):
    with app.app_context():
        token = crypto.encrypt("digital-id-details", "สมชาย ใจดี")
        assert "สมชาย" not in token
        assert crypto.decrypt("digital-id-details", token) == "สมชาย ใจดี"
        assert crypto.encrypt("p", "x") != crypto.encrypt("p", "x")  # random IV
        tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt("digital-id-details", tampered)
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt("initiative-signer", token)  # another purpose, another key
        app.config["ENCRYPTION_KEY"] = "another key"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt("digital-id-details", token)
