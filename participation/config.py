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
        "HEARING_MIN_DAYS": _int("HEARING_MIN_DAYS", get("HEARING_MIN_DAYS"), 15),
        "HEARING_ATTACHMENT_MAX_BYTES": _int("HEARING_ATTACHMENT_MAX_BYTES", get("HEARING_ATTACHMENT_MAX_BYTES"), 10 * 1024 * 1024),
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
