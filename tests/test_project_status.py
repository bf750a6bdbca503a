"""A project's status (upcoming, ongoing, past, archived) on the day it is in
CLIENTAPP_TIMEZONE: around midnight there, whatever the reader's own time zone."""
from datetime import date, datetime, timezone

import pytest

from clientapp.projects import services
from clientapp.projects.models import Project, ProjectStatus

from .conftest import make_user, sign_in
from .factories import add_project
from .html import find, one


def at(monkeypatch, moment: datetime):
    monkeypatch.setattr(services, "clock", lambda: moment)


def tabs(response) -> dict:
    return {node.text(deep=False).strip(): int(node.css_first(".tab-count").text())
            for node in find(response, "#project-list nav.tabs a")}


@pytest.fixture
def paris(make_app):
    """An agency in Paris (UTC+2 in June); its manager reads in New York time."""
    app = make_app(BABEL_DEFAULT_TIMEZONE="Europe/Paris")
    make_user(app, "admin")
    user_id = make_user(app, "manager", timezone="America/New_York")
    return app, sign_in(app, user_id)


@pytest.mark.parametrize("utc, expected", [
    # The day before it starts, one minute to midnight in Paris.
    (datetime(2026, 6, 14, 21, 59, tzinfo=timezone.utc), "Upcoming"),
    # Midnight in Paris: its first day (still the 14th in UTC and in New York).
    (datetime(2026, 6, 14, 22, 0, tzinfo=timezone.utc), "Ongoing"),
    # Its last day, one minute to midnight in Paris.
    (datetime(2026, 6, 16, 21, 59, tzinfo=timezone.utc), "Ongoing"),
    # Midnight after its last day in Paris (still the 16th in UTC).
    (datetime(2026, 6, 16, 22, 0, tzinfo=timezone.utc), "Past"),
])
def test_status_turns_at_midnight_in_the_agency_time_zone(paris, monkeypatch, utc, expected):
    app, manager = paris
    project_id = add_project(app, None, "Gala", date(2026, 6, 15), date(2026, 6, 16))
    at(monkeypatch, utc)
    page = manager.get(f"/projects/{project_id}")
    assert one(page, "#project-head .badge").text() == expected
    counts = tabs(manager.get("/projects"))
    assert counts[expected] == 1
    assert sum(counts[t] for t in ("Upcoming", "Ongoing", "Past")) == 1
    when = expected.lower()
    assert [a.text() for a in find(manager.get(f"/projects?when={when}"),
                                   "#project-list tbody th a")] == ["Gala"]


def test_a_one_day_project_is_ongoing_all_that_day_only(paris, monkeypatch):
    app, manager = paris
    add_project(app, None, "One day", date(2026, 6, 15))
    for utc, expected in ((datetime(2026, 6, 14, 21, 59, tzinfo=timezone.utc), "Upcoming"),
                          (datetime(2026, 6, 14, 22, 0, tzinfo=timezone.utc), "Ongoing"),
                          (datetime(2026, 6, 15, 21, 59, tzinfo=timezone.utc), "Ongoing"),
                          (datetime(2026, 6, 15, 22, 0, tzinfo=timezone.utc), "Past")):
        at(monkeypatch, utc)
        assert tabs(manager.get("/projects"))[expected] == 1, utc


def test_status_rules():
    day = date(2026, 6, 15)
    project = Project(name="P")
    assert project.status(day) == ProjectStatus.UPCOMING  # no dates yet
    project.start_date = date(2026, 6, 16)
    assert project.status(day) == ProjectStatus.UPCOMING
    project.start_date = day
    assert project.status(day) == ProjectStatus.ONGOING
    project.start_date, project.end_date = date(2026, 6, 1), date(2026, 6, 14)
    assert project.status(day) == ProjectStatus.PAST
    project.archived_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert project.status(day) == ProjectStatus.ARCHIVED
