"""Initiative forms. Citizens' forms derive from PublicForm; staff forms from Form."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from participation.i18n import _l
from participation.initiatives.models import SignerLevel
from participation.initiatives.services import (
    BODY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)
from participation.web.forms import Form, PublicForm


def return_reason_labels() -> dict[str, str]:
    return {
        "unclear": _l("The proposal is unclear or incomplete"),
        "out_of_scope": _l("Outside the powers of the receiving organisation"),
        "unlawful": _l("Contrary to the Constitution or the law"),
        "duplicate": _l("Duplicates an initiative already collecting"),
        "offensive": _l("Offensive or discriminatory content"),
        "personal_data": _l("Contains other people's personal data"),
        "other": _l("Other reason (see the note)"),
    }


def authority_event_labels() -> dict[str, str]:
    return {
        "received": _l("Received by the organisation"),
        "in_committee": _l("Under consideration in a committee"),
        "hearing": _l("Hearing held"),
        "decision": _l("Decision"),
        "other": _l("Other step"),
    }


class InitiativeForm(PublicForm):
    type_id = SelectField(
        _l("Type of initiative"), coerce=int, validators=[InputRequired(_l("Please choose a type."))]
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give a title.")),
            Length(max=TITLE_MAX, message=_l("The title has at most %(max)d characters.")),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One paragraph shown in lists."),
        validators=[
            DataRequired(_l("Please write a summary.")),
            Length(max=SUMMARY_MAX, message=_l("The summary has at most %(max)d characters.")),
        ],
    )
    body = TextAreaField(
        _l("Full text"),
        description=_l("The proposal and its reasons. You can use Markdown: headings, lists, links."),
        validators=[
            DataRequired(_l("Please write the full text.")),
            Length(max=BODY_MAX, message=_l("The text has at most %(max)d characters.")),
        ],
    )
    topic = StringField(
        _l("Topic"),
        description=_l("For example: environment, education, transport."),
        validators=[Optional(), Length(max=64, message=_l("The topic has at most %(max)d characters."))],
    )
    duration_days = IntegerField(
        _l("Collection period (days)"),
        validators=[
            InputRequired(_l("Please give the number of days.")),
            NumberRange(
                min=1, max=730, message=_l("Please give a number of days between %(min)s and %(max)s.")
            ),
        ],
    )


class InviteForm(Form):
    email = EmailField(
        _l("Co-author's email address"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Please enter an email address.")),
            Email(
                message=_l("Please enter a valid email address, like name@example.com."),
                check_deliverability=False,
            ),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
        ],
    )


class ReturnForm(Form):
    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(
        _l("Public note to the authors"),
        validators=[Optional(), Length(max=2000, message=_l("The note has at most %(max)d characters."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice(code, label) for code, label in return_reason_labels().items()]


class SignForm(PublicForm):
    consent = BooleanField(
        _l("I agree that my signature and the details above are kept for this initiative as explained."),
        validators=[DataRequired(_l("Please agree to the use of your signature to sign."))],
    )
    show_name = BooleanField(_l("Show my name in the public list of signers"), default=False)
    full_name = StringField(
        _l("Full name (as on your ID card)"),
        validators=[Optional(), Length(max=200, message=_l("The name has at most %(max)d characters."))],
        render_kw={"autocomplete": "name"},
    )
    national_id = StringField(
        _l("National ID number"),
        validators=[Optional(), Length(max=40, message=_l("A national ID number has exactly 13 digits."))],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )


class PaperBatchForm(Form):
    count = IntegerField(
        _l("Number of paper signatures"),
        validators=[
            InputRequired(_l("Please give the number of signatures.")),
            NumberRange(
                min=1, max=10_000_000, message=_l("Please give a number between %(min)s and %(max)s.")
            ),
        ],
    )
    received_on = DateField(_l("Received on"), validators=[InputRequired(_l("Please give the date."))])
    note = StringField(
        _l("Note"),
        validators=[Optional(), Length(max=500, message=_l("The note has at most %(max)d characters."))],
    )


class TimelineForm(Form):
    code = SelectField(_l("Step"), validators=[DataRequired(_l("Please choose a step."))])
    text = TextAreaField(
        _l("Public text"),
        validators=[
            DataRequired(_l("Please write what happened.")),
            Length(max=10_000, message=_l("The text has at most %(max)d characters.")),
        ],
    )
    documents = MultipleFileField(_l("Documents (PDF)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = [SelectChoice(code, label) for code, label in authority_event_labels().items()]


class ResponseForm(Form):
    text = TextAreaField(
        _l("The organisation's decision"),
        validators=[
            DataRequired(_l("Please write the decision.")),
            Length(max=BODY_MAX, message=_l("The text has at most %(max)d characters.")),
        ],
    )
    documents = MultipleFileField(_l("Documents (PDF)"))


class TypeForm(Form):
    slug = StringField(
        _l("Short name"),
        validators=[
            DataRequired(_l("Please give a short name.")),
            Length(max=64, message=_l("At most %(max)d characters.")),
        ],
    )
    name_th = StringField(
        _l("Name (Thai)"),
        validators=[
            DataRequired(_l("Please give the Thai name.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    name_en = StringField(
        _l("Name (English)"),
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))],
    )
    organisation_id = SelectField(_l("Receiving organisation"), coerce=int)
    threshold = IntegerField(
        _l("Signature threshold"),
        validators=[
            InputRequired(_l("Please give the threshold.")),
            NumberRange(
                min=1, max=10_000_000, message=_l("Please give a number between %(min)s and %(max)s.")
            ),
        ],
    )
    max_days = IntegerField(
        _l("Maximum signing period (days)"),
        validators=[
            InputRequired(_l("Please give the number of days.")),
            NumberRange(
                min=1, max=730, message=_l("Please give a number of days between %(min)s and %(max)s.")
            ),
        ],
    )
    min_identity_level = SelectField(
        _l("Minimum identity to sign"),
        choices=[
            SelectChoice(SignerLevel.email.value, _l("Confirmed email")),
            SelectChoice(SignerLevel.national_id.value, _l("Declared national ID")),
            SelectChoice(SignerLevel.digital_id.value, _l("Digital ID")),
        ],
    )
    requires_personal_details = BooleanField(_l("Signers give full name and national ID for verification"))
    response_days = IntegerField(
        _l("Response deadline (days after hand-over)"),
        validators=[
            InputRequired(_l("Please give the number of days.")),
            NumberRange(
                min=1, max=730, message=_l("Please give a number of days between %(min)s and %(max)s.")
            ),
        ],
    )
    legal_basis = StringField(
        _l("Legal basis"), validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))]
    )
    active = BooleanField(_l("Open to new initiatives"), default=True)


__all__ = [
    "InitiativeForm",
    "InviteForm",
    "ReturnForm",
    "SignForm",
    "PaperBatchForm",
    "TimelineForm",
    "ResponseForm",
    "TypeForm",
]
