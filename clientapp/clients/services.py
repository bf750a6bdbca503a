"""Client queries and rules shared by the routes, the dashboard and the importer.

Writes flush and record their event (activity), in the caller's transaction: the route
commits, so a change and its record commit together or not at all."""
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..activity import EventKind, record
from ..db import search
from ..db.time import utcnow
from ..extensions import db
from ..ids import as_id
from ..listing import Filter, Listing, Params, Sort
from ..projects.services import project_count_column, refresh_client_name
from ..text import name_match_key
from .models import CLIENT_TYPES, Client


# Built once (the list and the dashboard ask on every view): all clients, and the archived
# ones. Counting all tests no condition per row, and the archived clients, the few, come from
# the archived_at index range; a "WHERE archived_at IS NULL" count tests every active row.
_COUNTS = select(select(func.count()).select_from(Client).scalar_subquery(),
                 select(func.count()).select_from(Client)
                 .where(Client.archived_at.is_not(None)).scalar_subquery())


def client_counts() -> tuple[int, int]:
    """(active, archived), active counted as all minus archived."""
    total, archived = db.session.execute(_COUNTS).one()
    return total - archived, archived


def dashboard_figures() -> dict:
    active, archived = client_counts()
    latest = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None))
        # archived_at first (NULL throughout): PostgreSQL then reads ix_clients_archived_created
        # backwards and stops at five, instead of sorting every active client.
        .order_by(Client.archived_at.desc(), Client.created_at.desc(), Client.id.desc())
        .limit(5)
    ).all()
    return {"active": active, "archived": archived, "latest": latest}


# --- The list: one definition, shared by the list page and the export. ---
CLIENT_TYPE_FILTER = ("all",) + CLIENT_TYPES
CLIENTS = Listing(
    endpoint="clients.list_clients",
    sorts=(Sort("name", (Client.name_key,)),
           # Clients without a code come after those with one, both ways.
           Sort("code", (Client.code_key,), nulls_last=True),
           Sort("created", (Client.created_at,), first="desc"),
           # Clients never interacted with come last, both ways.
           Sort("interaction", (Client.last_interaction_at,), first="desc", nulls_last=True),
           # A correlated count: only a sort by it pays for it on every client.
           Sort("projects", (project_count_column(),), first="desc")),
    tiebreak=Client.id,
    # The Active tab, the Archived tab, and both ("Show archives").
    filters=(Filter("view", ("active", "archived", "all")),
             Filter("type", CLIENT_TYPE_FILTER),
             # One client (its profile's Export); not a filter the list page offers.
             Filter("id", parse=as_id)),
)


def client_params(**values) -> Params:
    """The list's parameters from plain values (tests, the export): client_params(q="x")."""
    return CLIENTS.params({key: str(value) for key, value in values.items()})


def client_query(params: Params):
    """The select() for the clients of a view (filter only, no order or page)."""
    query = select(Client)
    if params.view == "active":
        query = query.where(Client.archived_at.is_(None))
    elif params.view == "archived":
        query = query.where(Client.archived_at.is_not(None))
    if params.type != "all":
        query = query.where(Client.type == params.type)
    if params.id is not None:
        query = query.where(Client.id == params.id)
    if params.q:
        query = search.matching(query, Client, params.q)
    return query


def count_clients(params: Params) -> int:
    if not params.q and params.type == "all" and params.id is None:
        active, archived = client_counts()
        return {"active": active, "archived": archived, "all": active + archived}[params.view]
    return db.session.scalar(select(func.count()).select_from(client_query(params).subquery()))


def ordered(query, sort: str):
    return CLIENTS.order(query, sort)


def list_page(params: Params):
    """One page of a view (Flask-SQLAlchemy's Pagination): a page past the end shows the
    last one, e.g. after archiving its last rows."""
    if params.q:
        return CLIENTS.paginate_counted(client_query(params), params)
    return CLIENTS.paginate(client_query(params), params, total=count_clients(params))


def similar_clients(name: str, exclude_id: int | None = None, limit: int = 5) -> list:
    """Clients whose name is the same once case, accents, punctuation and legal suffixes
    (Inc, Ltd, SARL, GmbH…) are ignored: "Acme, Inc." for "ACME"."""
    key = name_match_key(name)
    if not key:
        return []
    query = select(Client).where(Client.match_key == key)
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    return db.session.scalars(query.order_by(Client.id).limit(limit)).all()


# --- Writes from the list: quick add, archive, unarchive, delete. ---
BULK_MAX = 500  # more ids than a few pages of the list hold is not a person clicking
REASON_MAX = 500


def create_client(values: dict, created_by_id: int | None = None) -> Client:
    client = Client(created_by_id=created_by_id, **values)
    db.session.add(client)
    db.session.flush()
    record(EventKind.CLIENT_CREATED, client)
    return client


def update_client(client: Client, values: dict) -> dict:
    """Set `values` on `client`, flush (StaleDataError when someone saved it first) and
    record what changed; returns {field: [old, new]} ({} when nothing did)."""
    changes = {name: [getattr(client, name), value] for name, value in values.items()
               if getattr(client, name) != value}
    if changes:
        for name, (_old, value) in changes.items():
            setattr(client, name, value)
        db.session.flush()
        if "name" in changes:
            refresh_client_name(client)  # a search by the new name finds its projects
        record(EventKind.CLIENT_EDITED, client, changes=changes)
    return changes


def clients_by_ids(ids) -> list[Client]:
    """The clients among `ids` (unknown ones left out), in list order."""
    wanted = sorted({int(i) for i in ids})[:BULK_MAX]
    if not wanted:
        return []
    return db.session.scalars(
        select(Client).where(Client.id.in_(wanted)).order_by(Client.name_key, Client.id)).all()


def _change_each(clients, change) -> list[Client]:
    """Apply `change` (which returns the clients it changed) and flush, in a savepoint. When
    someone saved one of them meanwhile (version_id_col raises StaleDataError), read them
    again and redo it: archiving is what the user asked for, whatever the other edit was."""
    for _attempt in range(3):
        try:
            with db.session.begin_nested():
                changed = change(clients)
                db.session.flush()
            return changed
        except StaleDataError:
            for client in clients:
                db.session.refresh(client)
    raise StaleDataError("the clients kept changing")


def archive_clients(clients, reason: str | None = None) -> list[Client]:
    """Archive the active ones among `clients`; returns those it archived."""
    def archive(clients):
        changed = [c for c in clients if c.archived_at is None]
        now = utcnow()
        for client in changed:
            client.archived_at = now
            client.archive_reason = reason
        return changed

    changed = _change_each(clients, archive)
    for client in changed:
        record(EventKind.CLIENT_ARCHIVED, client, reason=reason)
    return changed


def unarchive_clients(clients) -> list[Client]:
    """Bring the archived ones among `clients` back; returns those it changed."""
    def unarchive(clients):
        changed = [c for c in clients if c.archived_at is not None]
        for client in changed:
            client.archived_at = None
            client.archive_reason = None
        return changed

    changed = _change_each(clients, unarchive)
    for client in changed:
        record(EventKind.CLIENT_UNARCHIVED, client)
    return changed


_PAGE_EXTRAS = None


def page_extras(client_ids) -> dict:
    """{client id: (its number of projects, its primary contact or None)} for a page of
    clients (the list's Projects and Contact columns), in one query built once."""
    global _PAGE_EXTRAS
    ids = list(client_ids)
    if not ids:
        return {}
    if _PAGE_EXTRAS is None:
        from ..contacts.models import Contact
        from ..projects.models import Project

        projects = (select(func.count()).select_from(Project)
                    .where(Project.client_id == Client.id).scalar_subquery())
        _PAGE_EXTRAS = (
            select(Client.id, projects, Contact)
            .outerjoin(Contact, and_(Contact.client_id == Client.id,
                                     Contact.is_primary.is_(True)))
            .where(Client.id.in_(bindparam("ids", expanding=True))))
    rows = db.session.execute(_PAGE_EXTRAS, {"ids": ids})
    return {client_id: (projects, contact) for client_id, projects, contact in rows}


def project_count(client_id: int) -> int:
    from ..projects.models import Project

    return db.session.scalar(
        select(func.count()).select_from(Project).where(Project.client_id == client_id))


class DeleteRefused(Exception):
    """A client with projects stays: its history would lose its client."""

    def __init__(self, projects: int):
        super().__init__(projects)
        self.projects = projects


def delete_client(client: Client) -> None:
    """Delete a client that has no project; DeleteRefused otherwise.

    The count is checked first for a clear message; the foreign key (ON DELETE RESTRICT)
    still refuses when a project is attached between the check and the delete.
    """
    projects = project_count(client.id)
    if projects:
        raise DeleteRefused(projects)
    client_id, name = client.id, client.name
    try:
        with db.session.begin_nested():
            from ..defaults.services import discard_client_documents

            discard_client_documents(client)  # their files, once nothing else uses them
            db.session.delete(client)
            db.session.flush()
    except IntegrityError:
        raise DeleteRefused(max(1, project_count(client_id))) from None
    # Not tied to the client, which is gone: the record names it.
    record(EventKind.CLIENT_DELETED, None, name=name, id=client_id)
