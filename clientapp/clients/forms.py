from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .validation import clean, code_owner, field_errors


class _Rules:
    """Runs the shared rules of validation.py after WTForms' own checks, so a form and an
    import row are refused for the same reasons with the same words."""

    client_id = None  # set when editing, so the client's own code is not "taken"

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        data = {name: clean(getattr(self, name).data) for name in self._rule_fields()}
        for name, message in field_errors(data).items():
            getattr(self, name).errors.append(message)
            ok = False
        if "code" in data and data["code"] and "code" not in field_errors(data):
            owner = code_owner(data["code"], exclude_id=self.client_id)
            if owner is not None:
                self.code.errors.append(_l("The code %(code)s is already used by %(name)s.",
                                           code=data["code"], name=owner.name))
                self.code_owner = owner
                ok = False
        return ok

    def _rule_fields(self):
        return [name for name in ("type", "name", "code", "address", "email", "phone")
                if hasattr(self, name)]

    def cleaned(self) -> dict:
        return {name: clean(getattr(self, name).data) for name in self._rule_fields()}


class QuickAddForm(_Rules, FlaskForm):
    """The inline "Add client" form: just the name."""

    name = StringField(_l("Name"))
    # Set when the user has seen the "looks like an existing client" warning and goes on.
    confirm_similar = HiddenField()


class ClientForm(_Rules, FlaskForm):
    type = RadioField(_l("Type"), choices=[("company", _l("Company")),
                                          ("individual", _l("Individual"))], default="company")
    name = StringField(_l("Name"))
    code = StringField(_l("Code"))
    address = TextAreaField(_l("Address"))
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone"))
    # The version the edit started from (optimistic locking).
    version = HiddenField()
    confirm_similar = HiddenField()

    def validate_version(self, field):
        if field.data and not str(field.data).isdigit():
            raise ValidationError(_l("Reload the page and try again."))
