"""Budgeting forms. Staff forms derive from Form, residents' from PublicForm."""

from __future__ import annotations

from datetime import UTC

from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from participation.budgeting.models import BallotType, BudgetProcess, ImplementationStatus, Rule
from participation.budgeting.services import PHASE_STARTS, DistrictSpec, current_settings
from participation.i18n import BANGKOK, _, _l
from participation.identity import IdentityLevel
from participation.web.forms import Form, PublicForm, options

_COST = _l("Please enter a whole number of baht greater than zero.")
#: The phase date fields, in order (named like the process's columns).
PHASE_FIELDS = tuple(name for _phase, name in PHASE_STARTS)


def to_utc(value):
    """A Bangkok local date-time from a form, as an aware UTC datetime."""
    return value.replace(tzinfo=BANGKOK).astimezone(UTC) if value is not None else None


def _levels():
    return options(
        [
            ("1", _l("Verified email address")),
            ("2", _l("Declared national ID")),
            ("3", _l("Digital ID")),
        ]
    )


def _phase_date(label):
    return DateTimeLocalField(
        label,
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Please enter a date and time."))],
        description=_l("Bangkok time."),
    )


class ProcessForm(Form):
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    slug = StringField(
        _l("Short name for the address"),
        validators=[
            DataRequired(_l("Please enter a short name.")),
            Length(max=80, message=_l("At most 80 characters.")),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case Latin letters, digits and dashes.")),
        ],
        description=_l("For example bang-rak-2570."),
    )
    title_th = StringField(
        _l("Title (Thai)"),
        validators=[
            DataRequired(_l("Please enter a title.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    title_en = StringField(
        _l("Title (English)"), validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))]
    )
    description_th = TextAreaField(
        _l("Description (Thai)"), validators=[Length(max=20000, message=_l("At most 20,000 characters."))]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Length(max=20000, message=_l("At most 20,000 characters."))]
    )
    total_budget = IntegerField(
        _l("Total budget"),
        validators=[InputRequired(_COST), NumberRange(min=1, message=_COST)],
    )
    currency = StringField(
        _l("Currency"),
        default="THB",
        validators=[Length(min=3, max=3, message=_l("A three-letter currency code, e.g. THB."))],
    )
    proposals_opens_at = _phase_date(_l("Proposals open"))
    review_opens_at = _phase_date(_l("Review starts (proposals close)"))
    voting_opens_at = _phase_date(_l("Voting opens"))
    voting_closes_at = _phase_date(_l("Voting closes (results)"))
    implementation_opens_at = _phase_date(_l("Implementation starts"))
    districts = TextAreaField(
        _l("Districts (optional)"),
        description=_l(
            "One per line: Thai name | English name | budget. The budgets must add up to the total."
        ),
    )
    categories = TextAreaField(
        _l("Categories (optional)"), description=_l("One per line: Thai name | English name.")
    )
    propose_level = SelectField(_l("Who may propose"), choices=_levels, default="1")
    vote_level = SelectField(_l("Who may vote"), choices=_levels, default="2")
    ballot_type = SelectField(
        _l("Ballot"),
        choices=options(
            [
                (BallotType.approval.value, _l("Approval: choose up to a number of projects")),
                (BallotType.knapsack.value, _l("Knapsack: any projects that fit in the budget")),
                (BallotType.cumulative.value, _l("Cumulative: spread a number of points")),
            ]
        ),
    )
    max_choices = IntegerField(
        _l("Most projects per approval ballot"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least 1."))],
    )
    max_points = IntegerField(
        _l("Points per cumulative ballot"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least 1."))],
    )
    rule = SelectField(
        _l("Counting rule"),
        choices=options(
            [
                (Rule.greedy.value, _l("Greedy: most votes first, while the budget lasts")),
                (Rule.mes.value, _l("Method of Equal Shares: every voter controls an equal share")),
            ]
        ),
    )

    def validate_ballot_type(self, field):
        if field.data == BallotType.cumulative.value and not self.max_points.data:
            raise ValidationError(_("A cumulative ballot needs the number of points each voter spreads."))

    def validate_districts(self, field):
        self.district_specs()

    def district_specs(self) -> list[DistrictSpec]:
        specs = []
        for line in (self.districts.data or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not parts[0] or not parts[2].replace(",", "").isdigit():
                raise ValidationError(
                    _("Write each district on its own line as: Thai name | English name | budget.")
                )
            specs.append(DistrictSpec(parts[0][:120], parts[1][:120] or None, int(parts[2].replace(",", ""))))
        return specs

    def category_pairs(self) -> list[tuple[str, str | None]]:
        pairs = []
        for line in (self.categories.data or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if parts[0]:
                pairs.append((parts[0][:120], (parts[1][:120] if len(parts) > 1 else "") or None))
        return pairs

    def _moment(self, field, current: BudgetProcess | None):
        """The field's date-time in UTC; the stored one when the form shows it unchanged.

        The form shows minutes only: a stored start with seconds comes back
        rounded down, which is not a change.
        """
        value = to_utc(field.data)
        stored = getattr(current, field.name, None) if current is not None else None
        if stored is not None and value == stored.replace(second=0, microsecond=0):
            return stored
        return value

    def settings(self, current: BudgetProcess | None = None) -> dict:
        """The process settings, as ``services.create_process`` and ``update_process`` take them."""
        return {
            "title_th": self.title_th.data,
            "title_en": self.title_en.data,
            "description_th": self.description_th.data,
            "description_en": self.description_en.data,
            "total_budget": self.total_budget.data,
            "currency": (self.currency.data or "THB").upper(),
            **{name: self._moment(self[name], current) for name in PHASE_FIELDS},
            "districts": self.district_specs(),
            "categories": self.category_pairs(),
            "propose_level": IdentityLevel(int(self.propose_level.data)),
            "vote_level": IdentityLevel(int(self.vote_level.data)),
            "ballot_type": BallotType(self.ballot_type.data),
            "max_choices": self.max_choices.data,
            "max_points": self.max_points.data,
            "rule": Rule(self.rule.data),
        }


def setting_labels(names) -> list[str]:
    """The labels of process settings (ProcessForm field names), in the form's order."""

    def position(name):
        unbound = getattr(ProcessForm, name, None)
        return unbound.creation_counter if isinstance(unbound, UnboundField) else float("inf")

    labels = []
    for name in sorted(names, key=position):
        if name == "districts":
            labels.append(_("Districts"))
        elif name == "categories":
            labels.append(_("Categories"))
        else:
            unbound = getattr(ProcessForm, name, None)
            labels.append(str(unbound.args[0]) if isinstance(unbound, UnboundField) else name)
    return labels


class ProcessEditForm(ProcessForm):
    """The creation form without the organisation and the short name, which never change."""

    organisation_id = None
    slug = None

    @staticmethod
    def data_of(process: BudgetProcess) -> dict:
        """The form's starting values: the process as stored, dates in Bangkok time."""
        settings = current_settings(process)
        return {
            **settings,
            **{name: settings[name].astimezone(BANGKOK).replace(tzinfo=None) for name in PHASE_FIELDS},
            "districts": "\n".join(
                f"{d.name_th} | {d.name_en or ''} | {d.budget}" for d in settings["districts"]
            ),
            "categories": "\n".join(f"{th} | {en or ''}" for th, en in settings["categories"]),
            "propose_level": str(int(settings["propose_level"])),
            "vote_level": str(int(settings["vote_level"])),
            "ballot_type": settings["ballot_type"].value,
            "rule": settings["rule"].value,
        }


class ProposalForm(PublicForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give the proposal a title.")),
            Length(max=200, message=_l("At most 200 characters.")),
        ],
    )
    description = TextAreaField(
        _l("What should be done, and why"),
        validators=[
            DataRequired(_l("Please describe the proposal.")),
            Length(max=10000, message=_l("At most 10,000 characters.")),
        ],
    )
    location = StringField(
        _l("Where"),
        validators=[Length(max=300, message=_l("At most 300 characters."))],
        description=_l("A street, a park, a building."),
    )
    estimated_cost = IntegerField(
        _l("Estimated cost (baht)"), validators=[InputRequired(_COST), NumberRange(min=1, message=_COST)]
    )
    district_id = SelectField(_l("District"), coerce=int, validators=[Optional()])
    category_id = SelectField(_l("Category"), coerce=int, validators=[Optional()])


class ReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [("feasible", _l("Feasible: put it on the ballot")), ("not_feasible", _l("Not feasible"))]
        ),
        validators=[InputRequired(_l("Please choose a decision."))],
    )
    official_cost = IntegerField(
        _l("Official cost (baht)"),
        validators=[Optional(), NumberRange(min=1, message=_COST)],
        description=_l("The cost the office accepts; it may differ from the estimate."),
    )
    reason = TextAreaField(
        _l("Public reason or note"),
        validators=[Length(max=5000, message=_l("At most 5,000 characters."))],
        description=_l("Required when the proposal is not feasible. Shown to everyone."),
    )

    def validate_official_cost(self, field):
        if self.decision.data == "feasible" and not field.data:
            raise ValidationError(_("Please enter the official cost of a feasible proposal."))

    def validate_reason(self, field):
        if self.decision.data == "not_feasible" and not (field.data or "").strip():
            raise ValidationError(_("Please give the public reason why the proposal is not feasible."))


class UpdateForm(Form):
    status = SelectField(
        _l("Status"),
        choices=options(
            [
                (ImplementationStatus.planned.value, _l("Planned")),
                (ImplementationStatus.in_progress.value, _l("In progress")),
                (ImplementationStatus.completed.value, _l("Completed")),
                (ImplementationStatus.cancelled.value, _l("Cancelled")),
            ]
        ),
    )
    text = TextAreaField(
        _l("What changed"),
        validators=[
            DataRequired(_l("Please write what changed.")),
            Length(max=5000, message=_l("At most 5,000 characters.")),
        ],
    )


class BallotForm(PublicForm):
    """The ballot's choices come from ``project`` checkboxes or ``points-<id>`` fields."""

    district_id = HiddenField()
