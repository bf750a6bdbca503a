from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..auth.forms import new_email, strong_password
from ..auth.models import ROLES


def role_choices():
    labels = {"admin": _l("Administrator"), "manager": _l("Manager"), "viewer": _l("Viewer")}
    return [(role, labels[role]) for role in ROLES]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Enter an email address.")),
        Email(message=_l("Enter a valid email address."), check_deliverability=False),
        Length(max=254), new_email])
    role = SelectField(_l("Role"), choices=role_choices, default="manager")
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(message=_l("Enter a password.")), strong_password])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
