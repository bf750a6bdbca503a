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


def neighbour_document(kind: str, owner_id: int, document_id: int) -> int | None:
    """The document listed after this one (newest first), else the one before: where focus
    goes once it is removed."""
    column = Document.client_id if kind == "client" else Document.project_id
    return db.session.scalar(select(Document.id).where(column == owner_id,
                                                       Document.id < document_id)
                             .order_by(Document.id.desc()).limit(1)) or db.session.scalar(
        select(Document.id).where(column == owner_id, Document.id > document_id)
        .order_by(Document.id).limit(1))


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

def _changed(client, part: str, **data) -> None:
    record(EventKind.DEFAULTS_CHANGED, client, part=part, **data)


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
    _after_documents(kind, owner, action="uploaded", names=names[:NAMES_RECORDED],
                     more=max(0, len(names) - NAMES_RECORDED))
    return names


def rename_document(kind: str, owner, doc: Document, name: str) -> None:
    old = doc.name
    doc.name = name
    db.session.flush()
    _after_documents(kind, owner, action="renamed", old=old, name=name)


def remove_document(kind: str, owner, doc: Document) -> None:
    file_id, name = doc.file_id, doc.name
    db.session.delete(doc)
    storage.discard_unreferenced([file_id])
    _after_documents(kind, owner, action="removed", name=name)


NAMES_RECORDED = 10  # an upload's timeline entry names this many files, then "and N more"


def _after_documents(kind, owner, **data) -> None:
    """The client's timeline says which documents changed and how."""
    if kind == "client":
        _changed(owner, "documents", **data)
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


def excluded_staffed_upcoming(client, today: date) -> list[tuple]:
    """(project, staff member, reason) for each upcoming project of the client that someone
    works although, once the defaults are applied, they are excluded from it."""
    client_excluded = {e.staff_id: e.reason for e in exclusions(client.id)}
    found = []
    for project in upcoming_projects(client.id, today):
        settings = db.session.get(ProjectSettings, project.id)
        own = project_excluded(project) if settings is not None and settings.excluded_changed \
            else {}
        after = _with_client(own, client_excluded)
        if not after:
            continue
        staffed = db.session.scalars(
            select(StaffMember).join(Assignment, Assignment.staff_id == StaffMember.id)
            .where(Assignment.project_id == project.id, StaffMember.id.in_(list(after)))
            .order_by(StaffMember.name_key, StaffMember.id)).all()
        found.extend((project, staff, after[staff.id]) for staff in staffed)
    return found


def apply_to_upcoming(client, today: date) -> list[Project]:
    """The client's current defaults to each upcoming project, for the values it has not
    changed; whoever works one of them while excluded from it is taken off it (the
    confirmation listed them: excluded_staffed_upcoming)."""
    defaults = defaults_of(client.id)
    leaving = excluded_staffed_upcoming(client, today)
    projects = upcoming_projects(client.id, today)
    for project in projects:
        settings = settings_of(project)
        for part in PARTS:
            if not settings.changed(part):
                _copy(project, part, defaults)
    for project, staff, _reason in leaving:
        assignment = db.session.get(Assignment, (project.id, staff.id))
        if assignment is not None:
            db.session.delete(assignment)
    db.session.flush()
    record(EventKind.DEFAULTS_APPLIED, client, projects=len(projects))
    return projects


def project_excluded(project: Project) -> dict[int, str | None]:
    """{staff id: reason} of the project's own Excluded staff value (a copy of its client's
    at creation, or changed for it)."""
    settings = db.session.get(ProjectSettings, project.id)
    if settings is None:
        return {}
    return {int(e["staff"]): e.get("reason") for e in settings.excluded or []
            if isinstance(e, dict) and "staff" in e}


def excluded_from(project: Project) -> dict[int, str | None]:
    """{staff id: reason} of who may not work `project`: its own excluded staff and, since
    an exclusion on the client means "never this client's projects", everyone the client
    excludes now, whenever the project was created."""
    if project.client_id is None:
        return project_excluded(project)
    return _with_client(project_excluded(project),
                        {e.staff_id: e.reason for e in exclusions(project.client_id)})


def _with_client(own: dict, client: dict) -> dict:
    """{staff id: reason}: a project's own exclusions and its client's, the client's reason
    where the project's own entry gives none."""
    merged = dict(own)
    for staff_id, reason in client.items():
        if not merged.get(staff_id):
            merged[staff_id] = reason
    return merged


def staffed_excluded(project: Project) -> dict[int, str | None]:
    """{staff id: reason} of who works `project` although excluded from it."""
    excluded = excluded_from(project)
    if not excluded:
        return {}
    staffed = set(db.session.scalars(select(Assignment.staff_id).where(
        Assignment.project_id == project.id, Assignment.staff_id.in_(list(excluded)))))
    return {i: r for i, r in excluded.items() if i in staffed}


def _documents_key(kind: str, owner_id: int) -> list:
    column = Document.client_id if kind == "client" else Document.project_id
    return sorted(db.session.execute(select(Document.file_id, Document.name)
                                     .where(column == owner_id)).all())


def stale_parts(project: Project) -> set[str]:
    """The values marked "from client defaults" that no longer match the client's current
    defaults (the client changed them after the project was created)."""
    settings = db.session.get(ProjectSettings, project.id)
    if settings is None or project.client_id is None:
        return set()
    defaults = defaults_of(project.client_id)
    current = {
        "location": (defaults.location if defaults else "") or None,
        "notes": (defaults.notes if defaults else None) or None,
        "reports": list(defaults.field_reports or []) if defaults else [],
    }
    stale = set()
    for part in PARTS:
        if settings.changed(part):
            continue
        if part in ("location", "notes"):
            differs = (getattr(project, part) or None) != current[part]
        elif part == "reports":
            differs = list(settings.field_reports or []) != current["reports"]
        elif part == "excluded":
            differs = project_excluded(project) != {
                e["staff"]: e["reason"] for e in _client_excluded(project.client_id)}
        else:
            differs = _documents_key("project", project.id) != _documents_key(
                "client", project.client_id)
        if differs:
            stale.add(part)
    return stale


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
