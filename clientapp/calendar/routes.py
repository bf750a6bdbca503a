"""The calendar page: a month (or a week) of projects, and a day's full list.

Its state is all in the URL (?view=week&year=2028&month=2&day=29&client=3&staff=7), so
Previous, Next and Today are plain links that htmx turns into swaps of #calendar, the
address bar following; Back reloads the month it names. A month, year or day that is not
a date the calendar shows is a 400 page.
"""
import calendar as _calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_skeleton, get_day_names
from babel.numbers import format_decimal
from flask import Blueprint, get_template_attribute, make_response, redirect, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import pgettext

from ..clients.models import Client
from ..errors import refuse
from ..extensions import db
from ..htmx import push_url, render, vary, wants_fragment
from ..ids import as_id
from ..projects.forms import client_options
from . import grid

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

PAGE = "calendar/index.html"
CHIPS = "calendar/_chips.html"
VIEWS = ("month", "week", "day")


def local_today() -> date:
    """Today where the user is (their zone, else CLIENTAPP_TIMEZONE)."""
    return datetime.now(get_timezone()).date()


@dataclass(frozen=True)
class Where:
    """What the calendar shows: a view, the day it is about, the filters."""

    view: str
    day: date
    client: int | None = None
    staff: int | None = None
    # Whether the URL named a date (Today's link names none: it is today when opened).
    dated: bool = True
    # Whether it named a day: a month then puts that day in the tab order (the arrow keys
    # and PageUp/PageDown open the next month on the day they reach).
    pointed: bool = False

    def args(self, **changes) -> dict:
        new = replace(self, **changes)
        out = {}
        if new.view != "month":
            out["view"] = new.view
        if new.dated:
            out["year"], out["month"] = new.day.year, new.day.month
            if new.view != "month":
                out["day"] = new.day.day
        if new.client is not None:
            out["client"] = new.client
        if new.staff is not None:
            out["staff"] = new.staff
        return out

    def url(self, **changes) -> str:
        return url_for("calendar.month", **self.args(**changes))


def _not_a_date():
    refuse(400, _("This calendar address is not valid: the year must be between "
                  "%(low)s and %(high)s, the month between 1 and 12, and the day a day "
                  "of that month.", low=grid.YEAR_MIN, high=grid.YEAR_MAX))


def _number(args, name: str, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 or not low <= int(raw) <= high:
        _not_a_date()
    return int(raw)


def _filter_id(args, name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    found = as_id(raw)
    if found is None:
        refuse(400, _("This calendar address is not valid: a filter names no client or "
                      "staff member."))
    return found


def read_where(args) -> Where:
    view = args.get("view") or "month"
    if view not in VIEWS:
        refuse(400, _("This calendar address is not valid: the view must be month, week or "
                      "day."))
    year = _number(args, "year", grid.YEAR_MIN, grid.YEAR_MAX)
    month = _number(args, "month", 1, 12)
    day = _number(args, "day", 1, 31)
    today = local_today()
    if year is None and month is None and day is None:
        return Where(view, today, _filter_id(args, "client"), _filter_id(args, "staff"),
                     dated=False)
    pointed = day is not None
    year = year or today.year
    month = month or (today.month if year == today.year else 1)
    if day is None:
        day = today.day if (year, month) == (today.year, today.month) else 1
    if day > _calendar.monthrange(year, month)[1]:
        _not_a_date()
    return Where(view, date(year, month, day), _filter_id(args, "client"),
                 _filter_id(args, "staff"), pointed=pointed)


def _steps(where: Where) -> tuple[Where | None, Where | None]:
    """Where Previous and Next lead (None past the years the calendar shows)."""
    if where.view == "month":
        before, after = grid.add_months(where.day, -1), grid.add_months(where.day, 1)
    else:
        step = timedelta(days=7 if where.view == "week" else 1)
        before, after = where.day - step, where.day + step
    return tuple(replace(where, day=d, dated=True) if grid.in_range(d) else None
                 for d in (before, after))


class Words:
    """Dates as this page writes them, in the reader's language, each made once."""

    def __init__(self):
        self.locale = get_locale()
        self._full = {}

    def full(self, day: date) -> str:
        if day not in self._full:
            self._full[day] = format_date(day, "full", locale=self.locale)
        return self._full[day]

    def number(self, value: int) -> str:
        key = ("number", value)
        if key not in self._full:
            self._full[key] = format_decimal(value, locale=self.locale)
        return self._full[key]

    def medium(self, day: date | None) -> str:
        if day is None:
            return ""
        key = ("medium", day)
        if key not in self._full:
            self._full[key] = format_date(day, "medium", locale=self.locale)
        return self._full[key]

    def month(self, day: date) -> str:
        return format_skeleton("yMMMM", day, locale=self.locale)

    @staticmethod
    def heading(text: str) -> str:
        """`text` as a heading starts: with a capital ("décembre 2026" -> "Décembre 2026";
        Babel gives French months and weekdays in lower case, as in running text)."""
        return text[:1].upper() + text[1:]

    def weekdays(self, first: int) -> list[tuple[str, str]]:
        """(full name, short name) of each weekday, from the locale's first."""
        wide = get_day_names("wide", locale=self.locale)
        short = get_day_names("abbreviated", locale=self.locale)
        return [(wide[(first + n) % 7], short[(first + n) % 7]) for n in range(7)]


_SENTINEL = 2147483647


def _context(where: Where) -> dict:
    words = Words()
    today = local_today()
    first_day = grid.first_week_day(words.locale)
    before, after = _steps(where)
    context = {"where": where, "today": today, "words": words, "before": before,
               "after": after, "weekdays": words.weekdays(first_day), "days": [],
               "weeks": [], "projects": [], "total": 0, "badges": {}, "busy": False, "focus": None}
    if where.view == "month":
        start, end = grid.month_range(where.day.year, where.day.month, first_day)
        context["title"] = words.heading(words.month(where.day))
    elif where.view == "week":
        start = grid.week_start(where.day, first_day)
        end = start + timedelta(days=6)
        context["title"] = _("Week of %(date)s", date=words.full(start))
    else:
        start = end = where.day
        context["title"] = words.heading(words.full(where.day))
    if where.view == "day":
        context["projects"], context["total"] = grid.projects_on(
            where.day, today, where.client, where.staff)
        context["badges"] = {
            "upcoming": ("badge-info", pgettext("project status", "Upcoming")),
            "ongoing": ("badge-ok", pgettext("project status", "Ongoing")),
            "past": ("", pgettext("project status", "Past"))}
    else:
        days = grid.days_between(
            start, end, where.day.month if where.view == "month" else None,
            grid.CHIPS_PER_DAY[where.view], where.client, where.staff)
        context["weeks"] = [days[n:n + 7] for n in range(0, len(days), 7)]
        context["busy"] = any(day.total for day in days)
        # The day in the tab order (arrow keys move from it): in a week the day it was
        # opened on; in a month the day the URL names, else today when shown, else its
        # first day.
        shown = {d.date for d in days if d.in_month}
        context["focus"] = where.day if where.view == "week" or where.pointed \
            else today if today in shown else min(shown)
    context["staff"] = grid.staff_choices(where.staff)
    # Any active client can be chosen, not only those with a project in view: the first
    # ones by name, narrowed by "Find a client" (the projects list's filter).
    selected = db.session.get(Client, where.client) if where.client is not None else None
    context["clients"] = client_options(
        (request.args.get("client_q") or "").replace("\x00", "")[:200], selected)
    context.update(_links())
    return context


@bp.get("")
def month():
    where = read_where(request.args)
    response = render(PAGE, "calendar", **_context(where))
    if wants_fragment():
        push_url(response, where.url())
    return response


@bp.get("/day-projects")
def day_projects():
    """The projects of a day after its first `skip` (the ones its cell shows): what the
    phone's agenda adds in place of "+N more", where each day lists all its projects."""
    where = read_where(request.args)
    if not wants_fragment():
        return redirect(where.url(view="day"))  # a page: the day's own list
    skip = _number(request.args, "skip", 0, 500) or 0
    listed, _total = grid.projects_on(where.day, local_today(), where.client, where.staff)
    links = _links()
    chip_list = get_template_attribute(CHIPS, "chip_list")
    return vary(make_response(chip_list(listed[skip:], links["project_url"],
                                        links["client_url"])))


def _links() -> dict:
    """The links a chip makes: its project's page and its client's profile."""
    client_url = url_for("clients.profile", client_id=_SENTINEL).split(str(_SENTINEL))
    return {"client_url": lambda ident: str(ident).join(client_url),
            # The projects feature's page, written as a path.
            "project_url": lambda ident: f"{request.script_root}/projects/{ident}"}
