from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField

from .models import CODE_MAX, NAME_MAX
from .validation import clean, code_owner, field_errors


class Required:
    """Marks a field required (the asterisk, the `required` attribute) without checking
    anything itself: validation.py holds the rule, so forms and imports share its words."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


class _Rules:
    """Runs the shared rules of validation.py after WTForms' own checks, so a form and an
    import row are refused for the same reasons with the same words."""

    client_id = None  # set when editing, so the client's own code is not "taken"
    code_owner = None  # the client that already uses the code, when that is the error

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        data = self.cleaned()
        errors = field_errors(data)
        for name, message in errors.items():
            getattr(self, name).errors.append(message)
            ok = False
        if data.get("code") and "code" not in errors:
            owner = code_owner(data["code"], exclude_id=self.client_id)
            if owner is not None:
                self.code_taken(owner)
                ok = False
        return ok

    def code_taken(self, owner=None):
        # gettext, not lazy_gettext: a lazy string is trusted as markup by Jinja, and the
        # owner's name is user input.
        if owner is None:
            self.code.errors.append(_("This code is already used by another client."))
        else:
            self.code.errors.append(_("The code %(code)s is already used by %(name)s.",
                                      code=clean(self.code.data), name=owner.name))
        self.code_owner = owner

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
    # validate_choice off: validation.py's rule says what is wrong in the users' words.
    type = RadioField(_l("Type"), choices=[SelectChoice("company", _l("Company")),
                                          SelectChoice("individual", _l("Individual"))],
                      default="company", validate_choice=False)
    name = StringField(_l("Name"), validators=[Required()], render_kw={"maxlength": NAME_MAX})
    code = StringField(_l("Code"), render_kw={"maxlength": CODE_MAX})
    address = TextAreaField(_l("Address"), render_kw={"rows": 3})
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone"))
    # The version the edit started from (optimistic locking).
    version = HiddenField()
    # The name the user chose to keep although it looks like an existing client's.
    confirm_similar = HiddenField()

    def values(self) -> dict:
        """The client's columns from the form: cleaned, company when no type was sent."""
        data = self.cleaned()
        data["type"] = data.get("type") or "company"
        return data
