"""The dashboard's Clients box: active and archived counts, the latest clients, the way in."""
from datetime import datetime, timedelta, timezone

from clientapp.clients.models import Client
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .html import one


def add_clients(app, names, archived=()):
    start = datetime(2025, 3, 1, tzinfo=timezone.utc)
    with app.app_context():
        clients = [Client(name=name, created_at=start + timedelta(days=i),
                          archived_at=start if name in archived else None)
                   for i, name in enumerate(names)]
        db.session.add_all(clients)
        db.session.commit()
        return [c.id for c in clients]


def box(response):
    return one(response, "section[aria-labelledby=box-clients-title]")


def figure(response, label) -> str:
    for item in box(response).css("dl div"):
        if item.css_first("dt").text() == label:
            return item.css_first("dd").text()
    raise AssertionError(f"no figure {label!r}")


def test_dashboard_page_and_fragment(admin_client):
    assert_page(admin_client.get("/"))
    assert_fragment(admin_client.get("/", htmx=True), "dashboard")


def test_counts_active_and_archived(app, viewer_client):
    add_clients(app, ["A", "B", "C", "D", "E"], archived={"B", "D"})
    response = viewer_client.get("/")
    assert figure(response, "Active") == "3"
    assert figure(response, "Archived") == "2"


def test_counts_are_formatted_for_the_reader(app, admin_client):
    with app.app_context():
        db.session.add_all([Client(name=f"C{i}") for i in range(1234)])
        db.session.commit()
    assert figure(admin_client.get("/"), "Active") == "1,234"
    admin_client.post("/locale", data={"locale": "fr", "next": "/"})
    assert figure(admin_client.get("/"), "Actifs").replace("\u202f", " ") \
        .replace("\xa0", " ") == "1 234"


def test_latest_five_active_clients_newest_first(app, admin_client):
    ids = add_clients(app, ["One", "Two", "Three", "Four", "Five", "Six", "Seven"],
                      archived={"Seven"})
    links = box(admin_client.get("/")).css("li > a")
    assert [a.text() for a in links] == ["Six", "Five", "Four", "Three", "Two"]
    assert links[0].attributes["href"] == f"/clients/{ids[5]}"


def test_box_leads_to_the_list(admin_client):
    section = box(admin_client.get("/"))
    assert [(a.attributes["href"], a.text()) for a in section.css("a")] == [
        ("/clients", "Clients"), ("/clients", "Open the client list")]
    assert "No clients yet." in section.text()


def test_markup_in_a_name_shows_as_text(app, admin_client):
    add_clients(app, ['<img src=x onerror=alert(1)>'])
    section = box(admin_client.get("/"))
    assert section.css("img") == []
    assert "<img src=x onerror=alert(1)>" in section.text()


# --- the Projects box -----------------------------------------------------------------------

def test_projects_box_shows_ongoing_next_upcoming_and_counts(app, viewer_client, monkeypatch):
    from datetime import date

    from clientapp.projects import services

    from .factories import add_project
    from .html import find, texts, words

    monkeypatch.setattr(services, "clock",
                        lambda: datetime(2026, 6, 15, 12, tzinfo=timezone.utc))
    add_project(app, None, "Now", date(2026, 6, 14), date(2026, 6, 16))
    add_project(app, None, "Done", date(2026, 6, 1))
    for day in range(20, 27):
        add_project(app, None, f"Soon {day}", date(2026, 6, day))
    add_project(app, None, "<b>Soonest</b>", date(2026, 6, 16))
    response = viewer_client.get("/")
    box = find(response, "section[aria-labelledby=box-projects-title]")[0]
    figures = {words(d.css_first("dt")): words(d.css_first("dd"))
               for d in box.css("dl.figures > div")}
    assert figures == {"Ongoing": "1", "Upcoming": "8", "Past": "1"}
    assert texts(response, "#dashboard-ongoing a") == ["Now"]
    assert texts(response, "#dashboard-upcoming a") == ["<b>Soonest</b>", "Soon 20", "Soon 21",
                                                        "Soon 22", "Soon 23"]
    assert "<b>Soonest" not in response.get_data(as_text=True)


def test_projects_box_when_there_are_none(admin_client):
    from .html import text_of

    text = text_of(admin_client.get("/"))
    assert "No project is on today." in text and "No upcoming project." in text
