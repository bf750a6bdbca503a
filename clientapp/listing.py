"""Lists: one way to read a list's parameters, sort, page, and link to another view of it.

A list page declares a Listing: the endpoint that shows it, its sort keys, its filters and
whether it searches. Listing.params(request.args) reads ?q=&sort=&page=&size= and the
filters once, leniently (anything unknown falls back to the default, so a stale or hand-made
URL still shows a list); Params.args(**changes) gives the query arguments of a link to
another view, defaults left out, so the address bar stays short and a reload or a shared
link shows the same list. Listing.paginate() pages a select() with Flask-SQLAlchemy's
db.paginate(); a page past the end shows the last one (after archiving its last rows).
templates/_listing.html has the column headers, the pager and the page-size choice.

A sort is "key" (ascending) or "-key" (descending); each key orders by its columns, then by
the table's id so that equal values keep a stable order across pages.
"""
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from flask import url_for
from flask_sqlalchemy.pagination import Pagination

from .extensions import db

PAGE_SIZES = (25, 50, 100)
SEARCH_MAX = 200
PAGE_MAX = 1_000_000


@dataclass(frozen=True)
class Sort:
    key: str
    columns: tuple  # column expressions, the first the main one
    first: str = "asc"  # the direction of a first click on its header
    nulls_last: bool = False  # empty values after the others, in both directions


@dataclass(frozen=True)
class Filter:
    """A filter's URL parameter: `choices` it may take (the first is the default), or
    `parse`, which turns the raw value into one (None for the default)."""

    name: str
    choices: tuple = ()
    parse: Callable[[str], Any] | None = None

    @property
    def default(self):
        return self.choices[0] if self.choices else None

    def read(self, raw):
        if self.parse is not None:
            return self.parse(raw) if raw not in (None, "") else None
        return raw if raw in self.choices else self.default


@dataclass(frozen=True)
class Listing:
    endpoint: str
    sorts: tuple[Sort, ...]
    tiebreak: Any  # the id column
    filters: tuple[Filter, ...] = ()
    default_sort: str | None = None  # the first sort's key when not given
    page_size: int = 50
    searchable: bool = True

    def sort(self, key: str) -> Sort:
        return next(s for s in self.sorts if s.key == key.lstrip("-"))

    @property
    def sort_keys(self) -> set:
        return {s.key for s in self.sorts} | {"-" + s.key for s in self.sorts}

    @property
    def default(self) -> str:
        return self.default_sort or self.sorts[0].key

    def params(self, args, path: dict | None = None, **fixed) -> "Params":
        """Read the list's parameters from `args` (request.args); `fixed` ones (a filter the
        page itself sets) win; `path` holds the arguments of the endpoint's URL rule (a
        list inside a page: the client's id)."""
        q = (args.get("q") or "").replace("\x00", "").strip()[:SEARCH_MAX] \
            if self.searchable else ""
        sort = args.get("sort") if args.get("sort") in self.sort_keys else self.default
        try:
            page = max(1, min(int(args.get("page", 1)), PAGE_MAX))
        except (TypeError, ValueError):
            page = 1
        try:
            size = int(args.get("size", self.page_size))
        except (TypeError, ValueError):
            size = self.page_size
        if size not in PAGE_SIZES:
            size = self.page_size
        filters = {f.name: f.read(args.get(f.name)) for f in self.filters}
        filters.update(fixed)
        return Params(self, q, sort, page, size, tuple(sorted(filters.items())),
                      tuple(sorted((path or {}).items())))

    def order(self, query, sort: str):
        """`query` ordered by `sort`, then by id in the same direction."""
        descending = sort.startswith("-")
        terms = []
        for column in self.sort(sort).columns:
            term = column.desc() if descending else column.asc()
            if self.sort(sort).nulls_last:
                term = term.nulls_last()
            terms.append(term)
        terms.append(self.tiebreak.desc() if descending else self.tiebreak.asc())
        return query.order_by(*terms)

    def paginate(self, query, params: "Params", total: int | None = None):
        """One page of `query` (a select(), filtered, not ordered) in the order of `params`.
        `total` when the caller counts faster than a count of the query would."""
        if total is None:
            total = db.session.scalar(db.select(db.func.count()).select_from(
                query.order_by(None).subquery()))
        pages = max(1, -(-total // params.size))
        page = db.paginate(self.order(query, params.sort), page=min(params.page, pages),
                           per_page=params.size, max_per_page=max(PAGE_SIZES),
                           error_out=False, count=False)
        page.total = total
        return page

    def paginate_counted(self, query, params: "Params"):
        """paginate() in one statement: the page's rows each carry the total (count(*)
        OVER ()). For a search: the matches are found once instead of twice, for the count
        and for the page. Not for a plain list, whose page reads fifty rows of an index
        where a count over the window would read them all. A page past the end falls back
        to paginate(), which shows the last one. SQLite only: PostgreSQL, to count over
        the window, walks the sort's index through every row where the page alone stops at
        its fiftieth match, and the count has the trigram index."""
        if db.session.get_bind().dialect.name != "sqlite":
            return self.paginate(query, params)
        size = params.size
        rows = db.session.execute(
            self.order(query.add_columns(db.func.count().over()), params.sort)
            .limit(size).offset((params.page - 1) * size)).all()
        if not rows and params.page > 1:
            return self.paginate(query, params)
        return _Read(page=params.page, per_page=size, max_per_page=max(PAGE_SIZES),
                     error_out=False, items=[row[0] for row in rows],
                     total=rows[0][-1] if rows else 0)


class _Read(Pagination):
    """A page whose rows and total were read already (Listing.paginate_counted)."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


@dataclass(frozen=True)
class Params:
    listing: Listing = field(repr=False, compare=False)
    q: str = ""
    sort: str = ""
    page: int = 1
    size: int = 50
    filters: tuple = ()  # (name, value) pairs, sorted: hashable and comparable
    path: tuple = ()  # (name, value) pairs of the endpoint's URL rule

    def __getattr__(self, name):
        # A filter reads like an attribute: params.view, params.client.
        for key, value in object.__getattribute__(self, "filters"):
            if key == name:
                return value
        raise AttributeError(name)

    def with_(self, **changes) -> "Params":
        """These parameters with `changes` (filters by name too)."""
        own = {k: changes.pop(k) for k in list(changes) if k in ("q", "sort", "page", "size")}
        filters = dict(self.filters)
        filters.update(changes)
        return replace(self, **own, filters=tuple(sorted(filters.items())))

    def args(self, **changes) -> dict:
        """Query arguments for a link to this view with `changes`, defaults left out (what
        with_(**changes) holds, without making it: a list page asks for a score of links)."""
        listing = self.listing
        q = changes.pop("q", self.q)
        sort = changes.pop("sort", self.sort)
        size = changes.pop("size", self.size)
        page = changes.pop("page", self.page)
        filters = dict(self.filters)
        filters.update(changes)
        out = {}
        if q:
            out["q"] = q
        if sort != listing.default:
            out["sort"] = sort
        for f in listing.filters:
            value = filters.get(f.name)
            if value is not None and value != f.default:
                out[f.name] = value
        if size != listing.page_size:
            out["size"] = size
        if page != 1:
            out["page"] = page
        return out

    def base_url(self) -> str:
        """The list's URL without its query (a GET form's action)."""
        return url_for(self.listing.endpoint, **dict(self.path))

    def url(self, **changes) -> str:
        return url_for(self.listing.endpoint, **dict(self.path), **self.args(**changes))

    def sorted_by(self, key: str) -> str | None:
        """"ascending" or "descending" when the list is sorted by `key`, else None."""
        if self.sort.lstrip("-") != key:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"

    def next_sort(self, key: str) -> str:
        """The sort a click on `key`'s header asks for: the other direction when the list is
        sorted by it already, else its first direction."""
        current = self.sorted_by(key)
        if current == "ascending":
            return "-" + key
        if current == "descending":
            return key
        return key if self.listing.sort(key).first == "asc" else "-" + key
