from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField

from ..auth.forms import AccountForm
from ..auth.models import ROLES


def role_choices():
    labels = {"admin": _l("Administrator"), "manager": _l("Manager"), "viewer": _l("Viewer")}
    return [(role, labels[role]) for role in ROLES]


class UserForm(AccountForm):
    role = SelectField(_l("Role"), choices=role_choices, default="manager")
    password = PasswordField(_l("Initial password"), validators=AccountForm.password.kwargs["validators"])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
