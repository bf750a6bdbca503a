"""The client profile's "Project defaults" section and the project page's "Project
settings" section: one class, five parts. Location, notes and field reports edit through
the section's form (?part=...); documents and excluded staff have routes of their own
(defaults/routes.py) that answer with the section's view."""
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField, widgets

from .. import sections
from ..extensions import db
from . import services
from .models import ADDRESS_MAX, NAME_MAX, NOTES_MAX, PARTS

FORM_PARTS = ("location", "notes", "reports")


def _clean(value) -> str | None:
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    return value or None


class _PartForm(FlaskForm):
    part = HiddenField()
    version = HiddenField()
    limits: dict = {}  # field name -> most characters

    def values(self):
        return {name: _clean(self[name].data) for name in self.limits}

    def check(self):
        fine = True
        for name, value in self.values().items():
            limit = self.limits.get(name)
            if limit and len(value or "") > limit:
                self[name].errors = [_l("At most %(num)s characters.", num=limit)]
                fine = False
        return fine


class LocationForm(_PartForm):
    location_name = StringField(_l("Name of the place"))
    location_address = TextAreaField(_l("Address"))
    limits = {"location_name": NAME_MAX, "location_address": ADDRESS_MAX}


class ProjectLocationForm(_PartForm):
    location = TextAreaField(_l("Location"))
    limits = {"location": ADDRESS_MAX}


class NotesForm(_PartForm):
    notes = TextAreaField(_l("Notes to staff"))
    limits = {"notes": NOTES_MAX}


class ReportsForm(_PartForm):
    field_reports = SelectMultipleField(
        _l("Field reports"), coerce=str, option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False), validate_choice=False)

    def values(self):
        return {"field_reports": [int(v) for v in self.field_reports.data or []]}

    def check(self):
        known = {t.id for t in services.templates()}
        chosen = self.field_reports.data or []
        if any(not v.isdigit() or int(v) not in known for v in chosen):
            self.field_reports.errors = [_l("Choose among the field report templates.")]
            return False
        return True


DOCUMENTS_SHOWN = 20  # the newest; "Show all" brings the others


def document_rows(kind: str, owner_id: int, limit: int | None) -> tuple[list[dict], int]:
    """What the documents table shows, newest first, and how many there are: plain rows
    (not objects the session tracks), formatted once per distinct size, type and day (a
    client may hold hundreds); one query."""
    from flask_babel import format_date, get_timezone

    from ..documents.models import Document, StoredFile
    from ..documents.routes import document_type, filesize

    column = Document.client_id if kind == "client" else Document.project_id
    found = db.session.execute(
        services.select(Document.id, Document.name, Document.created_at, StoredFile.size,
                        StoredFile.content_type, services.func.count().over())
        .join(StoredFile, StoredFile.id == Document.file_id)
        .where(column == owner_id).order_by(Document.id.desc()).limit(limit)).all()
    zone, days, types, sizes = get_timezone(), {}, {}, {}
    rows = []
    for doc_id, name, created_at, size, content_type, _total in found:
        day = created_at.astimezone(zone).date()
        if day not in days:
            days[day] = format_date(day)
        if content_type not in types:
            types[content_type] = document_type(content_type)
        if size not in sizes:
            sizes[size] = filesize(size)
        rows.append({"id": doc_id, "name": name, "size": sizes[size],
                     "type": types[content_type], "date": days[day]})
    return rows, found[0][-1] if found else 0


def requested_part() -> str:
    part = request.values.get("part") or ""
    if part not in FORM_PARTS:
        abort(404)
    return part


class DefaultsSection(sections.Section):
    """kind "client": the profile's Project defaults; kind "project": Project settings."""

    def __init__(self, kind: str):
        self.kind = kind
        self.name = "defaults" if kind == "client" else "settings"
        self.template = "defaults/sections/defaults.html"

    def context(self, owner):
        client_id = owner.id if self.kind == "client" else owner.client_id
        data = {"kind": self.kind, "owner": owner, "part": None, "renaming": None,
                "excluding": False, "confirm": None, "errors": [], "saved": None,
                "upload_errors": [], "focus": None,
                "documents": [], "document_count": 0,
                "templates": [],
                "ids": {f"{self.kind}_id": owner.id}, "choices": [],
                "rename_value": None, "rename_error": None, "staff_value": None,
                "staff_error": None, "reason_value": None, "reason_error": None,
                "ep": "clients.defaults_" if self.kind == "client" else "projects.settings_",
                "page_ep": "clients.profile" if self.kind == "client" else "projects.project"}
        data["documents"], data["document_count"] = document_rows(
            self.kind, owner.id,
            None if request.args.get("documents") == "all" else DOCUMENTS_SHOWN)
        if request.view_args and request.view_args.get("name") == self.name \
                and request.endpoint.endswith(("_section_edit", "_section_save")):
            data["templates"] = services.templates()
        if self.kind == "client":
            defaults = services.defaults_of(owner.id)
            data["defaults"] = defaults
            data["reports"] = services.templates_named(defaults.field_reports if defaults
                                                       else [])
            data["excluded"] = [(e.staff, e.reason, False)
                                for e in services.exclusions(owner.id)]
        else:
            settings = db.session.get(services.ProjectSettings, owner.id)
            data["settings"] = settings
            data["marks"] = {part: bool(settings and settings.changed(part)) for part in PARTS}
            data["stale"] = services.stale_parts(owner)
            data["has_client"] = client_id is not None
            data["reports"] = services.templates_named(settings.field_reports if settings
                                                       else [])
            # Its own excluded staff, then those its client excludes now (enforced on every
            # project of the client, whenever created), marked as the client's.
            own = services.project_excluded(owner)
            excluded = services.excluded_from(owner)
            staff = {s.id: s for s in db.session.scalars(
                services.select(services.StaffMember).where(
                    services.StaffMember.id.in_(list(excluded))))} if excluded else {}
            data["excluded"] = [(staff[i], reason, i not in own)
                                for i, reason in excluded.items() if i in staff]
        return data

    def _version(self, owner) -> str:
        if self.kind == "client":
            row = services.defaults_of(owner.id)
            return str(row.version if row else 0)
        return str(owner.version)

    def form(self, owner):
        part = requested_part()
        data = {"part": part, "version": self._version(owner)}
        if part == "location":
            if self.kind == "client":
                row = services.defaults_of(owner.id)
                return LocationForm(data={**data, "location_name": row and row.location_name,
                                          "location_address": row and row.location_address})
            return ProjectLocationForm(data={**data, "location": owner.location})
        if part == "notes":
            row = services.defaults_of(owner.id) if self.kind == "client" else owner
            return NotesForm(data={**data, "notes": row.notes if row else None})
        if self.kind == "client":
            row = services.defaults_of(owner.id)
            chosen = row.field_reports if row else []
        else:  # read only: a GET creates no settings row
            settings = db.session.get(services.ProjectSettings, owner.id)
            chosen = settings.field_reports if settings else []
        return ReportsForm(data={**data, "field_reports": [str(i) for i in chosen or []]})

    def submitted(self, owner):
        part = requested_part()
        if part == "location":
            return LocationForm() if self.kind == "client" else ProjectLocationForm()
        return NotesForm() if part == "notes" else ReportsForm()

    def save(self, owner, form):
        part = requested_part()  # the form's class came from it, whatever the body says
        if (form.version.data or "") != self._version(owner):
            return sections.Saved(409, {"part": part})
        if not form.validate() or not form.check():
            return sections.Saved(422, {"part": part})
        values = form.values()
        try:
            with db.session.begin_nested():
                if self.kind == "client":
                    services.set_values(owner, values, part)
                elif part == "reports":
                    services.settings_of(owner).field_reports = values["field_reports"]
                    services.mark(owner, "reports")
                else:
                    from ..projects.services import update_project

                    update_project(owner, values)
        except StaleDataError:
            return sections.Saved(409, {"part": part})
        return sections.Saved(data={"saved": True},
                              trigger="clientUpdated" if self.kind == "client" else None)
