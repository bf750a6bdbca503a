from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..emails import InvalidEmail, check_email
from .models import User
from .services import MIN_PASSWORD_LENGTH, PasswordProblem, password_problem


PASSWORD_MESSAGES = {
    PasswordProblem.SHORT: _l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
    PasswordProblem.REPETITIVE: _l("Use more different characters: this one repeats a few."),
    PasswordProblem.COMMON: _l("This password is among the first that are guessed. "
                               "A few unrelated words make a strong one."),
    PasswordProblem.PERSONAL: _l("Do not build the password from the name or email."),
}


def strong_password(form, field):
    """The password rule (auth/services.py), with the name and email of the form if it has
    them (a new account), else of the signed-in user or the reset link's user
    (`form.password_owner`)."""
    owner = getattr(form, "password_owner", None)
    personal = [getattr(getattr(form, name, None), "data", None) for name in ("name", "email")]
    if owner is not None:
        personal += [owner.name, owner.email]
    problem = password_problem(field.data or "", *personal)
    if problem is not None:
        raise ValidationError(PASSWORD_MESSAGES[problem])


def valid_email(form, field):
    """The app's one email rule (emails.py); the value kept is its normal form, lower-cased
    since sign-in ignores case."""
    try:
        field.data = check_email(field.data).lower()
    except InvalidEmail:
        raise ValidationError(_l("Enter a valid email address.")) from None


EMAIL_TAKEN = _l("A user with this email already exists.")


def unused_email(form, field):
    """No other user has it (`form.user_id` is the user being edited, if any). The unique
    index catches one taken after this check: see email_taken()."""
    owner = User.by_email(field.data or "")
    if owner is not None and owner.id != getattr(form, "user_id", None):
        raise ValidationError(EMAIL_TAKEN)


def email_taken(form) -> None:
    """The write hit the unique email: someone took it since the form was checked."""
    form.email.errors = [*form.email.errors, EMAIL_TAKEN]


def email_field(label=_l("Email")):
    return EmailField(label, validators=[
        DataRequired(message=_l("Enter an email address.")), Length(max=254), valid_email,
        unused_email])


def new_password_field(label=_l("New password")):
    return PasswordField(label, validators=[
        DataRequired(message=_l("Enter a password.")), strong_password])


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email."))])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Enter your password."))])


class AccountForm(FlaskForm):
    """Name, email and password: the first administrator's and every new user's."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=120)])
    email = email_field()
    password = new_password_field(_l("Password"))


class SetupForm(AccountForm):
    setup_code = StringField(_l("Setup code"), validators=[
        DataRequired(message=_l("Enter the setup code printed in the server's log.")),
        Length(max=32)])


class NewPasswordForm(FlaskForm):
    """The page a reset link opens."""

    new_password = new_password_field()
