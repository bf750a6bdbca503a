from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField

from ..clients.validation import clean
from .models import JOB_TITLE_MAX, NAME_MAX, PHONE_MAX
from .services import FIELDS, contact_errors


class ContactForm(FlaskForm):
    first_name = StringField(_l("First name"), render_kw={"maxlength": NAME_MAX})
    last_name = StringField(_l("Last name"), render_kw={"maxlength": NAME_MAX})
    job_title = StringField(_l("Job title"), render_kw={"maxlength": JOB_TITLE_MAX})
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone"), render_kw={"maxlength": PHONE_MAX})
    mobile = StringField(_l("Mobile"), render_kw={"maxlength": PHONE_MAX})
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})
    is_primary = BooleanField(_l("Primary contact"))
    # The version the edit started from (optimistic locking).
    version = HiddenField()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for name, message in contact_errors(self.values()).items():
            getattr(self, name).errors.append(message)
            ok = False
        return ok

    def values(self) -> dict:
        values = {name: clean(getattr(self, name).data) for name in FIELDS}
        values["first_name"] = values["first_name"] or ""
        values["last_name"] = values["last_name"] or ""
        return values
