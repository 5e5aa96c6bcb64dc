"""Digital ID: the platform as an OpenID Connect relying party.

Providers come from ``PARTICIPATION_OIDC_PROVIDERS`` (see docs/digital-id.md
and ``config.parse_oidc_providers``). The flow is the authorization code flow
with PKCE (S256): ``begin`` prepares the request and remembers its state,
nonce and code verifier in the signed session; ``finish`` takes the state
back exactly once, exchanges the code, validates the ID token against the
provider's JWKS (signature, issuer, audience, expiry, issued-at, nonce) and
returns the verified claims; ``sign_in`` and ``link`` apply them to accounts.

Failures raise ``DigitalIdError`` with a ``code`` (``cancelled``,
``provider_down``, ``provider_error``, ``invalid_token``, ``replayed``,
``bad_claims``, ``conflict``, ``digital_id_taken``, ``national_id_declared``, ``national_id_mismatch``,
``national_id_taken``) that the view turns into a translated message. Logs
name only the provider and the outcome: no tokens, subjects or personal data.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, session, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from participation import crypto, db
from participation.accounts.models import DigitalIdentity, DigitalIdStateUse, User
from participation.identity import NationalIdError, keyed_hash, national_id_hash, normalise_email
from participation.identity import normalise_national_id as _normalise_nid

log = logging.getLogger(__name__)

#: Encryption purpose (participation.crypto) of the verified name and birth date.
DETAILS_PURPOSE = "digital-id-details"

#: Session key holding the pending sign-ins, by state.
SESSION_KEY = "oidc_pending"
#: A pending sign-in must come back within this many seconds.
PENDING_MAX_AGE = 600
#: At most this many sign-ins pending at once per browser session (oldest dropped).
PENDING_MAX = 3
#: Allowed clock difference with the provider, in seconds.
LEEWAY = 60
#: Only asymmetric signatures: a client secret must never verify an ID token.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class DigitalIdError(Exception):
    """The digital-ID sign-in failed; ``code`` selects the message shown."""

    def __init__(self, code: str, provider: str | None = None):
        super().__init__(code)
        self.code = code
        self.provider = provider


# --- providers ---------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    id_claim: str | None
    name_claim: str
    birthdate_claim: str
    name_th: str
    name_en: str
    token_auth_method: str

    def display_name(self, language: str) -> str:
        return self.name_th if language == "th" else self.name_en


def providers() -> list[Provider]:
    """The configured providers, in the configured order."""
    from participation.config import parse_oidc_providers

    configured = current_app.config.get("OIDC_PROVIDERS") or []
    return [
        Provider(**entry) for entry in parse_oidc_providers(configured, mode=current_app.config["ENV_MODE"])
    ]


def get_provider(name: str) -> Provider | None:
    return next((p for p in providers() if p.name == name), None)


# --- discovery and keys (cached per process with a TTL; a cache, not state) ----

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _fetch_json(url: str, provider: Provider) -> dict:
    timeout = current_app.config.get("OIDC_HTTP_TIMEOUT", 5)
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException:
        raise DigitalIdError("provider_down", provider.name) from None
    if response.status_code >= 500:
        raise DigitalIdError("provider_down", provider.name)
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        raise DigitalIdError("provider_error", provider.name)
    return data


def _cached(key: str, loader, *, refresh: bool = False):
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] > now and not refresh:
        return hit[1]
    value = loader()
    ttl = current_app.config.get("OIDC_DISCOVERY_TTL", 3600)
    with _cache_lock:
        _cache[key] = (now + ttl, value)
    return value


def discover(provider: Provider) -> dict:
    """The provider's metadata from ``<issuer>/.well-known/openid-configuration``."""

    def load() -> dict:
        metadata = _fetch_json(provider.issuer + "/.well-known/openid-configuration", provider)
        if metadata.get("issuer", "").rstrip("/") != provider.issuer:
            # OpenID Connect Discovery 1.0 s.4.3: the issuer must match exactly.
            raise DigitalIdError("provider_error", provider.name)
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                raise DigitalIdError("provider_error", provider.name)
        return metadata

    return _cached("discovery:" + provider.issuer, load)


def _key_set(provider: Provider, jwks_uri: str, *, refresh: bool = False) -> KeySet:
    def load() -> KeySet:
        try:
            return KeySet.import_key_set(_fetch_json(jwks_uri, provider))
        except (JoseError, KeyError, TypeError, ValueError):
            raise DigitalIdError("provider_error", provider.name) from None

    return _cached("jwks:" + jwks_uri, load, refresh=refresh)


# --- the flow ----------------------------------------------------------------


def redirect_uri(provider: Provider) -> str:
    return current_app.config["BASE_URL"] + url_for("oidc.callback", provider=provider.name)


def begin(provider: Provider, *, mode: str, next_url: str | None, user_id: int | None, language: str) -> str:
    """The provider's authorization URL; remembers state, nonce and PKCE verifier.

    ``mode`` is ``sign_in`` or ``link`` (prove the signed-in ``user_id``).
    Raises DigitalIdError('provider_down'|'provider_error') if discovery fails.
    """
    metadata = discover(provider)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = dict(session.get(SESSION_KEY) or {})
    pending[state] = {
        "provider": provider.name,
        "nonce": nonce,
        "verifier": verifier,
        "mode": mode,
        "user_id": user_id,
        "next": next_url,
        "at": int(time.time()),
    }
    # Keep only the newest few, so abandoned attempts do not grow the cookie.
    session[SESSION_KEY] = dict(sorted(pending.items(), key=lambda kv: kv[1]["at"])[-PENDING_MAX:])
    client = OAuth2Session(
        provider.client_id,
        scope=provider.scopes,
        redirect_uri=redirect_uri(provider),
        code_challenge_method="S256",
    )
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        ui_locales=language,
    )
    return url


def take_pending(state: str | None) -> dict:
    """The pending sign-in for ``state``, removed from the session (single use).

    The use is also recorded in ``digital_id_state_uses`` (flushed; the caller
    commits it at once, whatever happens next), so an old copy of the session
    cookie cannot bring the state back. Raises DigitalIdError('replayed') for
    an unknown, used or stale state.
    """
    pending = dict(session.get(SESSION_KEY) or {})
    entry = pending.pop(state, None) if state else None
    session[SESSION_KEY] = pending
    if entry is None or entry["at"] + PENDING_MAX_AGE < time.time():
        raise DigitalIdError("replayed")
    try:
        with db.session.begin_nested():
            db.session.add(DigitalIdStateUse(state_hash=hashlib.sha256(state.encode()).hexdigest()))
    except IntegrityError:
        raise DigitalIdError("replayed", entry["provider"]) from None
    return entry


def purge_used_states(now: datetime) -> int:
    """Worker job: forget used states old enough to be refused by age anyway."""
    cutoff = now - timedelta(seconds=2 * PENDING_MAX_AGE)
    result = db.session.execute(delete(DigitalIdStateUse).where(DigitalIdStateUse.used_at < cutoff))
    return result.rowcount or 0


@dataclass
class VerifiedPerson:
    """What the provider proved, after every check passed."""

    provider: Provider
    subject: str
    national_id: str | None
    name: str | None
    birthdate: date | None
    email: str | None


def finish(provider: Provider, pending: dict, args: dict[str, str]) -> VerifiedPerson:
    """Complete the flow from the callback's query ``args`` (state already taken).

    Raises DigitalIdError for a cancelled request, an unreachable provider or
    an ID token that fails any check.
    """
    if pending["provider"] != provider.name:
        raise DigitalIdError("replayed", provider.name)
    error = args.get("error")
    if error:
        raise DigitalIdError("cancelled" if error == "access_denied" else "provider_error", provider.name)
    if args.get("iss") and args["iss"].rstrip("/") != provider.issuer:
        # RFC 9207: an answer naming another issuer is a mix-up attack.
        raise DigitalIdError("invalid_token", provider.name)
    code = args.get("code")
    if not code:
        raise DigitalIdError("provider_error", provider.name)
    metadata = discover(provider)
    token = _exchange_code(provider, metadata, code, pending["verifier"])
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise DigitalIdError("invalid_token", provider.name)
    claims = validate_id_token(provider, metadata, id_token, nonce=pending["nonce"])
    wanted = [c for c in (provider.id_claim, provider.name_claim) if c]
    if (
        any(c not in claims for c in wanted)
        and metadata.get("userinfo_endpoint")
        and token.get("access_token")
    ):
        claims = {**_userinfo(provider, metadata, token["access_token"], claims["sub"]), **claims}
    return _person(provider, claims)


def _exchange_code(provider: Provider, metadata: dict, code: str, verifier: str) -> dict:
    client = OAuth2Session(
        provider.client_id,
        provider.client_secret,
        token_endpoint_auth_method=provider.token_auth_method,
        redirect_uri=redirect_uri(provider),
        default_timeout=current_app.config.get("OIDC_HTTP_TIMEOUT", 5),
    )
    try:
        return dict(
            client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
            )
        )
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 500
        raise DigitalIdError("provider_down" if status >= 500 else "provider_error", provider.name) from None
    except requests.RequestException:
        raise DigitalIdError("provider_down", provider.name) from None
    except (AuthlibBaseError, ValueError):
        # invalid_grant and friends: the code was used, expired or the verifier was wrong.
        raise DigitalIdError("provider_error", provider.name) from None


def _token_header(id_token: str) -> dict:
    try:
        segment = id_token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        raise DigitalIdError("invalid_token") from None
    if not isinstance(header, dict):
        raise DigitalIdError("invalid_token")
    return header


def validate_id_token(provider: Provider, metadata: dict, id_token: str, *, nonce: str) -> dict:
    """The ID token's claims once signature, iss, aud, azp, exp, iat and nonce all check out.

    The key comes from the provider's JWKS by ``kid``; an unknown ``kid`` makes
    one fresh fetch of the JWKS (the provider may have rotated its keys).
    """
    header = _token_header(id_token)
    algorithm = header.get("alg")
    supported = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    if algorithm not in ALLOWED_ALGORITHMS or algorithm not in supported:
        raise DigitalIdError("invalid_token", provider.name)
    kid = header.get("kid")
    try:
        key = _key_set(provider, metadata["jwks_uri"]).get_by_kid(kid, {"use": "sig"})
    except InvalidKeyIdError:
        try:
            key = _key_set(provider, metadata["jwks_uri"], refresh=True).get_by_kid(kid, {"use": "sig"})
        except InvalidKeyIdError:
            raise DigitalIdError("invalid_token", provider.name) from None
    try:
        claims = jwt.decode(id_token, key, algorithms=[algorithm]).claims
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except JoseError:
        raise DigitalIdError("invalid_token", provider.name) from None
    if not isinstance(claims.get("sub"), str):
        raise DigitalIdError("invalid_token", provider.name)
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        # OpenID Connect Core s.3.1.3.7 (4, 5): several audiences need azp = us.
        raise DigitalIdError("invalid_token", provider.name)
    if not isinstance(claims.get("iat"), int | float):
        raise DigitalIdError("invalid_token", provider.name)
    return claims


def _userinfo(provider: Provider, metadata: dict, access_token: str, subject: str) -> dict:
    timeout = current_app.config.get("OIDC_HTTP_TIMEOUT", 5)
    try:
        response = requests.get(
            metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=timeout,
        )
    except requests.RequestException:
        raise DigitalIdError("provider_down", provider.name) from None
    if response.status_code >= 500:
        raise DigitalIdError("provider_down", provider.name)
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        raise DigitalIdError("provider_error", provider.name)
    if data.get("sub") != subject:
        # OpenID Connect Core s.5.3.2: userinfo for another person must be refused.
        raise DigitalIdError("invalid_token", provider.name)
    return data


def _person(provider: Provider, claims: dict) -> VerifiedPerson:
    national_id = None
    if provider.id_claim and claims.get(provider.id_claim) not in (None, ""):
        try:
            national_id = _normalise_nid(str(claims[provider.id_claim]))
        except NationalIdError:
            raise DigitalIdError("bad_claims", provider.name) from None
    name = claims.get(provider.name_claim)
    name = " ".join(name.split())[:200] if isinstance(name, str) and name.strip() else None
    birthdate = None
    raw_birthdate = claims.get(provider.birthdate_claim)
    if isinstance(raw_birthdate, str):
        try:
            birthdate = date.fromisoformat(raw_birthdate)
        except ValueError:
            birthdate = None
    email = claims.get("email") if claims.get("email_verified") is True else None
    email = normalise_email(email) if isinstance(email, str) and "@" in email and len(email) <= 254 else None
    return VerifiedPerson(provider, claims["sub"], national_id, name, birthdate, email)


# --- accounts ----------------------------------------------------------------


def subject_hash(provider: Provider, subject: str) -> str:
    """The stored form of the provider's subject: HMAC of ``issuer|sub``."""
    return keyed_hash("oidc-subject", f"{provider.issuer}|{subject}")


@dataclass
class Outcome:
    user: User
    #: ``signed_in`` (known digital ID), ``created`` (new account),
    #: ``matched_national_id`` (signed in to the account that declared the number),
    #: ``linked`` (proven for the signed-in account).
    code: str


def _find_identity(provider: Provider, digest: str) -> DigitalIdentity | None:
    return db.session.scalar(
        select(DigitalIdentity).where(
            DigitalIdentity.provider == provider.name, DigitalIdentity.subject_hash == digest
        )
    )


def _record(
    user: User, person: VerifiedPerson, identity: DigitalIdentity | None, nid_hash: str | None
) -> None:
    now = db.utcnow()
    if identity is None:
        identity = DigitalIdentity(
            user=user,
            provider=person.provider.name,
            subject_hash=subject_hash(person.provider, person.subject),
        )
        db.session.add(identity)
    identity.verified_at = now
    identity.national_id_hash = nid_hash
    identity.verified_name_encrypted = crypto.encrypt(DETAILS_PURPOSE, person.name) if person.name else None
    identity.birthdate_encrypted = (
        crypto.encrypt(DETAILS_PURPOSE, person.birthdate.isoformat()) if person.birthdate else None
    )
    if nid_hash and user.national_id_hash is None:
        user.national_id_hash = nid_hash
    if nid_hash and user.national_id_hash == nid_hash:
        user.national_id_verified_at = now
    user.digital_id_verified_at = now
    user.last_sign_in_at = now


def _holder_of(nid_hash: str, other_than: int | None = None) -> User | None:
    query = select(User).where(User.national_id_hash == nid_hash)
    if other_than is not None:
        query = query.where(User.id != other_than)
    return db.session.scalar(query)


def sign_in(person: VerifiedPerson, locale: str = "th", *, claim_national_id: bool = False) -> Outcome:
    """The account for a proven person, creating one if needed.

    A known digital ID signs in to its account. Otherwise, when the provider
    proves a national ID that an account already holds:

    - if another digital ID proved that number on the account, it is the same
      person: the digital ID joins that account (``matched_national_id``);
    - if the number was only typed in (declared), anyone could have typed it,
      and signing the person in there would hand them an account someone else
      may control (account pre-hijacking). So nothing happens and
      DigitalIdError('national_id_declared') lets the view offer the choice:
      sign in to that account with its password and prove it there, or
      ``claim_national_id``: a new account takes the proven number, which is
      removed from the declaring account, whose owner is told by email.

    Otherwise a new account is made: display name from the provider (or asked
    later), email only if the provider says it is verified and no account uses
    it yet, else no email.

    Two simultaneous sign-ins of one new person (a double click, two tabs)
    make one account: the unique constraints stop the second, which then
    signs in to the account the first made.
    """
    for _attempt in range(2):
        try:
            with db.session.begin_nested():
                return _sign_in(person, locale, claim_national_id)
        except IntegrityError:
            continue
    raise DigitalIdError("conflict", person.provider.name)


def _sign_in(person: VerifiedPerson, locale: str, claim_national_id: bool) -> Outcome:
    provider = person.provider
    digest = subject_hash(provider, person.subject)
    nid_hash = national_id_hash(person.national_id) if person.national_id else None
    identity = _find_identity(provider, digest)
    if identity is not None and identity.user.is_deleted:
        db.session.delete(identity)
        db.session.flush()
        identity = None
    if identity is not None:
        user = identity.user
        if nid_hash and user.national_id_hash not in (None, nid_hash):
            raise DigitalIdError("national_id_mismatch", provider.name)
        if nid_hash and user.national_id_hash is None and _holder_of(nid_hash) is not None:
            raise DigitalIdError("national_id_taken", provider.name)
        _record(user, person, identity, nid_hash)
        db.session.flush()
        return Outcome(user, "signed_in")
    holder = _holder_of(nid_hash) if nid_hash else None
    claimed = False
    if holder is not None:
        if any(i.national_id_hash == nid_hash for i in holder.digital_identities):
            _record(holder, person, None, nid_hash)
            db.session.flush()
            return Outcome(holder, "matched_national_id")
        if not claim_national_id:
            raise DigitalIdError("national_id_declared", provider.name)
        _release_declaration(holder, provider)
        claimed = True
    email = person.email
    if email and db.session.scalar(select(User.id).where(User.email == email)) is not None:
        email = None
    user = User(
        display_name=(person.name or "")[:80] or None,
        email=email,
        email_verified_at=db.utcnow() if email else None,
        locale=locale,
    )
    db.session.add(user)
    _record(user, person, None, nid_hash)
    db.session.flush()
    return Outcome(user, "claimed_national_id" if claimed else "created")


def _release_declaration(holder: User, provider: Provider) -> None:
    """Remove a declared (unproven) national ID that a digital ID proved to be someone's."""
    from participation.notifications.services import enqueue_email

    holder.national_id_hash = None
    holder.national_id_verified_at = None
    db.session.flush()
    if holder.email:
        enqueue_email(
            to_address=holder.email,
            template="accounts/national_id_released",
            locale=holder.locale,
            context={"user": holder, "provider": provider.display_name(holder.locale)},
            user_id=holder.id,
        )


def link(user: User, person: VerifiedPerson) -> Outcome:
    """Prove the signed-in ``user`` with this digital ID.

    Refused (without naming any other account) when the digital ID is linked
    to another account, when the account declared a different national ID, or
    when another account holds the proven national ID.
    """
    provider = person.provider
    digest = subject_hash(provider, person.subject)
    nid_hash = national_id_hash(person.national_id) if person.national_id else None
    identity = _find_identity(provider, digest)
    if identity is not None and identity.user_id != user.id:
        if not identity.user.is_deleted:
            raise DigitalIdError("digital_id_taken", provider.name)
        db.session.delete(identity)
        db.session.flush()
        identity = None
    if nid_hash:
        if user.national_id_hash not in (None, nid_hash):
            raise DigitalIdError("national_id_mismatch", provider.name)
        if _holder_of(nid_hash, other_than=user.id) is not None:
            raise DigitalIdError("national_id_taken", provider.name)
    try:
        with db.session.begin_nested():
            _record(user, person, identity, nid_hash)
            db.session.flush()
    except IntegrityError:
        # Another request claimed the digital ID or the national ID at this moment.
        raise DigitalIdError("conflict", provider.name) from None
    return Outcome(user, "linked")


@dataclass
class VerifiedDetails:
    name: str | None
    birthdate: date | None
    provider: str
    verified_at: datetime


def verified_details(user: User) -> VerifiedDetails | None:
    """The most recently verified name and birth date, for initiative types that need them.

    Decrypts on demand; None if the person never proved a digital ID.
    """
    if not user.digital_identities:
        return None
    identity = max(user.digital_identities, key=lambda i: i.verified_at)
    name = (
        crypto.decrypt(DETAILS_PURPOSE, identity.verified_name_encrypted)
        if identity.verified_name_encrypted
        else None
    )
    birthdate = (
        date.fromisoformat(crypto.decrypt(DETAILS_PURPOSE, identity.birthdate_encrypted))
        if identity.birthdate_encrypted
        else None
    )
    return VerifiedDetails(name, birthdate, identity.provider, identity.verified_at)


def forget(user: User) -> None:
    """Remove every digital-ID link and detail of ``user`` (account deletion)."""
    user.digital_identities.clear()
    user.digital_id_verified_at = None
    db.session.flush()
