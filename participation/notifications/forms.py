"""Forms: follow by email (public) and delivery preferences (account)."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from participation.i18n import _l
from participation.web.forms import Form, PublicForm


class SubscribeForm(PublicForm):
    """Follow a subject with an email address only (confirmed by a link)."""

    email = EmailField(
        _l("Email address"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(
                message=_l("Please enter a valid email address, like name@example.com."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email"},
        description=_l("We only use it to send you news about this page. It is never shown to anyone."),
    )
    digest = BooleanField(_l("Send me one email a day at most (daily digest)"))


class PreferencesForm(Form):
    delivery = RadioField(
        _l("How do you want to receive news?"),
        choices=[
            SelectChoice("immediate", _l("One email for each event")),
            SelectChoice("digest", _l("One daily digest, grouped by subject")),
        ],
        default="immediate",
        validators=[DataRequired(_l("Please choose how to receive news."))],
    )
    paused = BooleanField(
        _l("Pause all notification emails"),
        description=_l("Account emails, such as password resets, are still sent."),
    )
