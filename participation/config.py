"""Settings from environment variables.

Every setting has an environment variable ``PARTICIPATION_<NAME>``. Secrets
(``SECRET_KEY``, ``IDENTITY_KEY``, ``ENCRYPTION_KEY``) are required in
production; in development they are generated once and kept in the instance
folder, so restarting the app does not sign everybody out or change identity
keys, and no secret is ever written in the code.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

#: Secrets that must be set in production. Generated per instance otherwise.
SECRET_NAMES = ("SECRET_KEY", "IDENTITY_KEY", "ENCRYPTION_KEY")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"PARTICIPATION_{name} must be a whole number, got {value!r}") from exc


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Read every setting from the environment into a Flask config mapping."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str | None = None) -> str | None:
        return env.get(f"PARTICIPATION_{name}", default)

    mode = (get("ENV", "development") or "development").lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigError("PARTICIPATION_ENV must be development, production or testing")
    return {
        "ENV_MODE": mode,
        "DATABASE_URL": get("DATABASE_URL"),
        "SECRET_KEY": get("SECRET_KEY"),
        "IDENTITY_KEY": get("IDENTITY_KEY"),
        "ENCRYPTION_KEY": get("ENCRYPTION_KEY"),
        "BASE_URL": (get("BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "MAIL_SERVER": get("MAIL_SERVER"),
        "MAIL_PORT": _int("MAIL_PORT", get("MAIL_PORT"), 587),
        "MAIL_SECURITY": (get("MAIL_SECURITY", "starttls") or "starttls").lower(),
        "MAIL_USERNAME": get("MAIL_USERNAME"),
        "MAIL_PASSWORD": get("MAIL_PASSWORD"),
        "MAIL_FROM": get("MAIL_FROM", "no-reply@participation.localhost"),
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(get("RATELIMIT_ENABLED"), True),
        "PROXY_COUNT": _int("PROXY_COUNT", get("PROXY_COUNT"), 0),
        "SESSION_COOKIE_SECURE": mode == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": mode == "production",
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", get("MAX_CONTENT_LENGTH"), 12 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "BABEL_DEFAULT_LOCALE": "th",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", get("LOGIN_MAX_FAILURES"), 8),
        "LOGIN_LOCK_MINUTES": _int("LOGIN_LOCK_MINUTES", get("LOGIN_LOCK_MINUTES"), 15),
        "FORM_MIN_SECONDS": _int("FORM_MIN_SECONDS", get("FORM_MIN_SECONDS"), 2),
        "EMAIL_TOKEN_MAX_AGE": _int("EMAIL_TOKEN_MAX_AGE", get("EMAIL_TOKEN_MAX_AGE"), 3 * 86400),
        "OIDC_PROVIDERS": parse_oidc_providers(get("OIDC_PROVIDERS"), env, mode),
        "OIDC_HTTP_TIMEOUT": _int("OIDC_HTTP_TIMEOUT", get("OIDC_HTTP_TIMEOUT"), 5),
        "OIDC_DISCOVERY_TTL": _int("OIDC_DISCOVERY_TTL", get("OIDC_DISCOVERY_TTL"), 3600),
        "PAGE_CACHE_SECONDS": _int("PAGE_CACHE_SECONDS", get("PAGE_CACHE_SECONDS"), 5),
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", get("PAGE_CACHE_ENTRIES"), 256),
        "HEARING_MIN_DAYS": _int("HEARING_MIN_DAYS", get("HEARING_MIN_DAYS"), 15),
        "HEARING_ATTACHMENT_MAX_BYTES": _int(
            "HEARING_ATTACHMENT_MAX_BYTES", get("HEARING_ATTACHMENT_MAX_BYTES"), 10 * 1024 * 1024
        ),
    }


def ensure_secrets(config: dict, instance_path: str) -> None:
    """Fill missing secrets, or refuse to start in production.

    In development and testing a missing secret is generated once and stored in
    ``<instance>/secrets.json`` (mode 0600) so it survives restarts.
    """
    missing = [name for name in SECRET_NAMES if not config.get(name)]
    if not missing:
        return
    if config.get("ENV_MODE") == "production":
        names = ", ".join(f"PARTICIPATION_{name}" for name in missing)
        raise ConfigError(
            f"Missing secret setting(s) in production: {names}. "
            "Set each to a long random value, e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`."
        )
    path = Path(instance_path) / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = secrets.token_urlsafe(48)
            changed = True
        config[name] = stored[name]
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        path.chmod(0o600)


# --- digital ID (OpenID Connect) providers ------------------------------------

#: Keys a provider entry may have in PARTICIPATION_OIDC_PROVIDERS (see docs/digital-id.md).
OIDC_PROVIDER_KEYS = {
    "name",
    "issuer",
    "client_id",
    "client_secret",
    "scopes",
    "id_claim",
    "name_claim",
    "birthdate_claim",
    "name_th",
    "name_en",
    "token_auth_method",
}
OIDC_NAME_RE = r"^[a-z][a-z0-9-]{0,31}$"


def parse_oidc_providers(
    raw: str | list | None, environ: dict[str, str] | None = None, mode: str = "development"
) -> list[dict[str, object]]:
    """Validate the digital-ID providers (a JSON list of objects, or the list itself).

    Each provider's client secret may be left out of the JSON and given in
    ``PARTICIPATION_OIDC_<NAME>_CLIENT_SECRET`` instead (name upper-cased,
    dashes as underscores), so the list can live in ordinary configuration and
    the secret in a secret store. Raises ConfigError saying what is wrong.
    """
    import re

    if raw is None or raw == "" or raw == []:
        return []
    env = os.environ if environ is None else environ
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"PARTICIPATION_OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise ConfigError("PARTICIPATION_OIDC_PROVIDERS must be a JSON list of provider objects")
    providers: list[dict[str, object]] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"PARTICIPATION_OIDC_PROVIDERS[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be an object")
        unknown = set(entry) - OIDC_PROVIDER_KEYS
        if unknown:
            raise ConfigError(f"{where} has unknown key(s): {', '.join(sorted(unknown))}")
        name = str(entry.get("name") or "")
        if not re.match(OIDC_NAME_RE, name):
            raise ConfigError(f"{where}.name must be 1-32 lower-case letters, digits or dashes, got {name!r}")
        if name in seen:
            raise ConfigError(f"{where}.name {name!r} is used twice")
        seen.add(name)
        issuer = str(entry.get("issuer") or "").rstrip("/")
        local = issuer.startswith(("http://127.0.0.1", "http://localhost"))
        if not issuer.startswith("https://") and not (local and mode != "production"):
            raise ConfigError(f"{where}.issuer must be an https:// URL, got {issuer!r}")
        client_id = str(entry.get("client_id") or "")
        if not client_id:
            raise ConfigError(f"{where}.client_id is required")
        secret_env = f"PARTICIPATION_OIDC_{name.upper().replace('-', '_')}_CLIENT_SECRET"
        client_secret = entry.get("client_secret") or env.get(secret_env)
        if not client_secret:
            raise ConfigError(f"{where}.client_secret is required (or set {secret_env})")
        scopes = entry.get("scopes") or "openid"
        if isinstance(scopes, list):
            scopes = " ".join(str(s) for s in scopes)
        scope_list = str(scopes).split()
        if "openid" not in scope_list:
            scope_list.insert(0, "openid")
        method = entry.get("token_auth_method") or "client_secret_basic"
        if method not in {"client_secret_basic", "client_secret_post"}:
            raise ConfigError(f"{where}.token_auth_method must be client_secret_basic or client_secret_post")
        name_th = str(entry.get("name_th") or "")
        if not name_th:
            raise ConfigError(f"{where}.name_th (the name shown on the buttons) is required")
        providers.append(
            {
                "name": name,
                "issuer": issuer,
                "client_id": client_id,
                "client_secret": str(client_secret),
                "scopes": " ".join(scope_list),
                "id_claim": entry.get("id_claim") or None,
                "name_claim": entry.get("name_claim") or "name",
                "birthdate_claim": entry.get("birthdate_claim") or "birthdate",
                "name_th": name_th,
                "name_en": str(entry.get("name_en") or name_th),
                "token_auth_method": method,
            }
        )
    return providers
