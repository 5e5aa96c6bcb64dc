"""Registration, verification, sign-in, passwords, identity, deletion, through HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from participation.accounts.models import SignInThrottle, User
from participation.notifications.models import OutboxMessage
from tests.factories import PASSWORD, valid_national_id


def _last_link(db, kind: str) -> str:
    message = db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no {kind} email queued"
    match = re.search(r"http://localhost(/\S+)", message.body_text)
    assert match
    return match.group(1)


def _register(client, **overrides):
    data = {
        "display_name": "สมหญิง ใจงาม",
        "email": "somying@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "accept_terms": "y",
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_register_verify_and_sign_in(client, db):
    response = _register(client)
    assert response.status_code == 200
    assert "ตรวจสอบอีเมล" in response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "somying@example.org"))
    assert user.email_verified_at is None
    assert user.password_hash.startswith("scrypt:")

    link = _last_link(db, "accounts/verify_email")
    response = client.get(link)
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, user.id).email_verified_at is not None

    client.post("/signout")
    response = client.post(
        "/signin", data={"email": "SOMYING@example.org ", "password": "a long enough password"}
    )
    assert response.status_code == 302


def test_verification_email_is_in_the_users_language(client, db):
    client.set_cookie("lang", "en")
    _register(client)
    message = db.scalars(select(OutboxMessage)).one()
    assert message.locale == "en"
    assert message.subject == "Confirm your email address"


def test_register_existing_email_does_not_reveal_it(client, db, factory):
    existing = factory.user(email="taken@example.org")
    response = _register(client, email="taken@example.org")
    assert response.status_code == 200
    assert db.scalar(select(func.count()).select_from(User)) == 1
    message = db.scalars(select(OutboxMessage)).one()
    assert message.kind == "accounts/already_registered"
    assert message.user_id == existing.id


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"display_name": ""}, "โปรดกรอกชื่อที่จะแสดง"),
        ({"email": "not-an-email"}, "อีเมลที่ถูกต้อง"),
        ({"password": "short", "confirm": "short"}, "รหัสผ่านต้องมี 10 ถึง 128"),
        ({"confirm": "something else entirely"}, "ไม่ตรงกัน"),
        ({"accept_terms": ""}, "โปรดยอมรับกติกา"),
        ({"display_name": "<script>alert(1)</script>"}, "&lt; และ &gt;"),
        ({"display_name": "x" * 200_000}, "2 ถึง 80"),
        ({"website": "http://spam.example"}, "โปรแกรมอัตโนมัติ"),
    ],
)
def test_register_bad_input(client, db, overrides, expected):
    response = _register(client, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert expected in html
    assert "<script>alert(1)</script>" not in html
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_register_non_utf8_body(client, db):
    response = client.post(
        "/register",
        data=b"display_name=\xff\xfe\xfa&email=a%40b.org&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_register_in_english(client):
    response = _register(client, email="bad", display_name="")
    response = client.post("/register", data={"email": "bad"}, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert "Please enter a valid email address" in html


def test_form_minimum_time(app, client, db):
    app.config["FORM_MIN_SECONDS"] = 30
    page = client.get("/register").get_data(as_text=True)
    started = re.search(r'name="form_started"[^>]*value="([^"]+)"', page).group(1)
    response = _register(client, form_started=started)
    assert response.status_code == 422
    assert "เร็วเกินไป" in response.get_data(as_text=True)


def test_sign_in_wrong_password_message(client, factory):
    user = factory.user()
    response = client.post("/signin", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 422
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_sign_in_unknown_account_same_message(client):
    response = client.post("/signin", data={"email": "nobody@example.org", "password": "whatever it is"})
    assert response.status_code == 422
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_repeated_failures_slow_down_then_lock(app, client, factory, db):
    user = factory.user()
    for _ in range(3):
        client.post("/signin", data={"email": user.email, "password": "wrong password!"})
    response = client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429  # must wait, even with the right password
    assert "วินาที" in response.get_data(as_text=True)

    throttle = db.scalars(select(SignInThrottle)).one()
    assert user.email not in throttle.key
    throttle.failures = app.config["LOGIN_MAX_FAILURES"] - 1
    throttle.last_failure_at = throttle.last_failure_at.replace(year=2000)
    db.commit()
    client.post("/signin", data={"email": user.email, "password": "wrong password!"})
    response = client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "ระงับการเข้าสู่ระบบ" in response.get_data(as_text=True)


def test_success_clears_failures(client, factory, db):
    user = factory.user()
    client.post("/signin", data={"email": user.email, "password": "wrong password!"})
    response = client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(SignInThrottle)) == 0


def test_sign_in_redirects_only_to_same_site(client, factory):
    user = factory.user()
    response = client.post(
        "/signin?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/signout")
    response = client.post("/signin?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_sign_out_is_post_only(client, factory, login):
    login(factory.user())
    assert client.get("/signout").status_code == 405
    assert client.post("/signout").status_code == 302
    assert client.get("/account").status_code == 302  # back to sign-in


def test_password_reset_flow(client, db, factory):
    user = factory.user()
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 200
    link = _last_link(db, "accounts/reset_password")
    response = client.post(link, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 302
    client.post("/signout")
    assert (
        client.post("/signin", data={"email": user.email, "password": "a brand new password"}).status_code
        == 302
    )
    # The link works once.
    client.post("/signout")
    assert client.get(link).status_code == 400


def test_password_reset_unknown_address_is_silent(client, db):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 200
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_tampered_token_refused(client):
    response = client.get("/verify/not-a-real-token")
    assert response.status_code == 400
    assert "ลิงก์นี้ใช้ไม่ได้แล้ว" in response.get_data(as_text=True)


def test_change_password_signs_out_other_sessions(app, client, factory, login):
    user = factory.user()
    login(user)
    other = app.test_client()
    other.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert other.get("/account").status_code == 200
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "another long password", "confirm": "another long password"},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_change_password_wrong_current(client, factory, login):
    login(factory.user())
    response = client.post(
        "/account/password",
        data={
            "current": "not my password",
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert response.status_code == 422
    assert "รหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_choose_language_on_account(client, factory, login, db):
    user = login(factory.user())
    response = client.post("/account/profile", data={"display_name": "New Name", "locale": "en"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).locale == "en"


def test_declare_national_id(client, factory, login, db):
    user = login(factory.user())
    number = valid_national_id("110170020345")
    response = client.post("/account/national-id", data={"national_id": number, "consent": "y"})
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored.national_id_hash and number not in stored.national_id_hash
    assert stored.identity_level.name == "national_id"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345", "13 หลักพอดี"),
        ("1101700abc451", "ตัวเลขเท่านั้น"),
        ("1101700203451", "หลักตรวจสอบ"),
    ],
)
def test_declare_invalid_national_id(client, factory, login, value, expected):
    login(factory.user())
    response = client.post("/account/national-id", data={"national_id": value, "consent": "y"})
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)


def test_second_account_with_same_national_id_refused_without_revealing(client, factory, login):
    number = valid_national_id("310060012345")
    holder = factory.user(name="ผู้ถือเลขเดิม", national_id=number)
    login(factory.user())
    response = client.post("/account/national-id", data={"national_id": number, "consent": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ถูกแจ้งไว้กับบัญชีอื่นแล้ว" in html
    assert holder.display_name not in html and holder.email not in html


def test_national_id_needs_verified_email(client, factory, login):
    user = factory.user(verified=False)
    login(user)
    response = client.post(
        "/account/national-id", data={"national_id": valid_national_id("110170020345"), "consent": "y"}
    )
    assert response.status_code == 422


def test_delete_account_removes_personal_data(client, factory, login, db):
    org = factory.organisation()
    user = factory.staff(org, national_id=valid_national_id("110170020345"))
    login(user)
    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.expire_all()
    deleted = db.get(User, user.id)
    assert deleted.email is None and deleted.display_name is None
    assert deleted.password_hash is None and deleted.national_id_hash is None
    assert deleted.memberships == []
    assert deleted.is_deleted
    assert client.get("/account").status_code == 302
    # The address can register again as a new person.
    client.post("/signout")
    assert client.post("/signin", data={"email": user.email, "password": PASSWORD}).status_code == 422


def test_delete_account_needs_password(client, factory, login, db):
    user = login(factory.user())
    response = client.post("/account/delete", data={"password": "wrong", "confirm": "y"})
    assert response.status_code == 422
    db.expire_all()
    assert not db.get(User, user.id).is_deleted
