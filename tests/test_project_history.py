"""Projects seen from their client: the profile's history (newest first, status, links,
20 a page, archived clients too, New project), the client list's Projects column."""
from datetime import date, datetime, timezone

import pytest

from clientapp.projects import services

from .conftest import assert_fragment
from .factories import add_client, add_project
from .html import find, one, texts, words


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "clock", lambda: datetime(2026, 6, 15, 12, tzinfo=timezone.utc))


def test_history_links_each_project_with_its_dates_and_status(app, viewer_client):
    client_id = add_client(app, "Acme")
    gala = add_project(app, client_id, "Gala", date(2026, 6, 14), date(2026, 6, 16))
    add_project(app, client_id, "Fair", date(2026, 5, 1))
    add_project(app, client_id, "Old", date(2025, 1, 1),
                archived_at=datetime(2025, 2, 1, tzinfo=timezone.utc))
    response = viewer_client.get(f"/clients/{client_id}")
    region = one(response, "#client-projects")
    assert words(region.css_first("h2")) == "Projects"
    rows = [[words(cell) for cell in row.css("th, td")] for row in region.css("tbody tr")]
    assert rows == [["Gala", "Jun 14, 2026 – Jun 16, 2026", "Ongoing"],
                    ["Fair", "May 1, 2026", "Past"],
                    ["Old", "Jan 1, 2025", "Archived"]]
    assert find(response, "#client-projects tbody a")[0].attributes["href"] == f"/projects/{gala}"
    # Viewers get no New project.
    assert not find(response, "#client-projects .section-head a")


def test_history_pages_past_twenty(app, admin_client):
    client_id = add_client(app, "Acme")
    for day in range(1, 26):
        add_project(app, client_id, f"P{day:02d}", date(2026, 1, day))
    page = admin_client.get(f"/clients/{client_id}")
    assert len(find(page, "#client-projects tbody tr")) == 20
    assert texts(page, "#client-projects tbody th a")[0] == "P25"
    assert find(page, "#client-projects nav.pagination")
    second = admin_client.get(f"/clients/{client_id}/projects?page=2", htmx=True)
    assert_fragment(second, "client-projects")
    assert texts(second, "#client-projects tbody th a") == ["P05", "P04", "P03", "P02", "P01"]
    # Next is gone from page 2: focus goes to the section's heading (app.js), not <body>.
    heading = one(second, "#client-projects [data-focus-fallback]")
    assert heading.tag == "h2" and heading.attributes["tabindex"] == "-1"


def test_new_project_from_the_history_preselects_the_client(app, manager_client):
    client_id = add_client(app, "Acme")
    page = manager_client.get(f"/clients/{client_id}")
    link = one(page, "#client-projects .section-head a")
    assert words(link) == "New project for Acme"
    assert link.attributes["href"] == f"/projects/new?client={client_id}"


def test_archived_client_keeps_its_history_without_new_project(app, manager_client):
    client_id = add_client(app, "Old Co", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    add_project(app, client_id, "Farewell", date(2024, 12, 1))
    page = manager_client.get(f"/clients/{client_id}")
    assert texts(page, "#client-projects tbody th a") == ["Farewell"]
    assert not find(page, "#client-projects .section-head a")
    assert "New project" not in texts(page, "#client-menu-profile [role=menuitem]")


def test_client_list_projects_column_counts_and_sorts(app, admin_client):
    busy = add_client(app, "Busy")
    quiet = add_client(app, "Quiet")
    some = add_client(app, "Some")
    for i in range(3):
        add_project(app, busy, f"B{i}")
    add_project(app, some, "S")
    response = admin_client.get("/clients")
    headers = texts(response, "#client-list thead th")
    assert "Projects ↕" in headers or any(h.startswith("Projects") for h in headers)
    counts = {words(row.css_first("th a")): words(row.css_first("td.number-col"))
              for row in find(response, "#client-rows tr")}
    assert counts == {"Busy": "3", "Quiet": "0", "Some": "1"}
    by_count = admin_client.get("/clients?sort=projects")
    assert texts(by_count, "#client-rows th a") == ["Quiet", "Some", "Busy"]
    by_count = admin_client.get("/clients?sort=-projects")
    assert texts(by_count, "#client-rows th a") == ["Busy", "Some", "Quiet"]
    assert quiet and some
