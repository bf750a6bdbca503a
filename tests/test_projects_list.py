"""The projects list: tabs by when with their counts, the client filter, search (name,
client, location), sort, pages, URL state; page and fragment for every role."""
from datetime import date, datetime, timezone

import pytest

from clientapp.projects import services

from .conftest import assert_fragment, assert_page
from .factories import add_client, add_project
from .html import attr, find, one, text_of, texts, words

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(services, "clock", lambda: datetime(2026, 6, 15, 12, tzinfo=timezone.utc))


def names(response) -> list[str]:
    return texts(response, "#project-list tbody th a")


def tab_counts(response) -> dict:
    return {node.text(deep=False).strip(): node.css_first(".tab-count").text()
            for node in find(response, "#project-list nav.tabs a")}


def some_projects(app):
    acme = add_client(app, "Acme Événements")
    globex = add_client(app, "Globex")
    add_project(app, acme, "Spring fair", date(2026, 4, 1), date(2026, 4, 3),
                location="Parc des Expositions")
    add_project(app, acme, "Summer gala", date(2026, 6, 14), date(2026, 6, 16))
    add_project(app, globex, "Board dinner", date(2026, 6, 15))
    add_project(app, globex, "Autumn show", date(2026, 10, 5), date(2026, 10, 6))
    add_project(app, None, "Unscheduled")
    add_project(app, None, "Old archived", date(2025, 1, 1),
                archived_at=datetime(2025, 2, 1, tzinfo=timezone.utc))
    return acme, globex


@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_list_page_and_fragment_for_every_role(app, request, role):
    some_projects(app)
    client = request.getfixturevalue(f"{role}_client")
    page = client.get("/projects")
    assert_page(page)
    assert one(page, "h1").text() == "Projects"
    assert attr(page, "nav.sidebar a[aria-current=page]", "href") == "/projects"
    sidebar = texts(page, "nav.sidebar a")
    assert sidebar.index("Projects") == sidebar.index("Clients") + 1
    assert ("New project" in text_of(page)) == (role != "viewer")
    fragment = client.get("/projects", htmx=True)
    assert_fragment(fragment, "project-list")
    assert "<h1" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Push-Url"] == "/projects"


def test_tabs_hold_their_projects_and_counts(app, admin_client):
    some_projects(app)
    response = admin_client.get("/projects")
    assert tab_counts(response) == {"All": "5", "Upcoming": "2", "Ongoing": "2", "Past": "1",
                                    "Archived": "1"}
    # Newest first by default; the projects without dates last.
    assert names(response) == ["Autumn show", "Board dinner", "Summer gala", "Spring fair",
                               "Unscheduled"]
    assert names(admin_client.get("/projects?when=upcoming")) == ["Autumn show", "Unscheduled"]
    assert names(admin_client.get("/projects?when=ongoing")) == ["Board dinner", "Summer gala"]
    assert names(admin_client.get("/projects?when=past")) == ["Spring fair"]
    assert names(admin_client.get("/projects?when=archived")) == ["Old archived"]
    current = find(admin_client.get("/projects?when=past"), "nav.tabs a[aria-current=page]")
    assert len(current) == 1 and current[0].text(deep=False).strip() == "Past"


def test_badges_say_each_status(app, admin_client):
    some_projects(app)
    response = admin_client.get("/projects")
    rows = {row.css_first("th a").text(): row.css_first(".badge").text()
            for row in find(response, "#project-list tbody tr")}
    assert rows == {"Autumn show": "Upcoming", "Board dinner": "Ongoing",
                    "Summer gala": "Ongoing", "Spring fair": "Past", "Unscheduled": "Upcoming"}


def test_search_by_name_client_and_location_ignores_accents(app, admin_client):
    some_projects(app)
    assert names(admin_client.get("/projects?q=gala")) == ["Summer gala"]
    assert names(admin_client.get("/projects?q=acme+evenements")) == ["Summer gala",
                                                                      "Spring fair"]
    assert names(admin_client.get("/projects?q=expositions")) == ["Spring fair"]
    response = admin_client.get("/projects?q=globex&when=upcoming")
    assert names(response) == ["Autumn show"]
    # The counts follow the search.
    assert tab_counts(response) == {"All": "2", "Upcoming": "1", "Ongoing": "1", "Past": "0",
                                    "Archived": "0"}
    assert "No project matches “nothing”." in text_of(admin_client.get("/projects?q=nothing"))


def test_filter_by_client(app, admin_client):
    acme, globex = some_projects(app)
    response = admin_client.get(f"/projects?client={globex}")
    assert names(response) == ["Autumn show", "Board dinner"]
    assert tab_counts(response)["All"] == "2"
    selected = find(response, "#client-filter option[selected]")
    assert [o.text() for o in selected] == ["Globex"]
    # "New project" from a client's view pre-selects it.
    form = one(response, ".page-head form")
    assert form.attributes["action"] == "/projects/new"
    assert form.css_first("input[name=client]").attributes["value"] == str(globex)
    assert words(form.css_first("button")) == "New project"
    # A client id that is not one, or no client at all, is no filter.
    assert len(names(admin_client.get("/projects?client=abc"))) == 5
    assert names(admin_client.get("/projects?client=999")) == []


def test_sort_by_name_client_and_start(app, admin_client):
    some_projects(app)
    assert names(admin_client.get("/projects?sort=name")) == [
        "Autumn show", "Board dinner", "Spring fair", "Summer gala", "Unscheduled"]
    assert names(admin_client.get("/projects?sort=-name"))[0] == "Unscheduled"
    by_client = names(admin_client.get("/projects?sort=client"))
    assert by_client[:2] == ["Summer gala", "Spring fair"] or \
        set(by_client[:2]) == {"Summer gala", "Spring fair"}
    assert by_client[-1] == "Unscheduled"  # no client: last, both ways
    assert names(admin_client.get("/projects?sort=-client"))[-1] == "Unscheduled"
    assert names(admin_client.get("/projects?sort=start"))[0] == "Spring fair"
    response = admin_client.get("/projects?sort=name")
    assert attr(response, "th[aria-sort]", "aria-sort") == "ascending"


def test_pages_and_url_state(app, admin_client):
    for i in range(30):
        add_project(app, None, f"P{i:02d}", date(2026, 1, 1 + i % 28))
    response = admin_client.get("/projects?size=25&sort=name&page=2", htmx=True)
    assert names(response) == [f"P{i:02d}" for i in range(25, 30)]
    assert response.headers["HX-Push-Url"] == "/projects?sort=name&size=25&page=2"
    # A page past the end shows the last one; unknown arguments drop out of the URL.
    response = admin_client.get("/projects?size=25&sort=name&page=9&x=1", htmx=True)
    assert names(response)[0] == "P25"
    assert response.headers["HX-Push-Url"] == "/projects?sort=name&size=25&page=2"
    assert "1–25 of 30 projects" in text_of(admin_client.get("/projects?size=25"))


def test_markup_in_names_shows_as_text(app, admin_client):
    client_id = add_client(app, "<script>alert(1)</script>")
    add_project(app, client_id, "<img src=x onerror=alert(1)>", date(2026, 7, 1),
                location="<b>bold</b>")
    body = admin_client.get("/projects").get_data(as_text=True)
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<script>alert(1)" not in body and "<b>bold" not in body


def test_list_reloads_itself_on_projects_changed(app, admin_client):
    response = admin_client.get("/projects?when=past")
    root = one(response, "#project-list")
    assert root.attributes["hx-trigger"] == "projectsChanged from:body"
    assert root.attributes["hx-get"] == "/projects?when=past"


def test_client_picker_options_offer_active_clients(app, viewer_client):
    add_client(app, "Acme")
    add_client(app, "Acme Old", archived_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    kept = add_client(app, "Zeta")
    response = viewer_client.get(f"/projects/client-options?client_q=acm&client={kept}",
                                 htmx=True)
    assert response.status_code == 200
    assert [o.text() for o in find(response, "option")] == ["No client", "Zeta", "Acme"]
    response = viewer_client.get("/projects/client-options?blank=all")
    assert [o.text() for o in find(response, "option")] == ["All clients", "Acme", "Zeta"]
    assert "<html" not in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(client, admin_id):
    response = client.get("/projects")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_client_filter_search_works_without_javascript(app, viewer_client):
    add_client(app, "Acme")
    add_client(app, "Globex")
    response = viewer_client.get("/projects?client_q=glob")
    assert [o.text() for o in find(response, "#client-filter option")] == ["All clients", "Globex"]
    assert attr(response, "#client-filter-find", "value") == "glob"


def test_a_long_location_is_one_cut_line_with_its_full_text_as_title(app, viewer_client):
    place = "Salle Pleyel, 252 rue du Faubourg Saint-Honoré, 75008 Paris\nentrée des artistes"
    add_project(app, None, name="Gala", location=place)
    page = viewer_client.get("/projects")
    cell = one(page, "table.project-table tbody td.address-col .one-line")
    assert cell.attributes["title"] == place
    assert cell.text() == place
