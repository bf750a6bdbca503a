"""New project, the project page and its sections (Details, Notes to staff), its menu:
Duplicate, Archive, Unarchive, Delete; bad input, stale versions, who may do what."""
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from clientapp.activity.models import Event
from clientapp.extensions import db
from clientapp.projects import services
from clientapp.projects.models import Project

from .conftest import assert_fragment, assert_page
from .factories import (add_client, add_project, add_staff, assign_staff, count,
                        load_project)
from .html import attr, find, one, text_of, texts, words


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "clock", lambda: datetime(2026, 6, 15, 12, tzinfo=timezone.utc))


def new_data(**changes) -> dict:
    data = {"name": "Summer gala", "client": "", "start_date": "2026-07-01",
            "end_date": "2026-07-03", "start_time": "09:00", "end_time": "18:30",
            "location": "Quai Branly\nParis", "notes": "Black tie.\nArrive at 8."}
    data.update(changes)
    return data


def details_data(app, project_id, **changes) -> dict:
    project = load_project(app, project_id)
    data = {"name": project.name, "client": str(project.client_id or ""),
            "start_date": project.start_date.isoformat() if project.start_date else "",
            "end_date": project.end_date.isoformat() if project.end_date else "",
            "start_time": "", "end_time": "", "location": project.location or "",
            "version": str(project.version)}
    data.update(changes)
    return data


# --- New project ------------------------------------------------------------------------

def test_new_form_page_and_fragment(app, manager_client):
    page = manager_client.get("/projects/new")
    assert_page(page)
    assert one(page, "h1").text() == "New project"
    labels = texts(page, "#project-form label")
    for label in ("Name", "Client", "Start date", "End date", "Start time", "End time",
                  "Location", "Notes to staff"):
        assert label in labels, label
    assert attr(page, "#start_date", "type") == "date"
    assert attr(page, "#start_date", "min") == "1900-01-01"
    assert attr(page, "#client", "name") == "client"
    assert texts(page, "#project-form button[type=submit]") == ["Save"]
    assert_fragment(manager_client.get("/projects/new", htmx=True), "project-form")


def test_viewer_cannot_create(app, viewer_client):
    assert viewer_client.get("/projects/new").status_code == 403
    assert viewer_client.post("/projects/new", data=new_data()).status_code == 403
    assert count(app, Project) == 0


def test_create_lands_on_the_project_page(app, admin_client, admin_id):
    client_id = add_client(app, "Acme")
    response = admin_client.post("/projects/new", data=new_data(client=str(client_id)))
    assert response.status_code == 303
    with app.app_context():
        project = db.session.scalars(select(Project)).one()
        assert response.headers["Location"] == f"/projects/{project.id}"
        assert (project.name, project.client_id, project.start_date, project.end_date,
                project.start_time, project.end_time) == (
            "Summer gala", client_id, date(2026, 7, 1), date(2026, 7, 3), time(9), time(18, 30))
        assert project.location == "Quai Branly\nParis" and project.created_by_id == admin_id
        event = db.session.scalars(select(Event)).one()
        assert (event.kind, event.client_id, event.data) == (
            "project.created", client_id, {"project": project.id, "name": "Summer gala"})
    page = admin_client.get(response.headers["Location"])
    assert "Project “Summer gala” created." in text_of(page)
    htmx = admin_client.post("/projects/new", htmx=True, data=new_data(name="Other"))
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"].startswith("/projects/")


def test_a_project_without_client_records_no_event(app, admin_client):
    assert admin_client.post("/projects/new", data=new_data()).status_code == 303
    assert count(app, Event) == 0


def test_new_project_for_a_client_preselects_it(app, manager_client):
    client_id = add_client(app, "Acme")
    archived = add_client(app, "Old", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    response = manager_client.get(f"/projects/new?client={client_id}")
    assert [o.text() for o in find(response, "#client option[selected]")] == ["Acme"]
    # An archived client is not offered, even asked for.
    response = manager_client.get(f"/projects/new?client={archived}")
    assert find(response, "#client option[selected]") == []
    assert "Old" not in texts(response, "#client option")


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "  "}, "name", "Enter the project's name."),
    ({"end_date": "2026-06-30"}, "end_date", "The end date must be on or after the start date."),
    ({"start_date": "1899-12-31", "end_date": ""}, "start_date",
     "Enter a date between 1900 and 2200."),
    ({"end_date": "2201-01-01"}, "end_date", "Enter a date between 1900 and 2200."),
    ({"start_date": "2026-02-30"}, "start_date", "Enter a date like 2026-03-31."),
    ({"start_date": "tomorrow"}, "start_date", "Enter a date like 2026-03-31."),
    ({"start_date": "", "end_date": "2026-07-01"}, "start_date", "Enter the start date too."),
    ({"end_date": "", "start_time": "10:00", "end_time": "09:00"}, "end_time",
     "The end time must be after the start time."),
    ({"start_time": "25:00"}, "start_time", "Enter a time like 09:30."),
    ({"client": "999"}, "client", "This client does not exist"),
    ({"client": "abc"}, "client", "This client does not exist"),
    ({"name": "x" * 201}, "name", "Use at most 200 characters."),
    ({"notes": "a\x00b"}, "notes", "not allowed"),
])
def test_bad_input_is_422_and_saves_nothing(app, admin_client, changes, field, message):
    response = admin_client.post("/projects/new", data=new_data(**changes))
    assert_page(response, 422)
    assert message in words(one(response, f"#{field}-error"))
    fragment = admin_client.post("/projects/new", htmx=True, data=new_data(**changes))
    assert_fragment(fragment, "project-form", 422)
    assert message in words(one(fragment, f"#{field}-error"))
    assert count(app, Project) == 0


def test_archived_client_is_422_with_the_reason(app, admin_client):
    archived = add_client(app, "Old Co", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    response = admin_client.post("/projects/new", htmx=True, data=new_data(client=str(archived)))
    assert_fragment(response, "project-form", 422)
    assert "“Old Co” is archived: choose an active client" in words(one(response, "#client-error"))
    assert count(app, Project) == 0 and count(app, Event) == 0


def test_duplicate_prefills_all_but_the_dates(app, admin_client):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala", date(2026, 7, 1), date(2026, 7, 2),
                             start_time=time(9), location="Hall 1", notes="Bring badges")
    page = admin_client.get(f"/projects/new?from={project_id}")
    assert_page(page)
    assert attr(page, "#name", "value") == "Gala (copy)"
    assert attr(page, "#location", "name") == "location"
    assert one(page, "#location").text() == "Hall 1"
    assert one(page, "#notes").text() == "Bring badges"
    assert attr(page, "#start_time", "value") == "09:00"
    assert attr(page, "#start_date", "value") in (None, "")
    assert attr(page, "#end_date", "value") in (None, "")
    assert [o.text() for o in find(page, "#client option[selected]")] == ["Acme"]
    assert "A copy of “Gala”" in text_of(page)
    assert admin_client.get("/projects/new?from=999").status_code == 404


# --- The project page -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_page_and_fragment_for_every_role(app, request, role):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala", date(2026, 6, 14), date(2026, 6, 16),
                             location="Quai Branly\nParis", notes="Line one\n<b>two</b>")
    client = request.getfixturevalue(f"{role}_client")
    page = client.get(f"/projects/{project_id}")
    assert_page(page)
    assert one(page, "h1").text() == "Gala"
    head = one(page, "#project-head")
    assert head.css_first(".badge").text() == "Ongoing"
    assert "Jun 14, 2026 – Jun 16, 2026" in words(head)
    assert attr(page, "#project-head a[href='/clients/%d']" % client_id, "href")
    # Location and notes show once, in Project settings (the one place that edits them).
    settings = "#project-settings [aria-labelledby=project-%s-title] .multiline"
    assert one(page, settings % "location").text() == "Quai Branly\nParis"
    notes = one(page, settings % "notes")
    assert notes.text() == "Line one\n<b>two</b>" and notes.css_first("b") is None
    assert [words(h) for h in find(page, "section h2")] == ["Details", "Project settings",
                                                           "Staff", "Management team",
                                                           "Team discussion"]
    ids = [node.attributes["id"] for node in find(page, "[id]")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    writer = role != "viewer"
    assert bool(find(page, "#project-menu-page")) == writer
    assert bool(find(page, "#project-details-edit")) == writer
    assert bool(find(page, "#project-staff-add")) == writer
    fragment = client.get(f"/projects/{project_id}", htmx=True)
    assert_fragment(fragment, "project")


def test_page_without_client_says_so(app, viewer_client):
    project_id = add_project(app, None, "Internal")
    page = viewer_client.get(f"/projects/{project_id}")
    assert "No client" in words(one(page, "#project-head"))
    assert "No dates yet" in words(one(page, "#project-head"))
    assert one(page, "#project-head .badge").text() == "Upcoming"


def test_menu_items(app, manager_client):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    page = manager_client.get(f"/projects/{project_id}")
    button = one(page, "#project-actions-page")
    assert button.attributes["popovertarget"] == "project-menu-page"
    assert words(button) == "⋮ Actions for Gala"
    items = {words(i): i.attributes for i in find(page, "#project-menu-page [role=menuitem]")}
    assert list(items) == ["Edit", "Duplicate", "Archive", "Delete"]
    assert items["Edit"]["hx-get"] == f"/projects/{project_id}/details/edit"
    assert items["Duplicate"]["href"] == f"/projects/new?from={project_id}"
    assert items["Delete"]["hx-get"] == f"/projects/{project_id}/delete"


def test_unknown_project_is_404_everywhere(admin_client):
    for url in ("/projects/999", "/projects/999/details", "/projects/999/details/edit",
                "/projects/999/delete", "/projects/99999999999"):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.get(url, htmx=True).status_code == 404, url
    for url in ("/projects/999/details", "/projects/999/archive", "/projects/999/delete"):
        assert admin_client.post(url, data={"name": "X"}).status_code == 404, url


# --- Sections, in place ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["details", "staff"])
def test_section_view_and_edit_page_and_fragment(app, admin_client, name):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    assert_page(admin_client.get(f"/projects/{project_id}/{name}"))
    assert_fragment(admin_client.get(f"/projects/{project_id}/{name}", htmx=True),
                    f"project-{name}")
    page = admin_client.get(f"/projects/{project_id}/{name}/edit")
    assert_page(page)
    assert find(page, f"#project-{name}-form")
    fragment = admin_client.get(f"/projects/{project_id}/{name}/edit", htmx=True)
    assert_fragment(fragment, f"project-{name}")
    assert find(fragment, f"#project-{name}-form")


def test_details_save_in_place(app, admin_client):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    response = admin_client.post(f"/projects/{project_id}/details", htmx=True, data=details_data(
        app, project_id, name="Gala 2026", client=str(client_id), end_date="2026-07-02",
        start_time="10:00"))
    assert_fragment(response, "project-details")
    assert "projectUpdated" in response.headers["HX-Trigger"]
    assert "projectsChanged" in response.headers["HX-Trigger"]
    assert "Saved." in text_of(response) and not find(response, "form")
    project = load_project(app, project_id)
    assert (project.name, project.client_id, project.end_date, project.start_time,
            project.version) == ("Gala 2026", client_id, date(2026, 7, 2), time(10), 2)
    plain = admin_client.post(f"/projects/{project_id}/details",
                              data=details_data(app, project_id, name="Gala 3"))
    assert plain.status_code == 303 and plain.headers["Location"] == f"/projects/{project_id}"


def test_details_errors_in_place_and_nothing_saved(app, admin_client):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    response = admin_client.post(f"/projects/{project_id}/details", htmx=True, data=details_data(
        app, project_id, name="Renamed", end_date="2026-06-01"))
    assert_fragment(response, "project-details", 422)
    assert "on or after the start date" in words(one(response, "#end_date-error"))
    assert attr(response, "#end_date", "aria-invalid") == "true"
    assert load_project(app, project_id).name == "Gala"
    assert_page(admin_client.post(f"/projects/{project_id}/details", data=details_data(
        app, project_id, name="")), 422)


def test_a_project_keeps_its_client_once_archived(app, admin_client):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala", date(2026, 7, 1))
    other = add_client(app, "Other", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    with app.app_context():
        from clientapp.clients.models import Client
        db.session.get(Client, client_id).archived_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
        db.session.commit()
    ok = admin_client.post(f"/projects/{project_id}/details", htmx=True,
                           data=details_data(app, project_id, name="Here"))
    assert ok.status_code == 200 and load_project(app, project_id).name == "Here"
    refused = admin_client.post(f"/projects/{project_id}/details", htmx=True,
                                data=details_data(app, project_id, client=str(other)))
    assert refused.status_code == 422
    assert load_project(app, project_id).client_id == client_id


def test_notes_keep_line_breaks_and_show_markup_as_text(app, manager_client):
    project_id = add_project(app, None, "Gala")
    project = load_project(app, project_id)
    response = manager_client.post(f"/projects/{project_id}/settings?part=notes", htmx=True,
                                   data={"part": "notes",
                                         "notes": "Gate B\r\n<script>alert(1)</script>",
                                         "version": str(project.version)})
    assert_fragment(response, "project-settings")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    assert load_project(app, project_id).notes == "Gate B\r\n<script>alert(1)</script>" or \
        load_project(app, project_id).notes.splitlines() == ["Gate B", "<script>alert(1)</script>"]


def test_stale_version_is_409_with_the_current_values(app, admin_client):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    data = details_data(app, project_id, name="Mine")
    with app.app_context():  # someone saves meanwhile
        db.session.get(Project, project_id).name = "Theirs"
        db.session.commit()
    response = admin_client.post(f"/projects/{project_id}/details", htmx=True, data=data)
    assert_fragment(response, "project-details", 409)
    banner = one(response, ".banner-conflict")
    assert "Changed by someone else." in words(banner) and "Theirs" in words(banner)
    assert attr(response, "#name", "value") == "Mine"
    assert load_project(app, project_id).name == "Theirs"
    notes = admin_client.post(f"/projects/{project_id}/settings?part=notes",
                              data={"part": "notes", "notes": "x", "version": "1"})
    assert_page(notes, 409)
    assert load_project(app, project_id).notes is None


def test_viewer_cannot_edit_sections(app, viewer_client):
    project_id = add_project(app, None, "Gala")
    for name, query in (("details", ""), ("settings", "?part=notes"), ("staff", "")):
        assert viewer_client.get(f"/projects/{project_id}/{name}/edit{query}"
                                 ).status_code == 403
        assert viewer_client.post(f"/projects/{project_id}/{name}{query}",
                                  data={"name": "V", "version": "1"}).status_code == 403
    assert load_project(app, project_id).name == "Gala"


def test_a_write_without_csrf_token_saves_nothing(app, admin_client):
    project_id = add_project(app, None, "Gala")
    response = admin_client.post(f"/projects/{project_id}/details", csrf=False,
                                 data=details_data(app, project_id, name="Forged"))
    assert response.status_code == 400
    assert admin_client.post("/projects/new", csrf=False, data=new_data()).status_code == 400
    assert load_project(app, project_id).name == "Gala" and count(app, Project) == 1


# --- Archive, unarchive -----------------------------------------------------------------------

def test_archive_and_unarchive(app, manager_client):
    project_id = add_project(app, None, "Gala", date(2026, 7, 1))
    response = manager_client.post(f"/projects/{project_id}/archive", htmx=True)
    assert response.status_code == 200
    assert "“Gala” archived." in text_of(response)
    assert attr(response, ".notice form", "action") == f"/projects/{project_id}/unarchive"
    assert "projectsChanged" in response.headers["HX-Trigger"]
    assert load_project(app, project_id).archived_at is not None
    page = manager_client.get(f"/projects/{project_id}")
    assert one(page, "#project-head .badge").text() == "Archived"
    assert "Unarchive" in texts(page, "#project-menu-page [role=menuitem]")
    plain = manager_client.post(f"/projects/{project_id}/unarchive",
                                data={"next": f"/projects/{project_id}"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/projects/{project_id}"
    assert load_project(app, project_id).archived_at is None


def test_viewer_cannot_archive_or_delete(app, viewer_client):
    project_id = add_project(app, None, "Gala")
    assert viewer_client.post(f"/projects/{project_id}/archive").status_code == 403
    assert viewer_client.get(f"/projects/{project_id}/delete").status_code == 403
    assert viewer_client.post(f"/projects/{project_id}/delete").status_code == 403
    assert load_project(app, project_id).archived_at is None


# --- Delete -----------------------------------------------------------------------------------

def test_delete_dialog_page_and_fragment(app, admin_client):
    project_id = add_project(app, None, "Gala")
    fragment = admin_client.get(f"/projects/{project_id}/delete", htmx=True)
    assert_fragment(fragment, "project-dialog")
    dialog = one(fragment, "dialog")
    assert words(dialog.css_first("h2")) == "Delete “Gala”?"
    assert texts(fragment, "dialog button") == ["Cancel", "Delete"]
    assert_page(admin_client.get(f"/projects/{project_id}/delete"))


def test_delete_from_its_page_goes_to_its_client(app, admin_client):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala")
    response = admin_client.post(f"/projects/{project_id}/delete", htmx=True,
                                 data={"next": f"/projects/{project_id}"})
    assert response.headers["HX-Redirect"] == f"/clients/{client_id}"
    assert load_project(app, project_id) is None
    other = add_project(app, None, "Solo")
    response = admin_client.post(f"/projects/{other}/delete", data={"next": "/projects"})
    assert response.status_code == 303 and response.headers["Location"] == "/projects"
    assert count(app, Project) == 0


def test_delete_is_refused_while_staff_are_assigned(app, admin_client):
    project_id = add_project(app, None, "Gala")
    assign_staff(app, project_id, add_staff(app, "Sam"))
    dialog = admin_client.get(f"/projects/{project_id}/delete", htmx=True)
    assert "“Gala” cannot be deleted" in text_of(dialog)
    assert "1 staff member is assigned to this project" in text_of(dialog)
    assert texts(dialog, "dialog button") == ["Cancel"]
    response = admin_client.post(f"/projects/{project_id}/delete", htmx=True,
                                 data={"next": f"/projects/{project_id}"})
    assert_fragment(response, "project-dialog", 409)
    assert response.headers["HX-Retarget"] == "#project-dialog"
    assert load_project(app, project_id) is not None


# --- The client's name in the search ---------------------------------------------------------

def test_renaming_a_client_refreshes_its_projects_search(app, admin_client):
    client_id = add_client(app, "Acme")
    project_id = add_project(app, client_id, "Gala", date(2026, 7, 1))
    version = load_project(app, project_id).version
    from .test_clients_profile import edit_data

    response = admin_client.post(f"/clients/{client_id}/info",
                                 data=edit_data(app, client_id, name="Globex Studio"))
    assert response.status_code == 303
    found = texts(admin_client.get("/projects?q=globex"), "#project-list tbody th a")
    assert found == ["Gala"]
    assert texts(admin_client.get("/projects?q=acme"), "#project-list tbody th a") == []
    # Nobody edited the project: its version stays.
    assert load_project(app, project_id).version == version
