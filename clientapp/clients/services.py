"""Client queries and rules shared by the routes, the dashboard and the importer."""
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from ..extensions import db
from ..text import fold, name_match_key
from .models import Client


def dashboard_figures() -> dict:
    active, archived = db.session.execute(
        select(
            func.count().filter(Client.archived_at.is_(None)),
            func.count().filter(Client.archived_at.is_not(None)),
        ).select_from(Client)
    ).one()
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
        q = (args.get("q") or "").strip()[:200]
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


def _like_escape(text: str) -> str:
    """"%" and "_" in a search match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def client_query(params: ListParams):
    """The select() for the clients of a view (filter only, no order or page)."""
    query = select(Client)
    if params.view == "active":
        query = query.where(Client.archived_at.is_(None))
    elif params.view == "archived":
        query = query.where(Client.archived_at.is_not(None))
    if params.q:
        query = query.where(Client.search_text.like(f"%{_like_escape(fold(params.q))}%",
                                                   escape="\\"))
    return query


def ordered(query, sort: str):
    column = {"name": Client.name_key, "code": Client.code_key,
              "created": Client.created_at}[sort.lstrip("-")]
    if sort.startswith("-"):
        return query.order_by(column.desc(), Client.id.desc())
    return query.order_by(column.asc(), Client.id.asc())


def list_page(params: ListParams) -> dict:
    base = client_query(params)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        ordered(base, params.sort).limit(PAGE_SIZE).offset((params.page - 1) * PAGE_SIZE)
    ).all()
    pages = max(1, -(-total // PAGE_SIZE))
    return {"clients": rows, "total": total, "pages": pages}


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
