"""The staff member form: Add staff member and the Details section share it."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField

from ..clients.forms import Required
from ..clients.validation import clean
from ..emails import InvalidEmail, check_email
from .models import EMAIL_MAX, NAME_MAX, PHONE_MAX, ROLE_MAX

NOTES_MAX = 20000
FIELDS = ("name", "email", "phone", "role", "notes")


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
        self._values = {}
        limits = {"name": NAME_MAX, "email": EMAIL_MAX, "phone": PHONE_MAX, "role": ROLE_MAX,
                  "notes": NOTES_MAX}
        for name in FIELDS:
            field = getattr(self, name)
            value = clean(field.data)
            # gettext, not lazy_gettext: the messages are plain text, never trusted markup.
            if value and "\x00" in value:
                field.errors.append(_("This value contains a character that is not allowed."))
            elif value and len(value) > limits[name]:
                field.errors.append(_("Use at most %(n)s characters.", n=limits[name]))
            elif name == "name" and not value:
                field.errors.append(_("Enter the staff member's name."))
            elif name == "email" and value:
                try:
                    value = check_email(value)
                except InvalidEmail:
                    field.errors.append(_("Enter a valid email address, like name@example.com."))
            self._values[name] = value
        return ok and not any(getattr(self, name).errors for name in FIELDS)

    def values(self) -> dict:
        """The staff member's columns, cleaned (call after validate())."""
        return dict(self._values)
