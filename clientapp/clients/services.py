"""Client queries and rules shared by the routes, the dashboard and the importer."""
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..db.time import utcnow
from ..db import search
from ..extensions import db
from ..text import name_match_key
from .models import Client


def client_counts() -> tuple[int, int]:
    """(active, archived). Counted as all minus archived: counting every row tests no
    condition per row, and the archived clients, the few, come from the archived_at index
    range; a "WHERE archived_at IS NULL" count tests every active row."""
    archived = select(func.count()).select_from(Client).where(Client.archived_at.is_not(None))
    total = select(func.count()).select_from(Client)
    active, archived = db.session.execute(
        select(total.scalar_subquery() - archived.scalar_subquery(), archived.scalar_subquery())
    ).one()
    return active, archived


def dashboard_figures() -> dict:
    active, archived = client_counts()
    latest = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None))
        .order_by(Client.created_at.desc(), Client.id.desc()).limit(5)
    ).all()
    return {"active": active, "archived": archived, "latest": latest}


# --- The list view: one set of parameters, shared by the list page and the export. ---
PAGE_SIZE = 50
SORTS = ("name", "-name", "code", "-code", "created", "-created")
VIEWS = ("active", "archived", "all")  # the Active tab, the Archived tab, Show archives


@dataclass(frozen=True)
class ListParams:
    q: str = ""
    sort: str = "name"
    view: str = "active"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ListParams":
        """Read ?q=&sort=&view=&page= leniently: anything unknown falls back to the default."""
        q = (args.get("q") or "").replace("\x00", "").strip()[:200]
        sort = args.get("sort") if args.get("sort") in SORTS else "name"
        view = args.get("view") if args.get("view") in VIEWS else "active"
        try:
            page = max(1, min(int(args.get("page", 1)), 1_000_000))
        except (TypeError, ValueError):
            page = 1
        return cls(q=q, sort=sort, view=view, page=page)

    def args(self, **changes) -> dict:
        """Query arguments for a link to this view with `changes`, defaults left out."""
        new = replace(self, **changes)
        out = {}
        if new.q:
            out["q"] = new.q
        if new.sort != "name":
            out["sort"] = new.sort
        if new.view != "active":
            out["view"] = new.view
        if new.page != 1:
            out["page"] = new.page
        return out


def client_query(params: ListParams):
    """The select() for the clients of a view (filter only, no order or page)."""
    query = select(Client)
    if params.view == "active":
        query = query.where(Client.archived_at.is_(None))
    elif params.view == "archived":
        query = query.where(Client.archived_at.is_not(None))
    if params.q:
        query = search.matching(query, Client, params.q)
    return query


def count_clients(params: ListParams) -> int:
    if not params.q:
        active, archived = client_counts()
        return {"active": active, "archived": archived, "all": active + archived}[params.view]
    return db.session.scalar(select(func.count()).select_from(client_query(params).subquery()))


def ordered(query, sort: str):
    column = {"name": Client.name_key, "code": Client.code_key,
              "created": Client.created_at}[sort.lstrip("-")]
    if sort.startswith("-"):
        return query.order_by(column.desc(), Client.id.desc())
    return query.order_by(column.asc(), Client.id.asc())


def list_page(params: ListParams) -> dict:
    """One page of a view: its clients, the total, the number of pages and the page shown
    (a page past the end shows the last one, e.g. after archiving its last rows)."""
    base = client_query(params)
    total = count_clients(params)
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(params.page, pages)
    rows = db.session.scalars(
        ordered(base, params.sort).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    first = (number - 1) * PAGE_SIZE + 1 if rows else 0
    return {"clients": rows, "total": total, "pages": pages, "number": number,
            "first": first, "last": first + len(rows) - 1 if rows else 0}


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


def create_client(name: str, created_by_id: int | None = None) -> Client:
    client = Client(name=name, created_by_id=created_by_id)
    db.session.add(client)
    db.session.commit()
    return client


def clients_by_ids(ids) -> list[Client]:
    """The clients among `ids` (unknown ones left out), in list order."""
    wanted = sorted({int(i) for i in ids})[:BULK_MAX]
    if not wanted:
        return []
    return db.session.scalars(
        select(Client).where(Client.id.in_(wanted)).order_by(Client.name_key, Client.id)).all()


def _commit_change(clients, change) -> list[Client]:
    """Apply `change` (which returns the clients it changed) and commit. When someone saved
    one of them meanwhile (version_id_col raises StaleDataError), read them again and redo
    it: archiving is what the user asked for, whatever the other edit was."""
    for _attempt in range(3):
        changed = change(clients)
        try:
            db.session.commit()
            return changed
        except StaleDataError:
            db.session.rollback()  # expires the clients: the next attempt reads them anew
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

    return _commit_change(clients, archive)


def unarchive_clients(clients) -> list[Client]:
    """Bring the archived ones among `clients` back; returns those it changed."""
    def unarchive(clients):
        changed = [c for c in clients if c.archived_at is not None]
        for client in changed:
            client.archived_at = None
            client.archive_reason = None
        return changed

    return _commit_change(clients, unarchive)


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
    client_id = client.id
    db.session.delete(client)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DeleteRefused(max(1, project_count(client_id))) from None
