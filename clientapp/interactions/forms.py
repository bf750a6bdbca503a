from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from ..activity.models import SUMMARY_MAX
from ..clients.forms import Required
from ..clients.validation import clean
from ..db.time import utcnow
from ..ids import as_id

DETAILS_MAX = 10000
KINDS = ("note", "call", "email", "meeting")
DATE_FORMAT = "%Y-%m-%dT%H:%M"
AHEAD_MAX = timedelta(days=366)


def local_now() -> str:
    return to_user_timezone(utcnow()).strftime(DATE_FORMAT)


class InteractionForm(FlaskForm):
    # Choices checked here (validate_choice off) so a crafted value gets the users' words.
    kind = SelectField(_l("Type"), choices=[SelectChoice("note", _l("Note")),
                                            SelectChoice("call", _l("Call")),
                                            SelectChoice("email", _l("Email")),
                                            SelectChoice("meeting", _l("Meeting"))],
                       default="note", validate_choice=False)
    # Typed in the user's time zone (datetime-local), kept in UTC.
    at = StringField(_l("Date"), validators=[Required()],
                     render_kw={"type": "datetime-local"})
    contact = SelectField(_l("Contact"), choices=[], validate_choice=False)
    summary = StringField(_l("Summary"), validators=[Required()],
                          render_kw={"maxlength": SUMMARY_MAX})
    details = TextAreaField(_l("Details"), render_kw={"rows": 3})

    def set_contacts(self, contacts) -> None:
        self.contact.choices = [SelectChoice("", _("No contact"))] + [
            SelectChoice(str(c.id), c.name) for c in contacts]
        self._contact_ids = {c.id for c in contacts}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        errors = {}
        if self.kind.data not in KINDS:
            errors["kind"] = _("Choose Note, Call, Email or Meeting.")
        moment = self.moment()
        if moment is None:
            errors["at"] = _("Enter a date and time.")
        elif moment > utcnow() + AHEAD_MAX:
            errors["at"] = _("Enter a date less than a year ahead.")
        if self.contact.data and as_id(self.contact.data) not in self._contact_ids:
            errors["contact"] = _("Choose one of this client's contacts.")
        summary = clean(self.summary.data)
        if not summary:
            errors["summary"] = _("Enter a summary.")
        elif len(summary) > SUMMARY_MAX:
            errors["summary"] = _("Use at most %(n)s characters.", n=SUMMARY_MAX)
        if self.details.data and len(self.details.data) > DETAILS_MAX:
            errors["details"] = _("Use at most %(n)s characters.", n=DETAILS_MAX)
        for name in ("summary", "details"):
            if "\x00" in (getattr(self, name).data or ""):
                errors[name] = _("This value contains a character that is not allowed.")
        for name, message in errors.items():
            getattr(self, name).errors.append(message)
        return ok and not errors

    def moment(self) -> datetime | None:
        """The date typed, in UTC; None when it is no date."""
        raw = (self.at.data or "").strip()
        for fmt in (DATE_FORMAT, DATE_FORMAT + ":%S"):
            try:
                local = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        else:
            return None
        if not 1900 <= local.year <= 9998:
            return None
        return to_utc(local).replace(tzinfo=timezone.utc)

    def values(self) -> dict:
        moment, now = self.moment(), utcnow()
        if timedelta(0) <= now - moment < timedelta(minutes=1):
            # The form's default (now, to the minute): the entry goes on top, after what
            # happened earlier in that minute.
            moment = now
        return {"kind": f"interaction.{self.kind.data}", "at": moment,
                "contact_id": as_id(self.contact.data), "summary": clean(self.summary.data),
                "details": clean(self.details.data)}

    def fill(self, event) -> None:
        self.kind.data = event.kind.removeprefix("interaction.")
        self.at.data = to_user_timezone(event.at).strftime(DATE_FORMAT)
        self.contact.data = str(event.contact_id or "")
        self.summary.data = event.summary
        self.details.data = event.details
