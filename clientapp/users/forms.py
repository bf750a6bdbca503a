from flask import current_app
from flask_babel import lazy_gettext as _l
from pytz import common_timezones
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import AccountForm, email_field, new_password_field
from ..auth.models import ROLES
from ..i18n import LANGUAGE_NAMES


def role_labels() -> dict:
    return {"admin": _l("Administrator"), "manager": _l("Manager"), "viewer": _l("Viewer")}


def role_choices():
    labels = role_labels()
    return [SelectChoice(role, labels[role]) for role in ROLES]


def name_field():
    return StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=120)])


class UserForm(AccountForm):
    role = SelectField(_l("Role"), choices=role_choices, default="manager")
    password = new_password_field(_l("Initial password"))


class EditUserForm(FlaskForm):
    """An administrator's edit of another user (or of themselves)."""

    name = name_field()
    email = email_field()
    role = SelectField(_l("Role"), choices=role_choices)
    # The version the edit started from (optimistic locking).
    version = HiddenField()


def timezone_choices():
    """The time zones Flask-Babel (pytz) knows, as people pick them; first, none of the
    user's own: the instance's CLIENTAPP_TIMEZONE."""
    server = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return [SelectChoice("", _l("The server's (%(zone)s)", zone=server))] + \
        [SelectChoice(name, name.replace("_", " ")) for name in common_timezones]


class ProfileForm(FlaskForm):
    """My account: what the user may change without their password."""

    name = name_field()
    locale = SelectField(_l("Language"), choices=[
        SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
    timezone = SelectField(_l("Time zone"), choices=timezone_choices)


class EmailChangeForm(FlaskForm):
    email = email_field(_l("New email"))
    password = PasswordField(_l("Your password"), validators=[
        DataRequired(message=_l("Enter your password."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))])
    new_password = new_password_field()
