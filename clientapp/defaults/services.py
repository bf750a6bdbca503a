"""Client defaults, what a project inherits of them, exclusions and documents.

Writes flush and record their event in the caller's transaction; the route commits.
A project's location and notes are its own columns; its field reports, excluded staff and
"changed for this project" marks are its ProjectSettings row."""
from datetime import date

from sqlalchemy import delete, func, insert, literal, or_, select

from ..activity import EventKind, record
from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..documents import storage
from ..documents.models import Document
from ..extensions import db
from ..projects.models import Assignment, Project
from ..staff.models import StaffMember
from .models import PARTS, ClientDefaults, Exclusion, FieldReportTemplate, ProjectSettings


# --- Reading ---------------------------------------------------------------------------------

def defaults_of(client_id: int) -> ClientDefaults | None:
    return db.session.get(ClientDefaults, client_id)


def ensure_defaults(client) -> ClientDefaults:
    found = defaults_of(client.id)
    if found is None:
        found = ClientDefaults(client_id=client.id, field_reports=[])
        db.session.add(found)
        db.session.flush()
    return found


def documents(kind: str, owner_id: int) -> list[Document]:
    column = Document.client_id if kind == "client" else Document.project_id
    return db.session.scalars(select(Document).where(column == owner_id)
                              .order_by(Document.id)).all()


def document(kind: str, owner_id: int, document_id: int) -> Document | None:
    found = db.session.get(Document, document_id)
    owner = found and (found.client_id if kind == "client" else found.project_id)
    return found if owner == owner_id else None


def templates() -> list[FieldReportTemplate]:
    return db.session.scalars(select(FieldReportTemplate)
                              .order_by(FieldReportTemplate.name, FieldReportTemplate.id)).all()


def templates_named(ids) -> list[FieldReportTemplate]:
    ids = [i for i in ids or [] if isinstance(i, int)]
    if not ids:
        return []
    found = {t.id: t for t in db.session.scalars(
        select(FieldReportTemplate).where(FieldReportTemplate.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def exclusions(client_id: int) -> list[Exclusion]:
    return db.session.scalars(
        select(Exclusion).join(StaffMember, StaffMember.id == Exclusion.staff_id)
        .where(Exclusion.client_id == client_id)
        .order_by(StaffMember.name_key, StaffMember.id)).all()


def exclusion(client_id: int, exclusion_id: int) -> Exclusion | None:
    found = db.session.get(Exclusion, exclusion_id)
    return found if found is not None and found.client_id == client_id else None


def upcoming_projects(client_id: int, today: date) -> list[Project]:
    return db.session.scalars(
        select(Project).where(Project.client_id == client_id, Project.archived_at.is_(None),
                              or_(Project.start_date.is_(None), Project.start_date > today))
        .order_by(Project.start_date.nulls_last(), Project.id)).all()


def staffed_upcoming(client_id: int, staff_id: int, today: date) -> list[Project]:
    """The client's upcoming projects this staff member works."""
    return [p for p in upcoming_projects(client_id, today)
            if db.session.get(Assignment, (p.id, staff_id)) is not None]


# --- A client's defaults ----------------------------------------------------------------------

def _changed(client, part: str) -> None:
    record(EventKind.DEFAULTS_CHANGED, client, part=part)


def set_values(client, values: dict, part: str) -> bool:
    """Set some of location_name, location_address, notes, field_reports; False when
    nothing changed (StaleDataError when someone saved first)."""
    row = ensure_defaults(client)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(row, name, value)
    db.session.flush()
    _changed(client, part)
    return True


def add_documents(kind: str, owner, uploads, user_id: int | None) -> list[str]:
    """Store each upload and name it for `owner`; storage.Refused or TooLarge stop all."""
    names = []
    for upload in uploads:
        stored = storage.store(upload)
        name = (upload.filename or "document").replace("\x00", "").strip()[-255:] or "document"
        db.session.add(Document(file_id=stored.id, name=name, created_by_id=user_id,
                                **{f"{kind}_id": owner.id}))
        names.append(name)
    db.session.flush()
    _after_documents(kind, owner)
    return names


def rename_document(kind: str, owner, doc: Document, name: str) -> None:
    doc.name = name
    db.session.flush()
    _after_documents(kind, owner)


def remove_document(kind: str, owner, doc: Document) -> None:
    file_id = doc.file_id
    db.session.delete(doc)
    storage.discard_unreferenced([file_id])
    _after_documents(kind, owner)


def _after_documents(kind, owner) -> None:
    if kind == "client":
        _changed(owner, "documents")
    else:
        mark(owner, "documents")


def exclude(client, staff: StaffMember, reason: str | None, remove_from=()) -> Exclusion:
    found = db.session.scalar(select(Exclusion).where(Exclusion.client_id == client.id,
                                                      Exclusion.staff_id == staff.id))
    if found is None:
        found = Exclusion(client_id=client.id, staff_id=staff.id, reason=reason)
        db.session.add(found)
    else:
        found.reason = reason
    for project in remove_from:
        assignment = db.session.get(Assignment, (project.id, staff.id))
        if assignment is not None:
            db.session.delete(assignment)
    db.session.flush()
    _changed(client, "excluded")
    return found


def unexclude(client, found: Exclusion) -> None:
    db.session.delete(found)
    db.session.flush()
    _changed(client, "excluded")


# --- A project's settings ---------------------------------------------------------------------

def settings_of(project: Project) -> ProjectSettings:
    found = db.session.get(ProjectSettings, project.id)
    if found is None:
        found = ProjectSettings(project_id=project.id, field_reports=[], excluded=[],
                                **{f"{part}_changed": False for part in PARTS})
        db.session.add(found)
        db.session.flush()
    return found


def mark(project: Project, part: str, changed: bool = True) -> None:
    setattr(settings_of(project), f"{part}_changed", changed)
    db.session.flush()


def _client_excluded(client_id: int) -> list[dict]:
    return [{"staff": e.staff_id, "reason": e.reason} for e in exclusions(client_id)]


def _copy(project: Project, part: str, defaults: ClientDefaults | None) -> None:
    """Give `project` the client's current value of `part` (its mark: from the defaults)."""
    settings = settings_of(project)
    client_id = project.client_id
    if part == "location":
        project.location = (defaults.location if defaults else "") or None
    elif part == "notes":
        project.notes = (defaults.notes if defaults else None) or None
    elif part == "reports":
        settings.field_reports = list(defaults.field_reports or []) if defaults else []
    elif part == "excluded":
        settings.excluded = _client_excluded(client_id) if client_id else []
    elif part == "documents":
        # References to the client's files, in one INSERT ... SELECT (hundreds of them).
        file_ids = db.session.scalars(select(Document.file_id)
                                      .where(Document.project_id == project.id)).all()
        if file_ids:
            db.session.execute(delete(Document).where(Document.project_id == project.id))
        if client_id:
            db.session.execute(insert(Document).from_select(
                ["file_id", "project_id", "name", "created_at", "created_by_id"],
                select(Document.file_id, literal(project.id), Document.name,
                       literal(utcnow(), UTCDateTime()), Document.created_by_id)
                .where(Document.client_id == client_id).order_by(Document.id)))
        storage.discard_unreferenced(file_ids)
    setattr(settings, f"{part}_changed", False)
    db.session.flush()


def copy_client_defaults(project: Project) -> None:
    """A new project starts with its client's defaults. A location or notes typed in its
    creation form (or copied from the project it duplicates) stay, marked as changed when
    they differ from the defaults."""
    settings_of(project)
    if project.client_id is None:
        return
    defaults = defaults_of(project.client_id)
    typed = {"location": project.location, "notes": project.notes}
    for part in PARTS:
        _copy(project, part, defaults)
    for part, value in typed.items():
        if value and value != getattr(project, part):
            setattr(project, part, value)
            mark(project, part)
    db.session.flush()


def reset(project: Project, part: str) -> None:
    _copy(project, part, defaults_of(project.client_id) if project.client_id else None)


def take_client_defaults(project: Project) -> None:
    """After a change of client: every value from the new client's defaults."""
    for part in PARTS:
        reset(project, part)


def apply_to_upcoming(client, today: date) -> list[Project]:
    """The client's current defaults to each upcoming project, for the values it has not
    changed."""
    defaults = defaults_of(client.id)
    projects = upcoming_projects(client.id, today)
    for project in projects:
        settings = settings_of(project)
        for part in PARTS:
            if not settings.changed(part):
                _copy(project, part, defaults)
    record(EventKind.DEFAULTS_APPLIED, client, projects=len(projects))
    return projects


def excluded_from(project: Project) -> dict[int, str | None]:
    """{staff id: reason} of who may not work `project`."""
    settings = db.session.get(ProjectSettings, project.id)
    if settings is not None:
        return {int(e["staff"]): e.get("reason") for e in settings.excluded or []
                if isinstance(e, dict) and "staff" in e}
    if project.client_id is None:
        return {}
    return {e["staff"]: e["reason"] for e in _client_excluded(project.client_id)}


def set_project_excluded(project: Project, entries: list[dict]) -> None:
    settings = settings_of(project)
    settings.excluded = entries
    settings.excluded_changed = True
    db.session.flush()


def discard_client_documents(client) -> None:
    """Before a client is deleted: its defaults' documents, and the files nothing else uses."""
    _discard("client", client.id)


def discard_project_documents(project: Project) -> None:
    """Before a project is deleted: its documents, and the files nothing else uses."""
    _discard("project", project.id)


def _discard(kind: str, owner_id: int) -> None:
    docs = documents(kind, owner_id)
    file_ids = [doc.file_id for doc in docs]
    for doc in docs:
        db.session.delete(doc)
    storage.discard_unreferenced(file_ids)
