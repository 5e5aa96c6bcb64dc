"""Comment forms and the messages for refusals."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from participation.comments.models import Position, StakeholderGroup
from participation.i18n import _, _l
from participation.web.forms import Form, PublicForm, options

POSITION_LABELS = {
    Position.agree: _l("I agree"),
    Position.disagree: _l("I disagree"),
    Position.suggest_change: _l("I suggest a change"),
}
STAKEHOLDER_LABELS = {
    StakeholderGroup.citizen: _l("Citizen"),
    StakeholderGroup.private_sector: _l("Private sector"),
    StakeholderGroup.civil_society: _l("Civil society"),
    StakeholderGroup.academia: _l("Academia"),
    StakeholderGroup.government: _l("Government"),
}
BODY_HINT = _l(
    "Plain text with simple formatting: *italic*, **bold**, lists and links. No images or HTML. "
    "Be respectful; do not post personal data."
)


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CommentForm(PublicForm):
    """A new comment or a reply (``parent_id``)."""

    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(_l("Please write your comment."))], description=BODY_HINT
    )
    part_id = SelectField(_l("About"), coerce=_int_or_none, validators=[Optional()], validate_choice=True)
    position = SelectField(
        _l("Your position"),
        choices=options([("", _l("No position"))])
        + options([(p.value, label) for p, label in POSITION_LABELS.items()]),
        validators=[Optional()],
    )
    stakeholder_group = SelectField(
        _l("You comment as"),
        choices=options([("", _l("Not stated"))])
        + options([(g.value, label) for g, label in STAKEHOLDER_LABELS.items()]),
        validators=[Optional()],
    )
    on_behalf_of = StringField(
        _l("On behalf of an organisation (optional)"),
        validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))],
        description=_l("Leave empty if you comment for yourself."),
    )
    parent_id = HiddenField()

    def configure(self, policy, subject) -> CommentForm:
        """Offer the subject's parts; drop the hearing fields where the policy has none."""
        parts = policy.parts(subject) if policy is not None else None
        if parts:
            self.part_id.choices = options([("", _("The whole text"))]) + options(
                [(pid, label) for pid, label in parts]
            )
        else:
            del self.part_id
        if policy is None or not policy.extra_fields:
            del self.position
            del self.stakeholder_group
            del self.on_behalf_of
        return self


class EditCommentForm(Form):
    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(_l("Please write your comment."))], description=BODY_HINT
    )


def error_message(code: str, details: dict | None = None) -> str:
    """The translated message for a CommentError code."""
    details = details or {}
    messages = {
        "sign_in": _("Please sign in to comment."),
        "unknown_subject": _("This item does not take comments."),
        "closed": _("Comments are closed here."),
        "identity": _("Please verify your email address before you comment."),
        "identity_id": _(
            "Comments here need a verified national ID or digital ID. "
            "Please declare your national ID in your account settings."
        ),
        "blocked": _("Your account may not post or flag at the moment because of a moderation decision."),
        "bad_parent": _("You can only reply to a published comment of this page."),
        "bad_part": _("Please choose a part of this text from the list."),
        "no_extra_fields": _("This form does not take a position or a stakeholder group."),
        "empty": _("Please write your comment."),
        "too_long": _(
            "Your comment is too long: at most %(limit)d characters, please shorten it.",
            limit=details.get("limit", 0),
        ),
        "too_many_links": _(
            "New accounts may include at most %(limit)d links in a comment. Please remove some links, "
            "or post again after your account is a few days old.",
            limit=details.get("limit", 0),
        ),
        "not_author": _("Only the author can change this comment."),
        "edit_window": _("The time for editing this comment has passed."),
        "not_deletable": _("This comment can no longer be deleted."),
    }
    return messages.get(code, _("This could not be done."))


#: Refusals that are about permission (403); the others are about the text (422).
FORBIDDEN_CODES = {
    "sign_in",
    "closed",
    "identity",
    "identity_id",
    "blocked",
    "not_author",
    "edit_window",
    "not_deletable",
}
