"""The bases of every form: ``Form`` (CSRF from Flask-WTF, WTForms' own
messages in the reader's language) and ``PublicForm`` (plus bot traps).

Bot traps cost a human nothing: a field hidden from people (bots fill it)
and a signed timestamp refusing forms sent faster than a person can type.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from participation.i18n import _, _l, translations


class _WTFormsTranslations:
    """WTForms' built-in messages ("This field is required.") from the platform's catalogue.

    WTForms ships no Thai catalogue, and Flask-WTF's own lookup reads WTForms'
    catalogue from disk on every request. ``participation i18n update`` merges
    WTForms' message template into ours, so these messages are translated like
    every other string and looked up the same cheap way.
    """

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


_WTFORMS_TRANSLATIONS = _WTFormsTranslations()


class Form(FlaskForm):
    """The base of every form: Flask-WTF's CSRF protection, messages in the reader's language."""

    class Meta:
        def get_translations(self, form):
            return _WTFORMS_TRANSLATIONS


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-started")


class PublicForm(Form):
    """A form people fill in: refuses obvious bots without a CAPTCHA."""

    #: Hidden from people with CSS and aria-hidden; a bot filling it is refused.
    website = StringField(_l("Leave this field empty"))
    form_started = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.form_started.data = _serializer().dumps(int(time.time()))

    def validate_website(self, field):
        if field.data:
            raise ValidationError(_("This form looks automated. Please leave the hidden field empty."))

    def validate_form_started(self, field):
        minimum = current_app.config.get("FORM_MIN_SECONDS", 3)
        if not minimum:
            return
        try:
            started = int(_serializer().loads(field.data or ""))
        except (BadSignature, ValueError, TypeError):
            raise ValidationError(
                _("The form could not be checked. Please reload the page and try again.")
            ) from None
        if time.time() - started < minimum:
            raise ValidationError(_("That was very fast. Please check the form and send it again."))


def options(pairs) -> list:
    """Choices for a SelectField or RadioField from ``(value, label)`` pairs."""
    from wtforms.fields.choices import SelectChoice

    return [pair if isinstance(pair, SelectChoice) else SelectChoice(*pair) for pair in pairs]
