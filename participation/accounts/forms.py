"""Account forms. Every message is translated; limits match the columns."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from participation.accounts.models import MembershipRole, OrganisationKind
from participation.accounts.services import PASSWORD_MAX, PASSWORD_MIN
from participation.i18n import _, _l
from participation.text import clean_text
from participation.web.forms import Form, PublicForm


def _clean_line(value):
    return clean_text(value, multiline=False) if isinstance(value, str) else value


def _no_markup(form, field):
    if field.data and any(ch in field.data for ch in "<>"):
        raise ValidationError(_("Please do not use the characters < and > here."))


def _email_field(label=None):
    return EmailField(
        label or _l("Email address"),
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
    )


def _new_password(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "The password must have %(min)d to %(max)d characters.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(PublicForm):
    display_name = StringField(
        _l("Display name"),
        filters=[_clean_line],
        validators=[
            DataRequired(_l("Please enter the name to show with your comments.")),
            Length(min=2, max=80, message=_l("The name must have 2 to 80 characters.")),
            _no_markup,
        ],
        description=_l("Shown publicly with your comments. You may use a pseudonym."),
        render_kw={"autocomplete": "nickname"},
    )
    email = _email_field()
    password = _new_password()
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    accept_terms = BooleanField(
        _l("I have read the privacy notice and accept the rules for public participation."),
        validators=[DataRequired(_l("Please accept the rules to create an account."))],
    )


class SignInForm(PublicForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Please enter your password.")),
            Length(max=PASSWORD_MAX, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(PublicForm):
    email = _email_field()


class ResetPasswordForm(Form):
    password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(Form):
    display_name = RegisterForm.display_name
    locale = SelectField(_l("Language"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")])


class NationalIdForm(Form):
    national_id = StringField(
        _l("Thai national ID number (13 digits)"),
        validators=[
            DataRequired(_l("Please enter your 13-digit national ID number.")),
            Length(max=40, message=_l("A national ID number has 13 digits.")),
        ],
        description=_l(
            "We keep only a keyed fingerprint of the number, never the number itself. It makes sure one person has one account that can sign and vote."
        ),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    consent = BooleanField(
        _l("I declare that this is my own national ID number."),
        validators=[DataRequired(_l("Please confirm that the number is your own."))],
    )


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(
        _l(
            "I understand that my personal data will be deleted and my public contributions will stay, shown as by a deleted user."
        ),
        validators=[DataRequired(_l("Please confirm that you want to delete your account."))],
    )


SLUG_RE = r"^[a-z0-9][a-z0-9-]{1,62}$"


class OrganisationForm(Form):
    slug = StringField(
        _l("Short name for addresses"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Please enter a short name.")),
            Regexp(SLUG_RE, message=_l("Use 2 to 63 lower-case letters, digits and dashes.")),
        ],
    )
    name_th = StringField(
        _l("Name in Thai"),
        filters=[_clean_line],
        validators=[DataRequired(_l("Please enter the Thai name.")), Length(max=200), _no_markup],
    )
    name_en = StringField(
        _l("Name in English"), filters=[_clean_line], validators=[Optional(), Length(max=200), _no_markup]
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=[
            SelectChoice(OrganisationKind.ministry.value, _l("Ministry")),
            SelectChoice(OrganisationKind.department.value, _l("Department")),
            SelectChoice(OrganisationKind.provincial.value, _l("Provincial administration")),
            SelectChoice(OrganisationKind.local_government.value, _l("Local government")),
            SelectChoice(OrganisationKind.parliament.value, _l("Parliament")),
            SelectChoice(OrganisationKind.other.value, _l("Other")),
        ],
    )
    contact = StringField(
        _l("Public contact"), filters=[_clean_line], validators=[Optional(), Length(max=300), _no_markup]
    )


class MemberForm(Form):
    email = _email_field(_l("Email address of the staff member's account"))
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(MembershipRole.editor.value, _l("Editor")),
            SelectChoice(MembershipRole.admin.value, _l("Administrator")),
        ],
    )


class PlatformRolesForm(Form):
    email = _email_field(_l("Email address of the account"))
    moderator = BooleanField(_l("Moderator"))
    admin = BooleanField(_l("Site administrator"))
