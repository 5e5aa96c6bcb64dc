"""Forms of the hearing pages. Staff forms derive from Form; citizens' derive from PublicForm.

Date-times are entered in Asia/Bangkok local time and converted to UTC here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from participation.hearings.models import DispositionOutcome, HearingKind, LawType, QuestionKind
from participation.i18n import BANGKOK, _l, to_local
from participation.web.forms import Form, PublicForm

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive Asia/Bangkok wall-clock time from a form, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=BANGKOK).astimezone(UTC)


def utc_to_local(value: datetime | None) -> datetime | None:
    """For filling a form: the UTC time as a naive Bangkok wall-clock time."""
    if value is None:
        return None
    return to_local(value).replace(tzinfo=None)


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]


def kind_choices():
    return [
        (HearingKind.draft_law.value, _l("Draft law")),
        (HearingKind.evaluation.value, _l("Evaluation of a law in force")),
    ]


def law_type_choices():
    return [
        (LawType.act.value, _l("Act")),
        (LawType.royal_decree.value, _l("Royal decree")),
        (LawType.ministerial_regulation.value, _l("Ministerial regulation")),
        (LawType.local_ordinance.value, _l("Local ordinance")),
        (LawType.other.value, _l("Other")),
    ]


def level_choices():
    return [
        ("1", _l("Verified email address")),
        ("2", _l("Declared national ID")),
        ("3", _l("Digital ID")),
    ]


def outcome_choices():
    return [
        (DispositionOutcome.accepted.value, _l("Accepted")),
        (DispositionOutcome.partly_accepted.value, _l("Partly accepted")),
        (DispositionOutcome.not_accepted.value, _l("Not accepted")),
        (DispositionOutcome.out_of_scope.value, _l("Outside the scope of the draft")),
    ]


def _required():
    return DataRequired(message=_l("Please fill in this field."))


class HearingForm(Form):
    organisation_id = SelectField(_l("Lead organisation"), coerce=int, validators=[InputRequired()])
    title_th = StringField(_l("Title (Thai)"), validators=[_required(), Length(max=300)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=300)])
    summary_th = TextAreaField(
        _l("Plain-language summary (Thai)"),
        validators=[_required(), Length(max=10_000)],
        description=_l("What the draft changes, for whom, and why, in words everyone understands."),
    )
    summary_en = TextAreaField(_l("Summary (English, optional)"), validators=[Optional(), Length(max=10_000)])
    kind = SelectField(
        _l("Kind of hearing"), choices=lambda: options(kind_choices()), validators=[InputRequired()]
    )
    law_type = SelectField(
        _l("Type of law"), choices=lambda: options(law_type_choices()), validators=[InputRequired()]
    )
    co_host_ids = SelectMultipleField(
        _l("Co-hosting organisations (optional)"), coerce=int, validators=[Optional()]
    )
    contact = TextAreaField(
        _l("Public contact"),
        validators=[_required(), Length(max=500)],
        description=_l(
            "The responsible unit's address, telephone and email (not a person's private details)."
        ),
    )
    opens_at = DateTimeLocalField(
        _l("Opens at (Bangkok time)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired(message=_l("Please give a date and time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (Bangkok time)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired(message=_l("Please give a date and time."))],
    )
    required_level = SelectField(
        _l("Identity needed to take part"), choices=lambda: options(level_choices()), default="1"
    )
    premoderated = BooleanField(_l("Comments wait for a moderator before they appear"))
    attachment = FileField(
        _l("Attach a document (PDF, DOCX or ODT, optional)"),
        description=_l("For example the full draft as signed, or the regulatory impact assessment."),
    )


class TextForm(Form):
    text = TextAreaField(
        _l("The whole text"),
        validators=[_required()],
        description=_l(
            "Paste the draft as plain text. Lines starting with หมวด or ส่วนที่ and a number become headings; "
            "lines starting with มาตรา (or ข้อ) and a number start a new section; text before the first "
            "section is the preamble."
        ),
    )


class SectionForm(Form):
    prefix = StringField(
        _l("Word before the number"), validators=[Optional(), Length(max=20)], default="มาตรา"
    )
    number = StringField(_l("Number"), validators=[Optional(), Length(max=20)])
    heading = StringField(_l("Heading (chapters only)"), validators=[Optional(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[Optional()])


class AddSectionForm(SectionForm):
    kind = SelectField(
        _l("Kind"),
        choices=lambda: options(
            [("section", _l("Section")), ("chapter", _l("Chapter heading")), ("preamble", _l("Preamble"))]
        ),
    )


class QuestionForm(Form):
    prompt = StringField(_l("Question"), validators=[_required(), Length(max=500)])
    kind = SelectField(
        _l("Answers"),
        choices=lambda: options(
            [
                (QuestionKind.yes_no.value, _l("Yes or no")),
                (QuestionKind.single.value, _l("One choice")),
                (QuestionKind.multiple.value, _l("Several choices")),
            ]
        ),
    )
    choices = TextAreaField(
        _l("Choices (one per line)"),
        validators=[Optional()],
        description=_l("Not needed for yes/no questions."),
    )
    allow_reason = BooleanField(_l("Ask for a reason with the answer"), default=True)


class AttachmentForm(Form):
    attachment = FileField(_l("Document (PDF, DOCX or ODT)"))


class ExtendForm(Form):
    closes_at = DateTimeLocalField(
        _l("New closing time (Bangkok time)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired(message=_l("Please give a date and time."))],
    )
    reason = TextAreaField(_l("Public reason for the extension"), validators=[_required(), Length(max=2000)])


class PublishVersionForm(Form):
    note = TextAreaField(_l("Public note: what changed and why"), validators=[_required(), Length(max=5000)])


class DispositionForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=lambda: options(outcome_choices()),
        validators=[InputRequired(message=_l("Please choose an outcome."))],
    )
    explanation = TextAreaField(
        _l("Explanation to the commenter"), validators=[_required(), Length(max=5000)]
    )
    #: Checked by the service (a section of a revised version of this hearing).
    changed_section_id = SelectField(
        _l("Section of the new version that changed (optional)"), coerce=str, validate_choice=False
    )


class ReportForm(Form):
    summary = TextAreaField(
        _l("Written summary of the hearing"),
        validators=[Optional(), Length(max=50_000)],
        description=_l("What people said, what the agency changed, and what happens next."),
    )


class QuestionnaireForm(PublicForm):
    """The answers themselves are fields named after each question (built in the view)."""
