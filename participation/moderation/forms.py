"""Moderation forms and the public labels of reasons and actions."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from participation.comments.models import PENDING_REVIEW
from participation.i18n import _, _l
from participation.moderation.models import ActionKind, FlagReason
from participation.web.forms import Form, options

REASON_LABELS = {
    FlagReason.spam.value: _l("Spam or advertising"),
    FlagReason.abusive.value: _l("Abusive, hateful or threatening"),
    FlagReason.off_topic.value: _l("Off topic"),
    FlagReason.personal_data.value: _l("Personal data of someone"),
    FlagReason.illegal.value: _l("Illegal content"),
    FlagReason.other.value: _l("Another reason"),
    PENDING_REVIEW: _l("Hidden pending review after reports"),
}

ACTION_LABELS = {
    ActionKind.hide: _l("Hidden"),
    ActionKind.auto_hide: _l("Hidden pending review"),
    ActionKind.restore: _l("Restored"),
    ActionKind.dismiss_flags: _l("Reports dismissed"),
    ActionKind.approve: _l("Approved"),
    ActionKind.block_user: _l("Account blocked"),
    ActionKind.appeal_upheld: _l("Appeal refused: decision upheld"),
    ActionKind.appeal_overturned: _l("Appeal accepted: decision overturned"),
}


def reason_label(code: str | None) -> str:
    if not code:
        return ""
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


def action_label(kind) -> str:
    return str(ACTION_LABELS.get(ActionKind(kind), kind))


def _reason_choices():
    return options([(r.value, REASON_LABELS[r.value]) for r in FlagReason])


class FlagForm(Form):
    reason = RadioField(
        _l("Why should a moderator look at this?"),
        choices=_reason_choices(),
        validators=[InputRequired(_l("Please choose a reason."))],
    )
    note = TextAreaField(
        _l("More details (optional)"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))],
        description=_l("Moderators read this; it is not published."),
    )


class HideForm(Form):
    reason = SelectField(_l("Public reason"), choices=_reason_choices(), validators=[DataRequired()])
    note = TextAreaField(
        _l("Public explanation"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
        description=_l("Shown in the public moderation log. Do not include personal data."),
    )


class NoteForm(Form):
    note = TextAreaField(
        _l("Public explanation (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
        description=_l("Shown in the public moderation log. Do not include personal data."),
    )


class BlockForm(Form):
    reason = SelectField(_l("Public reason"), choices=_reason_choices(), validators=[DataRequired()])
    days = IntegerField(
        _l("Days"),
        default=7,
        validators=[
            InputRequired(_l("Please give the number of days.")),
            NumberRange(min=1, max=3650, message=_l("Between %(min)d and %(max)d days.")),
        ],
    )
    note = TextAreaField(
        _l("Public explanation"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
        description=_l("Shown in the public moderation log without the person's identity."),
    )


class AppealForm(Form):
    text = TextAreaField(
        _l("Why should this decision be reconsidered?"),
        validators=[
            DataRequired(_l("Please explain your appeal.")),
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
    )


class AppealDecisionForm(Form):
    outcome = RadioField(
        _l("Decision"),
        choices=options([("uphold", _l("Uphold the decision")), ("overturn", _l("Overturn the decision"))]),
        validators=[InputRequired(_l("Please choose a decision."))],
    )
    note = TextAreaField(
        _l("Public explanation"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )


def error_message(code: str) -> str:
    messages = {
        "own_content": _("Moderators never decide on their own content. Another moderator must do it."),
        "not_found": _("This item no longer exists."),
        "not_flaggable": _("This item cannot be reported."),
        "already_flagged": _("You have already reported this item. Thank you."),
        "own_item": _("You cannot report your own content."),
        "blocked": _("Your account may not post or flag at the moment because of a moderation decision."),
        "sign_in": _("Please sign in to report content."),
        "not_hidden": _("This item is not hidden."),
        "already_hidden": _("This item is already hidden."),
        "not_pending": _("This item is not waiting for approval."),
        "no_flags": _("There are no open reports on this item."),
        "not_appealable": _("This decision cannot be appealed."),
        "already_appealed": _("This decision has already been appealed."),
        "not_author": _("Only the author of the content can appeal."),
        "same_moderator": _("A different moderator must decide this appeal."),
        "already_decided": _("This appeal has already been decided."),
        "not_moderator": _("Only moderators can do this."),
        "cannot_block": _("This account cannot be blocked."),
        "empty": _("Please explain your appeal."),
    }
    return messages.get(code, _("This could not be done."))
