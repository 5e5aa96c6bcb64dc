"""Translation helpers, locale selection and Buddhist-Era dates.

Thai is the default. The locale comes from, in order: the signed-in user's
setting, the ``lang`` cookie, the browser's Accept-Language, then Thai.
Dates for Thai readers use the Buddhist Era (B.E. = C.E. + 543) in the
Asia/Bangkok zone, e.g. ``21 พฤศจิกายน 2569, 14:30 น.``.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from flask import request
from flask.globals import _cv_app
from flask_babel import format_decimal as _format_decimal
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user

__all__ = ["_", "_l", "ngettext", "LOCALES", "BANGKOK", "select_locale"]

#: Supported locales, default first.
LOCALES = ("th", "en")
LOCALE_COOKIE = "lang"
BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543


def translations():
    """``flask_babel.get_translations()``, made cheap for pages that look up hundreds of strings.

    Flask-Babel finds the catalogue anew on every lookup (the context, the domain, the
    locale, a cache keyed by the locale's name: about ten calls). The catalogue is kept
    here on the same per-context namespace, next to the locale it belongs to, and used
    while that locale is still the current one (``force_locale``, used for emails in the
    recipient's language, and ``refresh`` replace the locale, so they are noticed).
    """
    app_context = _cv_app.get(None)
    space = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    if space is not None:
        kept = getattr(space, "participation_translations", None)
        if kept is not None and kept[0] is getattr(space, "babel_locale", None):
            return kept[1]
    found = get_translations()
    space = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    locale = getattr(space, "babel_locale", None)
    if locale is not None:
        space.participation_translations = (locale, found)
    return found


def gettext(string: str, **variables) -> str:
    """The translation of ``string`` in the current locale, ``%(name)s`` filled from ``variables``."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Singular or plural translation for ``num``; ``%(num)d`` and ``variables`` filled in."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


_ = gettext


def _l(string: str, **variables) -> LazyString:
    """``_`` translated when used (labels defined at import time): Flask-Babel's
    ``lazy_gettext``, on the cheaper lookup above."""
    return LazyString(gettext, string, **variables)


def select_locale() -> str:
    """The locale for this request (see module docstring for the order)."""
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    if request.accept_languages:
        best = request.accept_languages.best_match(LOCALES)
        if best:
            return best
    return LOCALES[0]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else LOCALES[0]


def to_local(value: datetime) -> datetime:
    """A UTC timestamp in the Asia/Bangkok zone."""
    return value.astimezone(BANGKOK)


@functools.lru_cache(maxsize=32)
def _month_names(width: str, language: str) -> dict[int, str]:
    """Babel's month names, looked up once per width and language (a page shows dozens of dates)."""
    return dict(get_month_names(width, locale=language))


def format_date(value: date | datetime | None, language: str | None = None) -> str:
    """A date for the reader: ``21 พฤศจิกายน 2569`` or ``21 November 2026``."""
    if value is None:
        return ""
    language = language or current_language()
    if isinstance(value, datetime):
        value = to_local(value)
    month = _month_names("wide", language)[value.month]
    year = value.year + BE_OFFSET if language == "th" else value.year
    return f"{value.day} {month} {year}"


def format_datetime(value: datetime | None, language: str | None = None) -> str:
    """Date and time for the reader: ``21 พฤศจิกายน 2569, 14:30 น.``."""
    if value is None:
        return ""
    language = language or current_language()
    local = to_local(value)
    suffix = " น." if language == "th" else ""
    return f"{format_date(local, language)}, {local:%H:%M}{suffix}"


def format_month(key: str, language: str | None = None) -> str:
    """A ``YYYY-MM`` month for the reader: ``พ.ย. 2569`` or ``Nov 2026``."""
    language = language or current_language()
    year, month = int(key[:4]), int(key[5:7])
    name = _month_names("abbreviated", language)[month]
    return f"{name} {year + BE_OFFSET if language == 'th' else year}"


def format_number(value: int | float | None) -> str:
    """A number with the reader's grouping, e.g. ``10,000``."""
    if value is None:
        return ""
    return _format_decimal(value)


def localized(obj, field: str) -> str:
    """``obj.<field>_<lang>`` for the reader's language, falling back to Thai."""
    language = current_language()
    value = getattr(obj, f"{field}_{language}", None)
    return value or getattr(obj, f"{field}_th", "") or ""


def init_app(app) -> None:
    # The same callables Flask-Babel installs, on the cheaper catalogue lookup.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, num: translations().ungettext(singular, plural, num),
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: translations().unpgettext(
            context, singular, plural, num
        ),
        newstyle=True,
    )
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["LOCALES"] = LOCALES
