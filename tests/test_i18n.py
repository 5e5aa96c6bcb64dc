"""Thai is complete, English is complete, catalogues are compiled, dates are B.E."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import read_mo

from participation.i18n import format_date, format_datetime, format_number
from participation.i18n_tools import read_catalogue, untranslated

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def test_thai_catalogue_is_complete():
    missing = untranslated(TRANSLATIONS / "th" / "LC_MESSAGES" / "messages.po")
    assert missing == [], f"{len(missing)} untranslated or fuzzy Thai messages, e.g. {missing[:5]}"


def test_english_catalogue_is_complete():
    missing = untranslated(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    assert missing == []


def test_catalogues_cover_the_template():
    template = {m.id for m in read_catalogue(TRANSLATIONS / "messages.pot") if m.id}
    for locale in ("th", "en"):
        ids = {m.id for m in read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po") if m.id}
        assert template <= ids, f"{locale} lacks {sorted(template - ids)[:5]}: run participation i18n update"


def _normalised(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalogues_are_current():
    for locale in ("th", "en"):
        po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        po = {_normalised(m.id): _normalised(m.string) for m in read_catalogue(po_path) if m.id}
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
            mo = {_normalised(m.id): _normalised(m.string) for m in read_mo(fh) if m.id}
        assert po == mo, f"{locale}: run participation i18n compile"


def test_every_template_string_is_extracted():
    """A string wrapped in _() but missing from the .pot means extraction was not run."""
    import re

    template = {m.id for m in read_catalogue(TRANSLATIONS / "messages.pot") if m.id}
    root = TRANSLATIONS.parent / "templates"
    pattern = re.compile(r'_\("((?:[^"\\]|\\.)+)"')
    for path in root.rglob("*.html"):
        for found in pattern.findall(path.read_text(encoding="utf-8")):
            message = found.replace('\\"', '"')
            assert message in template, f"{path.name}: {message!r} not extracted"


def test_buddhist_era_dates(app):
    moment = datetime(2026, 11, 21, 7, 30, tzinfo=UTC)  # 14:30 in Bangkok
    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert format_date(moment) == "21 พฤศจิกายน 2569"
        assert format_datetime(moment) == "21 พฤศจิกายน 2569, 14:30 น."
        assert format_number(10000) == "10,000"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_date(moment) == "21 November 2026"
        assert format_datetime(moment) == "21 November 2026, 14:30"


def test_date_near_midnight_uses_bangkok_day(app):
    moment = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # 1 January 2027, 01:00 in Bangkok
    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert format_date(moment) == "1 มกราคม 2570"


def test_months_for_charts(app):
    from participation.i18n import format_month

    with app.test_request_context(headers={"Accept-Language": "th"}):
        assert format_month("2026-11") == "พ.ย. 2569"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_month("2026-11") == "Nov 2026"


def test_kept_catalogue_follows_force_locale(app):
    """The cheap lookup must notice every change of locale within one request."""
    from flask import render_template_string
    from flask_babel import force_locale

    from participation.i18n import _, ngettext

    with app.test_request_context("/", headers={"Accept-Language": "th"}):
        assert _("Comments") == "ความคิดเห็น"
        with force_locale("en"):  # an email in the recipient's language
            assert _("Comments") == "Comments"
            assert render_template_string("{{ _('Comments') }}") == "Comments"
            assert ngettext("%(num)d day left", "%(num)d days left", 2) == "2 days left"
        assert _("Comments") == "ความคิดเห็น"
        assert render_template_string("{{ _('Comments') }}") == "ความคิดเห็น"


def test_every_wtforms_message_has_a_thai_translation():
    """WTForms ships no Thai: its built-in messages are merged into our catalogue
    (``participation i18n update``) and must be translated like ours."""
    from participation.i18n_tools import wtforms_template

    builtin = {m.id for m in read_catalogue(wtforms_template()) if m.id}
    thai = {
        m.id: m.string for m in read_catalogue(TRANSLATIONS / "th" / "LC_MESSAGES" / "messages.po") if m.id
    }
    missing = [
        m
        for m in builtin
        if not thai.get(m) or not all(_normalised(thai[m]) if isinstance(m, tuple) else [thai[m]])
    ]
    assert len(builtin) > 30
    assert missing == [], f"run participation i18n update and translate {missing[:5]}"


def test_every_form_derives_from_the_base_form():
    """Only ``participation.web.forms.Form`` looks WTForms' messages up in our catalogue."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import participation
    from participation.web.forms import Form

    for module in pkgutil.walk_packages(participation.__path__, "participation."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {c for c in subclasses(FlaskForm) if c.__module__.startswith("participation.")}
    assert len(ours) > 30
    assert [c.__qualname__ for c in ours if not issubclass(c, Form)] == []
