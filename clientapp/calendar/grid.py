"""The calendar's days and what falls on them: pure date arithmetic and one query.

A month shows whole weeks, from the week that holds its first day to the week that holds its
last (four to six weeks), starting on the locale's first day of the week; a week shows seven
days; a day lists all its projects. A project (not archived, with a start date) appears on
every day from its start to its end (its start alone when it has no end).
"""
import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from babel.core import Locale, get_global
from sqlalchemy import exists, func, select, union_all

from ..clients.models import Client
from ..extensions import db
from ..projects.models import Assignment, Project
from ..staff.models import StaffMember

YEAR_MIN, YEAR_MAX = 1900, 2200
# Chips a day shows before "+N more": a month's cell is small, a week's column tall.
CHIPS_PER_DAY = {"month": 3, "week": 12}


def first_week_day(locale) -> int:
    """The first day of the week (0 Monday … 6 Sunday) by Babel's data for `locale`. A
    language alone ("en") stands for its likely country ("en" is "en_US", "fr" "fr_FR"),
    not for the world's default (Monday)."""
    if locale.territory is None:
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            return Locale.parse(likely).first_week_day
    return locale.first_week_day


def week_start(day: date, first: int) -> date:
    return day - timedelta(days=(day.weekday() - first) % 7)


def month_range(year: int, month: int, first: int) -> tuple[date, date]:
    """The first and last day the month's grid shows (whole weeks)."""
    start = week_start(date(year, month, 1), first)
    last_day = date(year, month, _calendar.monthrange(year, month)[1])
    end = week_start(last_day, first) + timedelta(days=6)
    return start, end


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def in_range(day: date) -> bool:
    return YEAR_MIN <= day.year <= YEAR_MAX


class Chip(NamedTuple):
    """A project as a day shows it: its name and its client's, each a link."""

    id: int
    name: str
    client_id: int | None
    client_name: str | None


@dataclass
class Day:
    date: date
    in_month: bool = True
    chips: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.chips)


def _overlapping(first: date, last: date, client_id=None, staff_id=None):
    """The where-clauses of the projects on any day from `first` to `last`.

    Their ids come from ix_projects_calendar (archived_at, end_date, start_date) alone: the
    projects ending from `first` on, whose start (in the index too) is by `last`, and those
    without an end date that start within the days. Asking for the ids only is what makes
    both databases take that index, which holds every column the test needs."""
    live = Project.archived_at.is_(None)
    ids = union_all(
        select(Project.id).where(live, Project.end_date >= first, Project.start_date <= last),
        select(Project.id).where(live, Project.end_date.is_(None),
                                 Project.start_date >= first, Project.start_date <= last))
    clauses = [Project.id.in_(ids)]
    if client_id is not None:
        clauses.append(Project.client_id == client_id)
    if staff_id is not None:
        clauses.append(exists().where(Assignment.project_id == Project.id,
                                      Assignment.staff_id == staff_id))
    return clauses


def _order():
    return (Project.start_date, Project.start_time.asc().nulls_first(), Project.name_key,
            Project.id)


def days_between(first: date, last: date, in_month=None, limit: int = 3, client_id=None,
                 staff_id=None) -> list[Day]:
    """Every day from `first` to `last`, each with its first `limit` projects (by start,
    start time, name) and how many it has in all. One query."""
    days = [Day(first + timedelta(days=n)) for n in range((last - first).days + 1)]
    if in_month is not None:
        for day in days:
            day.in_month = day.date.month == in_month
    # Plain rows (Core, not the ORM's loading): a busy month has thousands.
    rows = db.session.connection().execute(
        select(Project.id, Project.name, Project.start_date, Project.end_date,
               Project.client_id, Client.name)
        .outerjoin(Client, Client.id == Project.client_id)
        .where(*_overlapping(first, last, client_id, staff_id))
        .order_by(*_order())).all()
    for row in rows:
        project_id, name, start, end, client, client_name = row
        chip = None
        for day in days[max((start - first).days, 0):((end or start) - first).days + 1]:
            day.total += 1
            if len(day.chips) < limit:
                if chip is None:
                    chip = Chip(project_id, name, client, client_name)
                day.chips.append(chip)
    return days


@dataclass(frozen=True)
class Listed:
    """A project as a day's list shows it."""

    id: int
    name: str
    start_date: date
    end_date: date | None
    client_id: int | None
    client_name: str | None
    status: str


def projects_on(day: date, today: date, client_id=None, staff_id=None, limit: int = 500):
    """(the first `limit` projects on `day`, each with its status on `today`; how many in
    all)."""
    clauses = _overlapping(day, day, client_id, staff_id)
    total = db.session.scalar(select(func.count()).select_from(Project).where(*clauses))
    rows = db.session.execute(
        select(Project.id, Project.name, Project.start_date, Project.end_date,
               Project.client_id, Client.name)
        .outerjoin(Client, Client.id == Project.client_id)
        .where(*clauses).order_by(*_order()).limit(limit))
    # Project.status() reads only these (archived projects are never on the calendar).
    listed = [Listed(*row, Project.status(_Dates(row[2], row[3]), today)) for row in rows]
    return listed, total


@dataclass(frozen=True)
class _Dates:
    start_date: date
    end_date: date | None
    archived_at: None = None


def staff_choices(selected: int | None, limit: int = 1000):
    """The active staff members (the staff filter's choices), and the selected one."""
    query = (select(StaffMember.id, StaffMember.name).where(StaffMember.active.is_(True))
             .order_by(StaffMember.name_key, StaffMember.id).limit(limit))
    found = [tuple(row) for row in db.session.execute(query)]
    return _with_selected(found, selected, StaffMember)


def _with_selected(found: list, selected: int | None, model) -> list:
    if selected is not None and all(ident != selected for ident, _name in found):
        chosen = db.session.get(model, selected)
        if chosen is not None:
            found.append((chosen.id, chosen.name))
    return found
