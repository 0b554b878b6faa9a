"""Forms for signing in, one's own account, and user administration."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from crm.auth.permissions import ROLE_LABELS, Role
from crm.forms import Form, MultiCheckboxField
from crm.i18n import lazy_gettext as _l

LANGUAGE_CHOICES = [SelectChoice("zh_Hans_CN", "简体中文"), SelectChoice("en", "English")]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(zone) for zone in sorted(available_timezones())]


class LoginForm(Form):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("password", _l("The two new passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class PreferencesForm(Form):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=_timezone_choices)


class LanguageForm(Form):
    locale = SelectField(choices=LANGUAGE_CHOICES)
    next = HiddenField()


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(ROLE_LABELS[role])) for role in Role]


class UserEditForm(Form):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the person's name.")), Length(max=100)],
        description=_l("The name colleagues know, e.g. 王芳."),
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address such as wang@example.com.")),
        ],
    )
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=_role_choices,
        validators=[DataRequired(_l("Choose at least one role."))],
    )


class UserCreateForm(UserEditForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter a username.")), Length(min=3, max=64)],
        description=_l("Used to sign in: lower-case letters, digits, dots, dashes, underscores."),
        render_kw={"autocomplete": "off"},
    )


class SecondFactorForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=32)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"},
    )


class AppCodeForm(Form):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableTwoFactorForm(AppCodeForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
