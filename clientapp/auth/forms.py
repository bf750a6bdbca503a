from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .models import User
from .services import MIN_PASSWORD_LENGTH


def strong_password(form, field):
    if len(field.data or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))


def new_email(form, field):
    if field.data and User.by_email(field.data) is not None:
        raise ValidationError(_l("A user with this email already exists."))


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email."))])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Enter your password."))])


class AccountForm(FlaskForm):
    """Name, email and password: the first administrator's and every new user's."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Enter an email address.")),
        Email(message=_l("Enter a valid email address."), check_deliverability=False),
        Length(max=254), new_email])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter a password.")), strong_password])


class SetupForm(AccountForm):
    setup_code = StringField(_l("Setup code"), validators=[Optional(), Length(max=32)])
