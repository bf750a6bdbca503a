"""The staff member form: Add staff member and the Details section share it."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField

from ..clients.forms import Required
from ..clients.validation import clean
from ..emails import InvalidEmail, check_email, is_email
from .models import EMAIL_MAX, NAME_MAX, PHONE_MAX, ROLE_MAX

NOTES_MAX = 20000
FIELDS = ("name", "email", "phone", "role", "notes")
LIMITS = {"name": NAME_MAX, "email": EMAIL_MAX, "phone": PHONE_MAX, "role": ROLE_MAX,
          "notes": NOTES_MAX}


def staff_errors(values: dict) -> dict:
    """{field: message} for the cleaned `values` that break a staff member's rules (a missing
    name counts as empty): the form's and the import's. Phone is free text."""
    errors = {}
    for name in ("name", *(key for key in values if key != "name")):
        value = values.get(name)
        if value and "\x00" in value:
            errors[name] = _l("This value contains a character that is not allowed.")
        elif value and len(value) > LIMITS[name]:
            errors[name] = _l("Use at most %(n)s characters.", n=LIMITS[name])
        elif name == "name" and not value:
            errors[name] = _l("Enter the staff member's name.")
        elif name == "email" and value and not is_email(value):
            errors[name] = _l("Enter a valid email address, like name@example.com.")
    return errors


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Required()], render_kw={"maxlength": NAME_MAX})
    email = EmailField(_l("Email"), render_kw={"maxlength": EMAIL_MAX})
    phone = StringField(_l("Phone"), render_kw={"maxlength": PHONE_MAX})
    role = StringField(_l("Role or skill"), render_kw={"maxlength": ROLE_MAX})
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    # The version the edit started from (optimistic locking).
    version = HiddenField()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self._values = {name: clean(getattr(self, name).data) for name in FIELDS}
        for name, message in staff_errors(self._values).items():
            # str(), not the lazy string: the messages are plain text, never trusted markup.
            getattr(self, name).errors.append(str(message))
        email = self._values["email"]
        if email and not self.email.errors:
            try:
                self._values["email"] = check_email(email)
            except InvalidEmail:
                self.email.errors.append(_("Enter a valid email address, like name@example.com."))
        return ok and not any(getattr(self, name).errors for name in FIELDS)

    def values(self) -> dict:
        """The staff member's columns, cleaned (call after validate())."""
        return dict(self._values)
