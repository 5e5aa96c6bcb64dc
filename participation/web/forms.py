"""The base for public forms: CSRF (from Flask-WTF) plus bot traps.

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

from participation.i18n import _, _l


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-started")


class PublicForm(FlaskForm):
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
