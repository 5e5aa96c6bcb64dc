"""Digital ID over OpenID Connect, driven end to end against a local provider.

Each flow goes: POST the sign-in button -> follow the redirect to the
provider's authorize endpoint with ``requests`` -> take the provider's
redirect back -> call the app's callback with code and state.
"""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participation.accounts import oidc
from participation.accounts.models import DigitalIdentity, User
from participation.identity import IdentityLevel, keyed_hash, national_id_hash
from tests.accounts.oidc_provider import new_rsa_key
from tests.factories import valid_national_id

NID = valid_national_id("110170023070")
OTHER_NID = valid_national_id("310990012345")
START = "/signin/digital-id/testid"
LINK = "/account/digital-id/testid"


def to_provider(client, start_path: str = START, headers=None):
    """POST the button; return the provider's authorize URL the app redirected to."""
    response = client.post(start_path, headers=headers or {})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def back_from_provider(authorize_url: str) -> str:
    """Let the provider approve (or refuse) and return the app callback path + query."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:300]
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/signin/digital-id/testid/callback"
    return f"{location.path}?{location.query}"


def run_flow(client, start_path: str = START, headers=None):
    callback = back_from_provider(to_provider(client, start_path, headers))
    return client.get(callback, headers=headers or {})


def users(db) -> list[User]:
    db.expire_all()
    return list(db.scalars(select(User).order_by(User.id)))


def page(client, path: str, headers=None) -> str:
    return client.get(path, headers=headers or {}).get_data(as_text=True)


# --- success -------------------------------------------------------------------


def test_sign_in_creates_an_account_proven_by_the_national_id(client, db, provider):
    provider.claims = {"pid": NID}

    authorize_url = to_provider(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(provider.issuer + "/authorize")
    assert query["code_challenge_method"] == ["S256"]
    assert "openid" in query["scope"][0].split()
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]
    response = client.get(back_from_provider(authorize_url))

    assert response.status_code == 302
    (user,) = users(db)
    assert user.identity_level == IdentityLevel.digital_id
    assert user.identity_key() == f"nid:{national_id_hash(NID)}"
    assert user.national_id_hash == national_id_hash(NID)
    assert user.email is None and user.password_hash is None
    assert user.display_name == "สมชาย ใจดี"
    (identity,) = user.digital_identities
    assert identity.provider == "testid"
    assert identity.subject_hash == keyed_hash("oidc-subject", f"{provider.issuer}|subject-0001")
    assert identity.national_id_hash == national_id_hash(NID)
    stored = " ".join(str(v) for v in vars(identity).values())
    assert "subject-0001" not in stored and NID not in stored and "สมชาย" not in stored
    details = oidc.verified_details(user)
    assert details.name == "สมชาย ใจดี" and details.birthdate.isoformat() == "1990-04-13"
    # Signed in: the account page works for an account without email or password.
    settings = client.get("/account")
    assert settings.status_code == 200
    assert "/account/password" not in settings.get_data(as_text=True)


def test_signing_in_again_reuses_the_account_and_the_discovery_cache(client, db, provider):
    provider.claims = {"pid": NID}
    assert run_flow(client).status_code == 302
    client.post("/signout")
    assert run_flow(client).status_code == 302
    assert len(users(db)) == 1
    assert provider.requests_seen.count("/.well-known/openid-configuration") == 1
    assert provider.requests_seen.count("/jwks") == 1


def test_no_national_id_released_keys_the_person_by_issuer_and_subject(client, db, provider):
    provider.claims = {"sub": "pairwise-77"}
    provider.remove_claims = {"pid"}
    assert run_flow(client).status_code == 302
    (user,) = users(db)
    digest = keyed_hash("oidc-subject", f"{provider.issuer}|pairwise-77")
    assert user.identity_level == IdentityLevel.digital_id
    assert user.national_id_hash is None
    assert user.identity_key() == f"oidc:{digest}"


def test_claims_missing_from_the_id_token_come_from_userinfo(client, db, provider):
    provider.remove_claims = {"name", "pid"}
    provider.userinfo_claims = {"name": "มาลี มีสุข", "pid": NID}
    assert run_flow(client).status_code == 302
    (user,) = users(db)
    assert user.display_name == "มาลี มีสุข"
    assert user.national_id_hash == national_id_hash(NID)
    assert "/userinfo" in provider.requests_seen


def test_without_a_name_the_person_is_asked_for_one(client, db, provider):
    provider.remove_claims = {"name"}
    provider.claims = {"pid": NID}
    response = run_flow(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert users(db)[0].display_name is None
    assert client.get("/account").status_code == 200


def test_a_verified_email_from_the_provider_is_kept_an_unverified_one_is_not(client, db, provider, factory):
    provider.claims = {"sub": "a", "email": "Somchai@Example.org", "email_verified": True}
    run_flow(client)
    client.post("/signout")
    provider.claims = {"sub": "b", "email": "other@example.org", "email_verified": False}
    run_flow(client)
    client.post("/signout")
    factory.user(email="taken@example.org")
    provider.claims = {"sub": "c", "email": "taken@example.org", "email_verified": True}
    run_flow(client)
    created = [u for u in users(db) if u.digital_identities]
    assert [u.email for u in created] == ["somchai@example.org", None, None]
    assert created[0].email_verified_at is not None


def test_linking_proves_an_existing_signed_in_account(client, db, provider, factory, login):
    user = login(factory.user(locale="en"))
    provider.claims = {"pid": NID}
    response = run_flow(client, LINK)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    (account,) = users(db)
    assert account.id == user.id
    assert account.identity_level == IdentityLevel.digital_id
    assert account.identity_key() == f"nid:{national_id_hash(NID)}"
    text = page(client, "/account")
    assert "Your identity is proven with TestID" in text
    assert "Proven with TestID on" in text


def test_a_declared_national_id_is_not_taken_over_by_signing_in(client, db, provider, factory):
    """A typed-in number proves nothing: signing in must not enter that account."""
    holder = factory.user(national_id=NID, locale="en")
    provider.claims = {"pid": NID}
    response = run_flow(client, headers=EN)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Your national ID is already declared on an account" in text
    assert 'action="/signin/digital-id/testid?claim=1"' in text
    assert holder.email not in text
    assert client.get("/account").status_code == 302  # not signed in anywhere
    (account,) = users(db)
    assert account.id == holder.id and account.digital_identities == []
    assert account.national_id_hash == national_id_hash(NID)


def test_the_holder_of_a_declared_national_id_proves_it_from_the_account(
    client, db, provider, factory, login
):
    holder = factory.user(national_id=NID, locale="en")
    key_before = holder.identity_key()
    provider.claims = {"pid": NID}
    assert run_flow(client, headers=EN).status_code == 409
    login(holder)
    assert run_flow(client, LINK).status_code == 302
    (account,) = users(db)
    assert account.identity_level == IdentityLevel.digital_id
    assert account.identity_key() == key_before == f"nid:{national_id_hash(NID)}"
    client.post("/signout")
    # From now on the digital ID signs in to that account directly.
    assert run_flow(client).status_code == 302
    assert [u.id for u in users(db)] == [holder.id]


def test_a_proven_person_can_claim_a_national_id_someone_declared(client, db, provider, factory):
    from participation.notifications.models import OutboxMessage

    holder = factory.user(national_id=NID, locale="en")
    key_before = holder.identity_key()
    provider.claims = {"pid": NID}
    response = run_flow(client, START + "?claim=1", headers=EN)
    assert response.status_code == 302
    first, new = users(db)
    assert first.id == holder.id
    assert first.national_id_hash is None and first.identity_level == IdentityLevel.email
    assert new.identity_level == IdentityLevel.digital_id
    assert new.identity_key() == key_before  # still one signer for that number
    assert "Your national ID has been removed from the other account" in page(client, "/account", EN)
    (mail,) = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "accounts/national_id_released"))
    assert mail.to_address == holder.email and mail.user_id == holder.id
    assert "TestID" in mail.body_text and NID not in mail.body_text


def test_a_national_id_proven_by_another_digital_id_signs_in_to_its_account(client, db, provider):
    provider.claims = {"pid": NID, "sub": "first-digital-id"}
    assert run_flow(client).status_code == 302
    client.post("/signout")
    provider.claims = {"pid": NID, "sub": "second-digital-id"}
    response = run_flow(client, headers=EN)
    assert response.status_code == 302
    (account,) = users(db)
    assert len(account.digital_identities) == 2
    assert "signed in to the account that holds your national ID" in page(client, "/account", EN)


def test_linking_refuses_a_national_id_held_by_another_account(client, db, provider, factory, login):
    factory.user(national_id=NID)
    me = login(factory.user(locale="en"))
    provider.claims = {"pid": NID}
    response = run_flow(client, LINK)
    assert response.status_code == 409
    assert "already belongs to another account" in response.get_data(as_text=True)
    db.expire_all()
    account = db.get(User, me.id)
    assert account.national_id_hash is None and account.digital_identities == []
    assert account.identity_level == IdentityLevel.email


def test_linking_refuses_a_different_declared_national_id(client, db, provider, factory, login):
    me = login(factory.user(national_id=OTHER_NID, locale="en"))
    provider.claims = {"pid": NID}
    response = run_flow(client, LINK)
    assert response.status_code == 409
    assert "different from the one declared" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, me.id).national_id_hash == national_id_hash(OTHER_NID)


def test_linking_refuses_a_digital_id_linked_to_another_account(client, db, provider, factory, login):
    provider.claims = {"sub": "shared"}
    provider.remove_claims = {"pid"}
    run_flow(client)
    client.post("/signout")
    me = login(factory.user(locale="en"))
    response = run_flow(client, LINK)
    assert response.status_code == 409
    assert "already linked to another account" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, me.id).digital_identities == []


# --- refusals ----------------------------------------------------------------


def _assert_refused(db, response, status: int, english: str):
    assert response.status_code == status
    assert english in response.get_data(as_text=True)
    assert users(db) == []


EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},
        {"aud": ["another-client", "participation-test"]},  # several audiences, no azp
        {"iss": "https://impostor.example"},
        {"exp": int(time.time()) - 3600},
        {"iat": int(time.time()) + 3600},
        {"nonce": "not-the-nonce-we-sent"},
    ],
    ids=["wrong-audience", "extra-audience", "wrong-issuer", "expired", "issued-in-future", "wrong-nonce"],
)
def test_a_token_with_a_bad_claim_is_refused(client, db, provider, claims):
    provider.claims = {"pid": NID, **claims}
    _assert_refused(db, run_flow(client, headers=EN), 400, "could not be verified")


@pytest.mark.parametrize("claim", ["exp", "iat", "nonce", "sub"])
def test_a_token_missing_a_required_claim_is_refused(client, db, provider, claim):
    provider.remove_claims = {claim}
    _assert_refused(db, run_flow(client, headers=EN), 400, "could not be verified")


def test_a_token_signed_by_another_key_is_refused(client, db, provider):
    forged = new_rsa_key("key-1")  # same kid, different key
    provider.signing_key = forged
    _assert_refused(db, run_flow(client, headers=EN), 400, "could not be verified")


def test_an_unknown_key_id_refetches_the_jwks_once_then_refuses(client, db, provider):
    provider.signing_key = new_rsa_key("key-unknown")
    _assert_refused(db, run_flow(client, headers=EN), 400, "could not be verified")
    assert provider.jwks_fetches == 2


def test_a_rotated_key_is_picked_up_by_refetching_the_jwks(client, db, provider):
    provider.claims = {"pid": NID}
    assert run_flow(client).status_code == 302  # JWKS with key-1 now cached
    client.post("/signout")
    rotated = new_rsa_key("key-2")
    provider.published_keys = [provider.key, rotated]
    provider.signing_key = rotated
    assert run_flow(client).status_code == 302
    assert provider.jwks_fetches == 2
    assert len(users(db)) == 1


def test_a_replayed_callback_is_refused(client, db, provider):
    provider.claims = {"pid": NID}
    callback = back_from_provider(to_provider(client))
    assert client.get(callback).status_code == 302
    client.post("/signout")
    replay = client.get(callback, headers=EN)
    assert replay.status_code == 400
    assert "already been used or has expired" in replay.get_data(as_text=True)
    assert len(users(db)) == 1


def test_a_callback_without_a_known_state_is_refused(client, db, provider):
    to_provider(client)
    response = client.get("/signin/digital-id/testid/callback?code=x&state=forged", headers=EN)
    _assert_refused(db, response, 400, "already been used or has expired")


def test_a_stale_pending_sign_in_is_refused(client, db, provider, monkeypatch):
    callback = back_from_provider(to_provider(client))
    real_time = time.time
    monkeypatch.setattr(oidc.time, "time", lambda: real_time() + oidc.PENDING_MAX_AGE + 5)
    _assert_refused(db, client.get(callback, headers=EN), 400, "already been used or has expired")


def test_the_person_cancelling_at_the_provider_is_told_so(client, db, provider):
    provider.cancel = True
    _assert_refused(db, run_flow(client, headers=EN), 400, "You cancelled the sign-in at TestID")


def test_an_unreachable_provider_is_explained_not_a_500(app, client, db, provider):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config["OIDC_PROVIDERS"] = [provider.settings(issuer=f"http://127.0.0.1:{closed_port}")]
    response = client.post(START, headers=EN)
    assert response.status_code == 502
    assert "TestID cannot be reached at the moment" in response.get_data(as_text=True)


def test_a_failing_token_endpoint_is_explained(client, db, provider):
    provider.token_status = 503
    _assert_refused(db, run_flow(client, headers=EN), 502, "TestID cannot be reached at the moment")


def test_a_wrong_client_secret_is_a_provider_error(app, client, db, provider):
    app.config["OIDC_PROVIDERS"] = [provider.settings(client_secret="wrong")]
    _assert_refused(db, run_flow(client, headers=EN), 502, "TestID did not complete the sign-in")


def test_an_invalid_national_id_from_the_provider_is_refused(client, db, provider):
    provider.claims = {"pid": "1234567890123"}
    _assert_refused(db, run_flow(client, headers=EN), 400, "not valid")


def test_an_unknown_provider_is_404(client, provider):
    assert client.post("/signin/digital-id/nobody").status_code == 404
    assert client.get("/signin/digital-id/nobody/callback?state=x").status_code == 404


def test_linking_needs_a_signed_in_account(client, provider):
    response = client.post(LINK)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


# --- language, pages, logs --------------------------------------------------------


def test_messages_are_in_thai_and_english(client, db, provider):
    provider.cancel = True
    thai = run_flow(client).get_data(as_text=True)
    assert "คุณยกเลิกการเข้าสู่ระบบที่ ไทยดีทดสอบ" in thai
    english = run_flow(client, headers=EN).get_data(as_text=True)
    assert "You cancelled the sign-in at TestID" in english


def test_the_sign_in_page_offers_each_provider_as_a_post_button(client, provider):
    thai = page(client, "/signin")
    assert 'action="/signin/digital-id/testid"' in thai
    assert "เข้าสู่ระบบด้วย ไทยดีทดสอบ" in thai
    english = page(client, "/signin?next=/about", EN)
    assert "Sign in with TestID" in english
    assert 'action="/signin/digital-id/testid?next=/about"' in english
    assert "<script" not in english


def test_after_sign_in_the_person_returns_to_the_page_they_came_from(client, provider):
    provider.claims = {"pid": NID}
    callback = back_from_provider(to_provider(client, START + "?next=/about"))
    assert client.get(callback).headers["Location"].endswith("/about")


def test_the_account_page_offers_to_prove_the_identity(client, factory, login, provider):
    login(factory.user(locale="en"))
    text = page(client, "/account")
    assert 'action="/account/digital-id/testid"' in text
    assert "Prove my identity with TestID" in text


def test_logs_name_the_provider_and_outcome_and_nothing_personal(client, db, provider, caplog):
    # The platform's own loggers at every level; libraries at INFO (urllib3's
    # DEBUG lines would show this test's own request to the provider).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="participation")
    provider.claims = {"pid": NID, "email": "somchai@example.org", "email_verified": True}
    authorize_url = to_provider(client)
    callback = back_from_provider(authorize_url)
    client.get(callback)
    client.post("/signout")
    client.get(callback)  # replay
    provider.claims = {"pid": NID, "aud": "another"}
    run_flow(client)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "provider=testid outcome=created" in logged
    assert "provider=testid outcome=replayed" in logged
    assert "provider=testid outcome=invalid_token" in logged
    query = parse_qs(urlsplit(callback).query)
    secrets_seen = [NID, "subject-0001", "สมชาย", "somchai@example.org", query["code"][0], query["state"][0]]
    for secret in secrets_seen:
        assert secret not in logged


# --- data ----------------------------------------------------------------------


def test_one_digital_id_per_provider_and_subject_in_the_database(db, factory):
    first, second = factory.user(), factory.user()
    db.add(DigitalIdentity(user=first, provider="testid", subject_hash="a" * 64))
    db.commit()
    db.add(DigitalIdentity(user=second, provider="testid", subject_hash="a" * 64))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add(DigitalIdentity(user=second, provider="otherid", subject_hash="a" * 64))
    db.commit()
    assert db.scalar(select(func.count()).select_from(DigitalIdentity)) == 2


def test_deleting_the_account_forgets_the_digital_id(client, db, provider):
    provider.claims = {"pid": NID}
    run_flow(client)
    response = client.post("/account/delete", data={"confirm": "y"})
    assert response.status_code == 302
    (user,) = users(db)
    assert user.is_deleted and user.digital_identities == [] and user.digital_id_verified_at is None
    assert db.scalar(select(func.count()).select_from(DigitalIdentity)) == 0
    # The same person can start again with a fresh account.
    assert run_flow(client).status_code == 302
    assert len(users(db)) == 2


def _person(provider, *, subject: str = "subject-0001", national_id: str | None = NID) -> oidc.VerifiedPerson:
    settings = provider.settings()
    from participation.config import parse_oidc_providers

    (entry,) = parse_oidc_providers([settings], {})
    return oidc.VerifiedPerson(oidc.Provider(**entry), subject, national_id, "สมชาย ใจดี", None, None)


@pytest.mark.postgres_only
@pytest.mark.parametrize("national_id", [NID, None], ids=["with-national-id", "subject-only"])
def test_simultaneous_first_sign_ins_of_one_person_make_one_account(app, is_postgres, provider, national_id):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: real concurrent transactions on the unique constraints")
    import threading

    from participation import db as db_module

    workers = 6
    barrier = threading.Barrier(workers)
    results: list[int | str] = []
    lock = threading.Lock()

    def attempt():
        with app.app_context():
            person = _person(provider, national_id=national_id)
            barrier.wait()
            try:
                outcome = oidc.sign_in(person)
                db_module.session.commit()
                value: int | str = outcome.user.id
            except oidc.DigitalIdError as exc:
                db_module.session.rollback()
                value = exc.code
            with lock:
                results.append(value)

    threads = [threading.Thread(target=attempt) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        count_users = db_module.session.scalar(select(func.count()).select_from(User))
        count_ids = db_module.session.scalar(select(func.count()).select_from(DigitalIdentity))
    assert count_users == 1 and count_ids == 1
    ids = {r for r in results if isinstance(r, int)}
    assert len(ids) == 1 and len(results) == workers
    assert set(results) - ids <= {"conflict"}


def test_sign_in_service_finds_the_account_again_by_subject(db, provider):
    first = oidc.sign_in(_person(provider, national_id=None))
    db.commit()
    again = oidc.sign_in(_person(provider, national_id=None))
    db.commit()
    assert (first.code, again.code) == ("created", "signed_in")
    assert first.user.id == again.user.id


def test_a_new_account_takes_the_language_of_the_sign_in(client, db, provider):
    provider.claims = {"pid": NID}
    assert run_flow(client, headers=EN).status_code == 302
    (user,) = users(db)
    assert user.locale == "en"
    assert "Welcome. Your account is created and your identity is proven with TestID." in page(
        client, "/account"
    )


def test_an_answer_naming_another_issuer_is_refused(client, db, provider):
    callback = back_from_provider(to_provider(client))
    response = client.get(callback + "&iss=https%3A%2F%2Fimpostor.example", headers=EN)
    _assert_refused(db, response, 400, "could not be verified")


def test_replaying_the_callback_with_the_old_session_cookie_is_refused(client, db, provider):
    """The session is a signed cookie, so an old copy still holds the state:
    the server's record of used states refuses it."""
    provider.claims = {"pid": NID}
    callback = back_from_provider(to_provider(client))
    old_cookie = client.get_cookie("session").value
    assert client.get(callback).status_code == 302
    client.post("/signout")
    client.set_cookie("session", old_cookie)
    token_calls = provider.requests_seen.count("/token")
    replay = client.get(callback, headers=EN)
    assert replay.status_code == 400
    assert "already been used or has expired" in replay.get_data(as_text=True)
    assert provider.requests_seen.count("/token") == token_calls  # refused before the provider
    assert len(users(db)) == 1


def test_a_state_stays_spent_when_the_sign_in_fails_after_it(client, db, provider):
    provider.token_status = 503
    callback = back_from_provider(to_provider(client))
    old_cookie = client.get_cookie("session").value
    assert client.get(callback).status_code == 502
    provider.token_status = None
    client.set_cookie("session", old_cookie)
    assert client.get(callback).status_code == 400


def test_the_worker_forgets_old_used_states(client, db, provider):
    from datetime import timedelta

    from participation import worker
    from participation.accounts.models import DigitalIdStateUse

    assert "participation.accounts.oidc:purge_used_states" in worker.JOBS
    callback = back_from_provider(to_provider(client))
    client.get(callback)
    assert oidc.purge_used_states(db_now() + timedelta(minutes=5)) == 0
    assert oidc.purge_used_states(db_now() + timedelta(seconds=2 * oidc.PENDING_MAX_AGE + 1)) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(DigitalIdStateUse)) == 0


def db_now():
    from participation.db import utcnow

    return utcnow()


def test_the_sign_in_button_carries_a_csrf_token(app, client, provider):
    from tests.conftest import csrf_token_from

    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(START).status_code == 400  # no token: refused
    html = page(client, "/signin")
    form = html[html.index('action="/signin/digital-id/testid"') :]
    token = csrf_token_from(form)
    response = client.post(START, data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(provider.issuer + "/authorize")
