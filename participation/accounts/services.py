"""Account rules: registration, verification, sign-in, passwords, identity, deletion.

Services flush and never commit; the view commits once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from participation import db
from participation.accounts.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKind,
    SignInThrottle,
    User,
)
from participation.identity import email_hash, national_id_hash, normalise_email
from participation.notifications.services import enqueue_email

log = logging.getLogger(__name__)

PASSWORD_MIN = 10
PASSWORD_MAX = 128
#: Failures before each further attempt must wait (1 s, 2 s, 4 s ...).
SLOWDOWN_AFTER = 3


class AccountError(Exception):
    """A rule refused the action; ``code`` selects the message shown."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# --- users -----------------------------------------------------------------


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: ``<id>:<session nonce>``; a changed nonce signs out."""
    raw_id, _, nonce = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.is_deleted or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(
    *,
    email: str,
    password: str | None,
    display_name: str,
    locale: str = "th",
    verified: bool = False,
) -> User:
    """Create an account; raises AccountError('email_taken') if the address is used."""
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password) if password else None,
        display_name=display_name,
        locale=locale,
        email_verified_at=db.utcnow() if verified else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise AccountError("email_taken") from None
    return user


def register(*, email: str, password: str, display_name: str, locale: str) -> User | None:
    """Register and send the verification link.

    If the address already has an account, nothing is created; its owner gets
    an email saying so (with a sign-in and reset link), and the page shown is
    the same, so registration cannot be used to find out who has an account.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        enqueue_email(
            to_address=existing.email,
            template="accounts/already_registered",
            locale=existing.locale,
            context={"user": existing, "reset_url": _external("accounts.forgot_password")},
            user_id=existing.id,
        )
        return None
    user = create_user(email=email, password=password, display_name=display_name, locale=locale)
    send_verification(user)
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts.{purpose}")


def _external(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def make_token(purpose: str, user: User) -> str:
    """A signed token for ``user`` that dies with the account's session nonce."""
    return _serializer(purpose).dumps({"uid": user.id, "n": user.session_nonce, "e": user.email})


def read_token(purpose: str, token: str) -> User:
    """The user a token was made for; raises AccountError('token_invalid'|'token_expired')."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise AccountError("token_expired") from None
    except BadSignature:
        raise AccountError("token_invalid") from None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or user.is_deleted or user.session_nonce != data.get("n") or user.email != data.get("e"):
        raise AccountError("token_invalid")
    return user


def send_verification(user: User) -> None:
    """Queue the email with the link that proves the address."""
    enqueue_email(
        to_address=user.email,
        template="accounts/verify_email",
        locale=user.locale,
        context={
            "user": user,
            "url": _external("accounts.verify_email", token=make_token("verify", user)),
        },
        user_id=user.id,
    )


def verify_email(token: str) -> User:
    """Mark the address proven. Idempotent for an already verified account."""
    user = read_token("verify", token)
    if user.email_verified_at is None:
        user.email_verified_at = db.utcnow()
        db.session.flush()
    return user


# --- sign-in -----------------------------------------------------------------


@dataclass
class SignInRefused(Exception):
    #: ``invalid`` (wrong address or password), ``wait`` (slowed down), ``locked``
    code: str
    retry_after: int = 0


def _throttle_key(email: str) -> str:
    return email_hash(email)


def authenticate(email: str, password: str) -> User:
    """The account for these credentials, or SignInRefused.

    Failures are counted per address across all workers: after a few, each
    further attempt must wait longer; after ``LOGIN_MAX_FAILURES`` the address
    is locked for ``LOGIN_LOCK_MINUTES``. The message never says whether the
    address has an account.
    """
    now = db.utcnow()
    key = _throttle_key(email)
    throttle = db.session.get(SignInThrottle, key)
    if throttle is not None:
        if throttle.locked_until and throttle.locked_until > now:
            raise SignInRefused("locked", _seconds(throttle.locked_until - now))
        if throttle.failures >= SLOWDOWN_AFTER:
            wait = timedelta(seconds=2 ** (throttle.failures - SLOWDOWN_AFTER))
            if throttle.last_failure_at + wait > now:
                raise SignInRefused("wait", _seconds(throttle.last_failure_at + wait - now))
    user = find_user_by_email(email)
    if user is None or not user.password_hash or not check_password_hash(user.password_hash, password):
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            check_password_hash(_DUMMY_HASH, password)
        _record_failure(key, throttle, now)
        raise SignInRefused("invalid")
    if throttle is not None:
        db.session.delete(throttle)
    user.last_sign_in_at = now
    db.session.flush()
    return user


_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def _record_failure(key: str, throttle: SignInThrottle | None, now: datetime) -> None:
    if throttle is None:
        throttle = SignInThrottle(key=key, failures=0, last_failure_at=now)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        throttle.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        throttle.failures = 0
    db.session.flush()


# --- passwords ---------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue a reset link if the address has an account; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or user.is_deleted:
        return
    enqueue_email(
        to_address=user.email,
        template="accounts/reset_password",
        locale=user.locale,
        context={
            "user": user,
            "url": _external("accounts.reset_password", token=make_token("reset", user)),
        },
        user_id=user.id,
    )


def set_password(user: User, password: str) -> None:
    """Set a new password and sign the account out everywhere else.

    Rotating the session nonce also makes every reset link already sent useless.
    """
    user.password_hash = hash_password(password)
    user.session_nonce = secrets.token_urlsafe(16)
    db.session.flush()


def reset_password(token: str, password: str) -> User:
    user = read_token("reset", token)
    set_password(user, password)
    if user.email_verified_at is None:
        # The link arrived by email, which proves the address too.
        user.email_verified_at = db.utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise AccountError("wrong_password")
    set_password(user, new)


# --- identity ----------------------------------------------------------------


def declare_national_id(user: User, raw: str) -> None:
    """Store the HMAC of a valid national ID; the number itself is never stored.

    Raises NationalIdError (invalid number) or AccountError('national_id_taken')
    without saying which account holds it.
    """
    digest = national_id_hash(raw)
    if user.national_id_hash == digest:
        return
    taken = db.session.scalar(select(User.id).where(User.national_id_hash == digest))
    if taken is not None:
        raise AccountError("national_id_taken")
    user.national_id_hash = digest
    user.national_id_verified_at = db.utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        user.national_id_hash = None
        user.national_id_verified_at = None
        raise AccountError("national_id_taken") from None


# --- deletion ----------------------------------------------------------------


def delete_account(user: User, password: str | None) -> None:
    """Remove personal data; public contributions stay as by a "deleted user".

    The row stays (so contributions keep their author id) but holds no email,
    name, password or national ID; staff memberships end; queued emails to the
    person are dropped.
    """
    if user.password_hash and (not password or not check_password_hash(user.password_hash, password)):
        raise AccountError("wrong_password")
    from participation.notifications.models import OutboxMessage, OutboxStatus

    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.user_id == user.id, OutboxMessage.status == OutboxStatus.pending
        )
    )
    user.display_name = None
    user.email = None
    user.password_hash = None
    user.national_id_hash = None
    user.national_id_verified_at = None
    user.email_verified_at = None
    from participation.accounts.oidc import forget as forget_digital_ids

    forget_digital_ids(user)
    user.is_admin = False
    user.is_moderator = False
    user.deleted_at = db.utcnow()
    user.session_nonce = secrets.token_urlsafe(16)
    user.memberships.clear()
    db.session.flush()
    log.info("account %s deleted by its owner", user.id)


# --- organisations and roles -------------------------------------------------


def create_organisation(
    *, slug: str, name_th: str, name_en: str | None, kind: OrganisationKind, contact: str | None = None
) -> Organisation:
    """Create an agency; raises AccountError('slug_taken')."""
    organisation = Organisation(slug=slug, name_th=name_th, name_en=name_en, kind=kind, contact=contact)
    try:
        with db.session.begin_nested():
            db.session.add(organisation)
    except IntegrityError:
        raise AccountError("slug_taken") from None
    return organisation


def set_membership(user: User, organisation: Organisation, role: MembershipRole | None) -> None:
    """Make ``user`` staff of ``organisation`` with ``role``, or remove them (None)."""
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    if role is None:
        if membership is not None:
            db.session.delete(membership)
    elif membership is None:
        db.session.add(Membership(user=user, organisation=organisation, role=role))
    else:
        membership.role = role
    db.session.flush()
    db.session.expire(user, ["memberships"])


def set_platform_roles(user: User, *, moderator: bool, admin: bool) -> None:
    user.is_moderator = moderator
    user.is_admin = admin
    db.session.flush()
