"""The project forms: the full "New project" form and the project page's sections.

Dates and times are plain text fields shown as date and time inputs: WTForms' DateField
would refuse "2026-02-30" with its own English words; here every refusal says why in the
user's language, and a date outside 1900–2200 is refused before it reaches the database.
"""
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField, TextAreaField

from ..clients.forms import Required
from ..clients.models import Client
from ..extensions import db
from ..ids import as_id
from .models import LOCATION_MAX, NAME_MAX, NOTES_MAX

YEAR_MIN, YEAR_MAX = 1900, 2200
DATE_ATTRS = {"type": "date", "min": f"{YEAR_MIN}-01-01", "max": f"{YEAR_MAX}-12-31"}


def _clean(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_date(text: str | None) -> tuple[date | None, str | None]:
    """(the date, None) or (None, why not)."""
    if not text:
        return None, None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, _("Enter a date like 2026-03-31.")
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        return None, _("Enter a date between %(first)s and %(last)s.", first=YEAR_MIN,
                       last=YEAR_MAX)
    return day, None


def parse_time(text: str | None) -> tuple[time | None, str | None]:
    if not text:
        return None, None
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).time(), None
        except ValueError:
            continue
    return None, _("Enter a time like 09:30.")


class _Checked:
    """validate() runs the project's rules after WTForms' own and keeps the clean values
    in self.values (the columns to write)."""

    project = None  # the project being edited: its own client stays allowed when archived

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.values = {}
        for name in self._field_names():
            field = getattr(self, name)
            if isinstance(field.data, str) and "\x00" in field.data:
                field.errors.append(_("This value contains a character that is not allowed."))
        check = getattr(self, "_check_" + self._kind)
        check()
        return ok and not any(getattr(self, name).errors for name in self._field_names())

    def _field_names(self):
        return [name for name in ("name", "client", "start_date", "end_date", "start_time",
                                  "end_time", "location", "notes") if hasattr(self, name)]

    def _check_details(self):
        self._check_name()
        self._check_client()
        self._check_dates()
        if not hasattr(self, "location"):
            return
        location = _clean(self.location.data)
        if location and len(location) > LOCATION_MAX:
            self.location.errors.append(_("Use at most %(n)s characters.", n=LOCATION_MAX))
        self.values["location"] = location

    def _check_notes(self):
        notes = _clean(self.notes.data)
        if notes and len(notes) > NOTES_MAX:
            self.notes.errors.append(_("Use at most %(n)s characters.", n=NOTES_MAX))
        self.values["notes"] = notes

    def _check_all(self):
        self._check_details()
        self._check_notes()

    def _check_name(self):
        name = _clean(self.name.data)
        if not name:
            self.name.errors.append(_("Enter the project's name."))
        elif len(name) > NAME_MAX:
            self.name.errors.append(_("Use at most %(n)s characters.", n=NAME_MAX))
        self.values["name"] = name

    def _check_client(self):
        raw = _clean(self.client.data)
        self.values["client"] = None
        if raw is None:
            return
        client_id = as_id(raw)
        client = db.session.get(Client, client_id) if client_id else None
        if client is None:
            self.client.errors.append(_("This client does not exist (it may have been "
                                        "deleted). Choose another one."))
            return
        keeps_own = self.project is not None and self.project.client_id == client.id
        if client.archived_at is not None and not keeps_own:
            self.client.errors.append(_("“%(name)s” is archived: choose an active client, or "
                                        "unarchive it first.", name=client.name))
            return
        self.values["client"] = client

    def _check_dates(self):
        values = {}
        for name, parse in (("start_date", parse_date), ("end_date", parse_date),
                            ("start_time", parse_time), ("end_time", parse_time)):
            field = getattr(self, name)
            values[name], error = parse(_clean(field.data))
            if error:
                field.errors.append(error)
        start, end = values["start_date"], values["end_date"]
        if end is not None and start is None and not self.start_date.errors:
            self.start_date.errors.append(_("Enter the start date too."))
        if start is not None and end is not None and end < start:
            self.end_date.errors.append(_("The end date must be on or after the start date."))
        if values["start_time"] is not None and start is None and not self.start_date.errors:
            self.start_date.errors.append(_("Enter a start date for this start time."))
        if values["end_time"] is not None and start is None and not self.start_date.errors:
            self.start_date.errors.append(_("Enter the start date too."))
        one_day = start is not None and (end is None or end == start)
        if one_day and values["start_time"] and values["end_time"] \
                and values["end_time"] <= values["start_time"]:
            self.end_time.errors.append(_("The end time must be after the start time."))
        self.values.update(values)

    def client_choice(self) -> Client | None:
        """The client the form holds now (for the picker's selected option)."""
        client_id = as_id(_clean(self.client.data))
        return db.session.get(Client, client_id) if client_id else None


class DetailsFields:
    name = StringField(_l("Name"), validators=[Required()], render_kw={"maxlength": NAME_MAX})
    client = StringField(_l("Client"))
    start_date = StringField(_l("Start date"), render_kw=DATE_ATTRS)
    end_date = StringField(_l("End date"), render_kw=DATE_ATTRS)
    start_time = StringField(_l("Start time"), render_kw={"type": "time"})
    end_time = StringField(_l("End time"), render_kw={"type": "time"})


class ProjectForm(_Checked, DetailsFields, FlaskForm):
    """The "New project" form: everything (the project page edits location and notes in
    its Project settings)."""

    _kind = "all"
    location = TextAreaField(_l("Location"), render_kw={"rows": 2, "maxlength": LOCATION_MAX})
    notes = TextAreaField(_l("Notes to staff"), render_kw={"rows": 5, "maxlength": NOTES_MAX})


class DetailsForm(_Checked, DetailsFields, FlaskForm):
    """The project page's Details section."""

    _kind = "details"
    version = HiddenField()


class AddStaffForm(FlaskForm):
    """The Staff section's "Add staff": one staff member, active."""

    staff = StringField(_l("Staff member"))

    def validate(self, extra_validators=None):
        from ..staff.models import StaffMember

        ok = super().validate(extra_validators)
        staff_id = as_id(_clean(self.staff.data))
        self.member = db.session.get(StaffMember, staff_id) if staff_id else None
        if not _clean(self.staff.data):
            self.staff.errors.append(_("Choose a staff member."))
        elif self.member is None:
            self.staff.errors.append(_("This staff member does not exist (they may have been "
                                       "removed). Choose another one."))
        elif not self.member.active:
            self.staff.errors.append(_("%(name)s is inactive: choose an active staff member.",
                                       name=self.member.name))
        return ok and not self.staff.errors


def form_values(project) -> dict:
    """A project's values as the form shows them (dates and times as ISO text)."""
    return {
        "name": project.name, "client": str(project.client_id or ""),
        "start_date": project.start_date.isoformat() if project.start_date else "",
        "end_date": project.end_date.isoformat() if project.end_date else "",
        "start_time": project.start_time.strftime("%H:%M") if project.start_time else "",
        "end_time": project.end_time.strftime("%H:%M") if project.end_time else "",
        "location": project.location or "", "notes": project.notes or "",
    }


def client_options(query_text: str | None, selected: Client | None, limit: int = 50) -> list:
    """The active clients the picker offers: those matching `query_text` (all when empty),
    by name, `limit` at most; the selected one first, whatever its state."""
    from ..db import search

    # Rows of the three columns an option shows, not whole clients.
    query = select(Client.id, Client.name, Client.archived_at).where(Client.archived_at.is_(None))
    if query_text and query_text.strip():
        query = search.matching(query, Client, query_text)
    found = db.session.execute(query.order_by(Client.name_key, Client.id).limit(limit)).all()
    if selected is not None:
        found = [selected] + [c for c in found if c.id != selected.id]
    return found
