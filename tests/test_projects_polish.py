"""Staff namesakes and deactivation, the New project form's word about a client it cannot
choose, Delete going back to the list it came from, the phone agenda's full days."""
from datetime import date, datetime, timedelta, timezone

import pytest

from clientapp.projects import services as project_services

from .factories import add_client, add_project, add_staff, assign_staff
from .html import attr, find, one, text_of, texts, words


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(project_services, "today", lambda: date(2026, 6, 15))


# --- staff: namesakes, deactivation ---------------------------------------------------------

def test_a_namesake_or_same_email_is_added_with_a_warning(app, manager_client):
    add_staff(app, "Jean Dupont", role="Chef", email="jean@crew.local")
    response = manager_client.post("/staff/new", data={"name": "JEAN DUPONT"})
    assert response.status_code == 303  # added all the same
    page = manager_client.get(response.headers["Location"])
    notice = one(page, ".notice")
    assert "notice-warning" in notice.attributes["class"]
    assert "data-timeout" not in notice.attributes
    assert words(notice.css_first(".notice-text")) == (
        "Staff member “JEAN DUPONT” added. Already in the directory with the same name or "
        "email: Jean Dupont (Chef, jean@crew.local). If it is the same person, deactivate "
        "one of them.")
    same_email = manager_client.post("/staff/new", data={"name": "J. D.",
                                                          "email": "JEAN@crew.local"})
    page = manager_client.get(same_email.headers["Location"])
    assert "Jean Dupont (Chef, jean@crew.local)" in text_of(page)
    other = manager_client.post("/staff/new", data={"name": "Kim"})
    page = manager_client.get(other.headers["Location"])
    assert texts(page, ".notice .notice-text") == ["Staff member “Kim” added."]
    assert not find(page, ".notice-warning")


def test_the_staff_picker_tells_namesakes_apart(app, manager_client):
    project_id = add_project(app, None, "Gala", date(2030, 7, 1))
    first = add_staff(app, "Jean Dupont", role="Chef", email="jean@crew.local")
    second = add_staff(app, "Jean Dupont", phone="06 12")
    sam = add_staff(app, "Sam", role="Waiter", email="sam@crew.local")
    fragment = manager_client.get(f"/projects/{project_id}/staff/edit", htmx=True)
    assert [(o.attributes["value"], words(o)) for o in find(fragment, "#staff option")] == [
        ("", "Choose a staff member"), (str(first), "Jean Dupont (Chef, jean@crew.local)"),
        (str(second), "Jean Dupont (06 12)"), (str(sam), "Sam (Waiter)")]


def test_deactivating_someone_on_projects_to_come_says_which(app, manager_client,
                                                              fixed_today):
    staff_id = add_staff(app, "Dan")
    for name, start, end in (("Gala", date(2026, 7, 1), None),
                             ("Ongoing fair", date(2026, 6, 10), date(2026, 6, 20)),
                             ("Done", date(2026, 5, 1), None)):
        assign_staff(app, add_project(app, None, name, start, end), staff_id)
    response = manager_client.post(f"/staff/{staff_id}/deactivate", htmx=True)
    notice = one(response, ".notice")
    assert "notice-warning" in notice.attributes["class"]
    assert words(notice.css_first(".notice-text")) == (
        "“Dan” deactivated. They stay on 2 projects to come: “Ongoing fair”, “Gala”. "
        "Remove them from those they will not work.")
    assert attr(response, ".notice form", "action") == f"/staff/{staff_id}/reactivate"
    idle = add_staff(app, "Idle")
    plain = manager_client.post(f"/staff/{idle}/deactivate", htmx=True)
    assert texts(plain, ".notice .notice-text") == ["“Idle” deactivated."]
    assert not find(plain, ".notice-warning")


# --- New project: a client it cannot choose -----------------------------------------------

def test_new_project_says_why_an_archived_client_is_not_chosen(app, manager_client):
    old = add_client(app, "Old Co", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    page = manager_client.get(f"/projects/new?client={old}")
    assert words(one(page, ".form-note")) == (
        "“Old Co” is archived, so it is not chosen: choose an active client, or unarchive "
        "it first.")
    assert not find(page, "#client option[selected]")
    gone = manager_client.get("/projects/new?client=999")
    assert "does not exist" in words(one(gone, ".form-note"))
    active = add_client(app, "Acme")
    fine = manager_client.get(f"/projects/new?client={active}")
    assert not find(fine, ".form-note")
    assert attr(fine, "#client option[selected]", "value") == str(active)


# --- Delete from the project's page: back where the user came from --------------------------

def test_delete_from_its_page_goes_back_to_the_list_it_came_from(app, admin_client):
    client_id = add_client(app, "Acme")
    dialog = admin_client.get(f"/projects/{add_project(app, client_id, 'Gala')}/delete",
                              htmx=True)
    assert find(dialog, "dialog form input[name=came_from][data-came-from]")
    project_id = add_project(app, client_id, "Fair")
    response = admin_client.post(f"/projects/{project_id}/delete", htmx=True, data={
        "next": f"/projects/{project_id}", "came_from": "/projects?q=fair&when=upcoming"})
    assert response.headers["HX-Redirect"] == "/projects?q=fair&when=upcoming"
    # From elsewhere (or offsite): on to the client, as before.
    for came_from in ("/calendar", "//evil.example/projects", ""):
        other = add_project(app, client_id, "Show")
        response = admin_client.post(f"/projects/{other}/delete", htmx=True, data={
            "next": f"/projects/{other}", "came_from": came_from})
        assert response.headers["HX-Redirect"] == f"/clients/{client_id}"


# --- The phone agenda: every project of a day -------------------------------------------------

def test_a_full_day_offers_its_other_projects_for_the_agenda(app, viewer_client):
    client_id = add_client(app, "Acme")
    for n in range(5):
        add_project(app, client_id, f"Show {n}" if n < 4 else "Show <i>4</i>", date(2028, 5, 10))
    month = viewer_client.get("/calendar?year=2028&month=5&client=" + str(client_id))
    rest = one(month, "td .day-rest")
    url = rest.attributes["hx-get"]
    assert rest.attributes["hx-trigger"] == "intersect once"
    assert words(rest) == words(one(month, "td .day-more"))  # "+2 more", without JS too
    fragment = viewer_client.get(url, htmx=True)
    assert fragment.status_code == 200
    assert texts(fragment, ".chip-project") == ["Show 3", "Show <i>4</i>"]  # markup as text
    assert texts(fragment, ".chip-client") == ["Acme", "Acme"]
    # Asked as a page: the day's own list.
    plain = viewer_client.get(url)
    assert plain.status_code == 302
    assert plain.headers["Location"] == \
        f"/calendar?view=day&year=2028&month=5&day=10&client={client_id}"
    assert viewer_client.get(url.replace("skip=3", "skip=x"), htmx=True).status_code == 400


def test_deactivation_names_the_first_five_projects_and_counts_the_rest(app, manager_client,
                                                                         fixed_today):
    staff_id = add_staff(app, "Dan")
    for n in range(7):
        assign_staff(app, add_project(app, None, f"P{n}", date(2026, 7, 1 + n)), staff_id)
    manager_client.post("/locale", data={"locale": "fr"})
    response = manager_client.post(f"/staff/{staff_id}/deactivate", htmx=True)
    assert words(one(response, ".notice-text")) == (
        "« Dan » désactivé. Cette personne reste sur 7 projets à venir : « P0 », « P1 », « P2 », "
        "« P3 », « P4 » et 2 autres. Retirez-la de ceux où elle ne travaillera pas.")
