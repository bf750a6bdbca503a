"""Project queries and rules shared by the routes, the client profile and the dashboard.

Writes flush and record their event in the caller's transaction; the route commits.

"Today", for a project's status, is the day in CLIENTAPP_TIMEZONE (the agency's day), not
the reader's: a project is ongoing for everyone at once. today() is the one place that
decides it; the list's tabs, the badges and the dashboard all ask it.
"""
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Bundle, contains_eager

from ..activity import EventKind, record
from ..clients.models import Client
from ..db import search
from ..db.time import utcnow
from ..extensions import db
from ..ids import as_id
from ..listing import Filter, Listing, Params, Sort
from ..staff.models import StaffMember
from .models import Assignment, Project

WHEN = ("all", "upcoming", "ongoing", "past", "archived")


def clock() -> datetime:
    """Now, in UTC (tests replace it to stand just before or after midnight)."""
    return utcnow()


def today() -> date:
    """The day it is in CLIENTAPP_TIMEZONE."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return clock().astimezone(zone).date()


# --- The list -------------------------------------------------------------------------------

PROJECTS = Listing(
    endpoint="projects.list_projects",
    sorts=(Sort("start", (Project.start_date,), first="desc", nulls_last=True),
           Sort("name", (Project.name_key,)),
           # Projects without a client after those with one, both ways.
           Sort("client", (Client.name_key,), nulls_last=True)),
    default_sort="-start",
    tiebreak=Project.id,
    filters=(Filter("when", WHEN), Filter("client", parse=as_id)),
)


def project_params(**values) -> Params:
    return PROJECTS.params({key: str(value) for key, value in values.items()})


def _end():
    """The last day of a project: its end date, else its start date."""
    return func.coalesce(Project.end_date, Project.start_date)


def when_condition(when: str, day: date):
    """The SQL condition of a tab. The redundant bounds on start_date let the database use
    its (archived_at, start_date) index."""
    active = Project.archived_at.is_(None)
    if when == "archived":
        return Project.archived_at.is_not(None)
    if when == "upcoming":
        return and_(active, or_(Project.start_date.is_(None), Project.start_date > day))
    if when == "ongoing":
        return or_(*ongoing_parts(day))
    if when == "past":
        return and_(active, Project.start_date < day, _end() < day)
    return active


# What a row of the list shows: plain values, not objects the session would track.
LIST_ROW = Bundle("project", Project.id, Project.name, Project.start_date, Project.end_date,
                  Project.start_time, Project.end_time, Project.location, Project.archived_at,
                  Project.client_id, Client.name.label("client_name"))


def ongoing_parts(day: date) -> tuple:
    """The Ongoing tab as two index ranges: the end dates from today on whose start is today
    or before, and the one-day projects (no end date) of today."""
    active = Project.archived_at.is_(None)
    return (and_(active, Project.end_date >= day, Project.start_date <= day),
            and_(active, Project.end_date.is_(None), Project.start_date == day))


def project_query(params: Params, day: date, when: str | None = None):
    """The select() of a view's rows (LIST_ROW): its tab (`when`, else the view's), client
    and search."""
    query = select(LIST_ROW).select_from(Project).outerjoin(Project.client)
    return _narrow(query, params, day, when)


def _narrow(query, params: Params, day: date, when: str | None = None):
    when = when or params.when
    if when == "ongoing" and _sqlite():
        # The few ongoing projects, found by id from the (archived_at, end_date, start_date)
        # index (end dates from today on, start dates checked in the index): left to itself,
        # SQLite would walk every start date before today to sort by start. (PostgreSQL
        # finds that index by itself, and would scan the table for the ids.)
        query = query.where(Project.id.in_(select(Project.id).where(when_condition(when, day))))
    else:
        query = query.where(when_condition(when, day))
    return _filter(query, params)


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _filter(query, params: Params):
    """`query` narrowed to the view's client and search."""
    if params.client is not None:
        query = query.where(Project.client_id == params.client)
    if params.q:
        query = search.matching(query, Project, params.q)
    return query


def tab_counts(params: Params, day: date) -> dict:
    """How many projects each tab holds, within the view's client and search: one query.

    Without a search or a client, "all" is every project minus the archived ones (the few,
    from the index) and "past" is what the other tabs leave, so each count reads one short
    index range, never every row. With them, one pass over the rows they match."""
    if params.q or params.client is not None:
        tabs = ("archived", "upcoming", "ongoing")
        row = db.session.execute(_filter(select(func.count(), *[
            func.coalesce(func.sum(case((when_condition(when, day), 1), else_=0)), 0)
            for when in tabs]).select_from(Project), params)).one()
        total, counts = row[0], dict(zip(tabs, row[1:]))
    else:
        def count(*conditions):
            return select(func.count()).select_from(Project).where(*conditions) \
                .scalar_subquery()

        active = Project.archived_at.is_(None)
        total, archived, undated, upcoming, ongoing, ongoing_today = db.session.execute(select(
            count(), count(when_condition("archived", day)),
            # Upcoming as two index ranges (an OR is read as one long range on PostgreSQL).
            count(active, Project.start_date.is_(None)),
            count(active, Project.start_date > day),
            # Ongoing, as its two index ranges.
            *(count(part) for part in ongoing_parts(day)),
        )).one()
        counts = {"archived": archived, "upcoming": undated + upcoming,
                  "ongoing": ongoing + ongoing_today}
    counts["all"] = total - counts["archived"]
    counts["past"] = counts["all"] - counts["upcoming"] - counts["ongoing"]
    return counts


def list_page(params: Params, day: date):
    counts = tab_counts(params, day)
    page = PROJECTS.paginate(project_query(params, day), params, total=counts[params.when])
    return page, counts


# --- A client's history ---------------------------------------------------------------------

def newest_projects(endpoint: str) -> Listing:
    """A profile's list of projects (a client's, a staff member's), newest first: by start
    (projects without dates last), then the newest created; 20 a page, no search."""
    return Listing(endpoint=endpoint,
                   sorts=(Sort("start", (Project.start_date,), first="desc", nulls_last=True),),
                   default_sort="-start", tiebreak=Project.id, page_size=20, searchable=False)


HISTORY = newest_projects("clients.profile_section")


def client_history(client_id: int, params: Params):
    query = select(Project).where(Project.client_id == client_id)
    if params.page == 1:
        # Every profile opens on the first page, and most clients' history fits on it:
        # then its rows are the count, and the count query is spared.
        page = HISTORY.paginate(query, params, total=params.size)
        if len(page.items) < params.size:
            page.total = len(page.items)
            return page
    total = db.session.scalar(select(func.count()).select_from(Project)
                              .where(Project.client_id == client_id))
    if params.page == 1:
        page.total = total
        return page
    return HISTORY.paginate(query, params, total=total)


def project_count_column():
    """The number of projects of the client of the row (a correlated subquery: only the
    page's rows, or the sort by it, pay for it)."""
    return (select(func.count()).select_from(Project).where(Project.client_id == Client.id)
            .correlate(Client).scalar_subquery())


def project_counts(client_ids) -> dict[int, int]:
    """{client id: its number of projects} for a page of clients, in one query."""
    ids = list(client_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Project.client_id, func.count()).where(Project.client_id.in_(ids))
        .group_by(Project.client_id)).all())


# --- The dashboard ----------------------------------------------------------------------------

def dashboard_figures(day: date) -> dict:
    counts = tab_counts(project_params(), day)
    base = select(Project).outerjoin(Project.client).options(contains_eager(Project.client))
    ongoing = db.session.scalars(
        base.where(when_condition("ongoing", day))
        .order_by(_end(), Project.start_date, Project.id).limit(10)).all()
    upcoming = db.session.scalars(
        base.where(Project.archived_at.is_(None), Project.start_date > day)
        .order_by(Project.start_date, Project.id).limit(5)).all()
    return {"counts": counts, "ongoing": ongoing, "upcoming": upcoming}


# --- Writes -----------------------------------------------------------------------------------

FIELDS = ("name", "client", "start_date", "end_date", "start_time", "end_time", "location",
          "notes")


def create_project(values: dict, created_by_id: int | None = None) -> Project:
    """A new project from `values` (FIELDS; "client" a Client or None); a project for a
    client records project.created on that client and starts with the client's team."""
    from ..teams.services import copy_client_team

    project = Project(created_by_id=created_by_id, **values)
    db.session.add(project)
    db.session.flush()
    from ..defaults.services import copy_client_defaults

    copy_client_defaults(project)
    if project.client is not None:
        record(EventKind.PROJECT_CREATED, project.client, project=project.id, name=project.name)
        copy_client_team(project.client_id, project.id)  # its team, switches included
    return project


def update_project(project: Project, values: dict) -> bool:
    """Set `values` on `project` and flush (StaleDataError when someone saved it first);
    False when nothing changed."""
    changed = {name: value for name, value in values.items()
               if getattr(project, name) != value}
    if not changed:
        return False
    left = project.client
    for name, value in changed.items():
        setattr(project, name, value)
    db.session.flush()
    if "client" in changed:
        # Each client's timeline says the project came or went, and from or to whom.
        joined = project.client
        if left is not None:
            record(EventKind.PROJECT_MOVED_OUT, left, project=project.id, name=project.name,
                   to=joined.name if joined is not None else None)
        if joined is not None:
            record(EventKind.PROJECT_MOVED_IN, joined, project=project.id, name=project.name,
                   **{"from": left.name if left is not None else None})
    from ..defaults.services import mark

    for part in {"location", "notes"} & set(changed):
        mark(project, part)  # no longer the client's default
    return True


def archive_project(project: Project) -> bool:
    if project.archived_at is not None:
        return False
    project.archived_at = utcnow()
    db.session.flush()
    return True


def unarchive_project(project: Project) -> bool:
    if project.archived_at is None:
        return False
    project.archived_at = None
    db.session.flush()
    return True


def staff_count(project_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment)
                             .where(Assignment.project_id == project_id))


class DeleteRefused(Exception):
    """A project with staff assigned stays: remove them first."""

    def __init__(self, staff: int):
        super().__init__(staff)
        self.staff = staff


def delete_project(project: Project) -> None:
    staff = staff_count(project.id)
    if staff:
        raise DeleteRefused(staff)
    from ..defaults.services import discard_project_documents

    discard_project_documents(project)
    db.session.delete(project)
    db.session.flush()


def refresh_client_name(client: Client) -> None:
    """After a client's rename: its projects' search text holds the new name."""
    refresh_project_search(db.session, {client.id: client.name})
    for project in (p for p in db.session.identity_map.values()
                    if isinstance(p, Project) and p.client_id == client.id):
        db.session.expire(project, ["search_text"])


def refresh_project_search(conn, names: dict) -> None:
    """The search text of the projects of the clients in `names` ({client id: its name
    now}), on `conn` (a Session or a Core connection: an import renames clients in its own
    transaction). One UPDATE per project, without touching its version: nobody edited it."""
    if not names:
        return
    table = Project.__table__
    rows = conn.execute(select(table.c.id, table.c.name, table.c.location, table.c.client_id)
                        .where(table.c.client_id.in_(list(names)))).all()
    if rows:
        conn.execute(
            update(table).where(table.c.id == bindparam("pid"))
            .values(search_text=bindparam("text")),
            [{"pid": pid, "text": search.search_text(name, location, names[client_id])}
             for pid, name, location, client_id in rows])


# --- Staffing ---------------------------------------------------------------------------------

class StaffChoice(NamedTuple):
    """A staff member as the Add staff picker offers them: `detail` is what the option shows
    in brackets after the name: their role, and for two people of the same name their email
    (or phone) too, so that namesakes can be told apart."""

    id: int
    name: str
    detail: str | None


def active_staff(exclude_project: Project | None = None) -> list[StaffChoice]:
    """The active staff members, by name; those already on `exclude_project` left out."""
    query = select(StaffMember.id, StaffMember.name, StaffMember.name_key, StaffMember.role,
                   StaffMember.email, StaffMember.phone).where(StaffMember.active.is_(True))
    if exclude_project is not None:
        query = query.where(StaffMember.id.not_in(
            select(Assignment.staff_id).where(Assignment.project_id == exclude_project.id)))
    rows = db.session.execute(query.order_by(StaffMember.name_key, StaffMember.id)).all()
    keys = [row.name_key for row in rows]
    choices = []
    for n, row in enumerate(rows):
        namesake = (n > 0 and keys[n - 1] == row.name_key) \
            or (n + 1 < len(rows) and keys[n + 1] == row.name_key)
        details = [row.role] + ([row.email or row.phone] if namesake else [])
        choices.append(StaffChoice(row.id, row.name,
                                   ", ".join(d for d in details if d) or None))
    return choices


class Excluded(Exception):
    """The staff member is excluded from the project's client: `reason` says why (or None)."""

    def __init__(self, staff: StaffMember, reason: str | None):
        super().__init__(staff.id)
        self.staff, self.reason = staff, reason


def assign(project: Project, staff: StaffMember, added_by_id: int | None = None) -> bool:
    """Put `staff` on `project`; False when already there; Excluded when the project's
    excluded staff (its client's, unless changed for it) name them."""
    from ..defaults.services import excluded_from

    excluded = excluded_from(project)
    if staff.id in excluded:
        raise Excluded(staff, excluded[staff.id])
    if db.session.get(Assignment, (project.id, staff.id)) is not None:
        return False
    db.session.add(Assignment(project_id=project.id, staff_id=staff.id,
                              added_by_id=added_by_id))
    db.session.flush()
    return True


def unassign(project: Project, staff_id: int) -> bool:
    assignment = db.session.get(Assignment, (project.id, staff_id))
    if assignment is None:
        return False
    db.session.delete(assignment)
    db.session.flush()
    return True


def _span(start_date, end_date, start_time, end_time) -> tuple[datetime, datetime] | None:
    """The moments a project covers: from its start (midnight without a time) to its end
    (the end of its last day without a time); None without dates."""
    if start_date is None:
        return None
    last = end_date or start_date
    begin = datetime.combine(start_date, start_time or time.min)
    finish = (datetime.combine(last, end_time) if end_time is not None
              else datetime.combine(last + timedelta(days=1), time.min))
    return begin, finish


@dataclass
class Member:
    staff: StaffMember
    conflicts: list  # the other projects at overlapping times


def staffing(project: Project) -> list[Member]:
    """Who works `project`, by name, each with the other non-archived projects they work at
    overlapping dates and times (a warning: nothing refuses it)."""
    members = db.session.scalars(
        select(StaffMember).join(Assignment, Assignment.staff_id == StaffMember.id)
        .where(Assignment.project_id == project.id)
        .order_by(StaffMember.name_key, StaffMember.id)).all()
    span = _span(project.start_date, project.end_date, project.start_time, project.end_time)
    conflicts: dict[int, list] = {member.id: [] for member in members}
    if span is not None and members:
        first, last = project.start_date, project.end_date or project.start_date
        others = db.session.execute(
            select(Assignment.staff_id, Project)
            .join(Project, Project.id == Assignment.project_id)
            .where(Assignment.staff_id.in_(list(conflicts)), Project.id != project.id,
                   Project.archived_at.is_(None), Project.start_date <= last, _end() >= first)
            .order_by(Project.start_date, Project.id)).all()
        for staff_id, other in others:
            other_span = _span(other.start_date, other.end_date, other.start_time,
                               other.end_time)
            if other_span and other_span[0] < span[1] and span[0] < other_span[1]:
                conflicts[staff_id].append(other)
    return [Member(member, conflicts[member.id]) for member in members]
