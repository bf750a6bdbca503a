"""The client list: search, filters, sort, pages, views, quick add, the row menu, archive,
unarchive, delete and the bulk actions. Every route as a page and as an htmx fragment; each
rule with a test that fails without it; who may do what."""
import html
import json
from datetime import datetime, timedelta, timezone

import pytest
from markupsafe import escape
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from clientapp.clients import services
from clientapp.clients.models import Client
from clientapp.extensions import db

from .conftest import assert_fragment, assert_page
from .factories import add_client, add_project, load_client as load
from .html import attr, find, one, text_of, texts, words

MARKUP = '<img src=x onerror=alert(1)>'
HX_MARKUP = '<div hx-get="/x" hx-trigger="load">'


def add_clients(app, names, start=None) -> list[int]:
    """Clients added one minute apart, in the order given (the first is the oldest)."""
    start = start or datetime(2025, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        clients = [Client(name=name, created_at=start + timedelta(minutes=i))
                   for i, name in enumerate(names)]
        db.session.add_all(clients)
        db.session.commit()
        return [c.id for c in clients]


def archive_now(app, *client_ids, reason=None):
    with app.app_context():
        for client_id in client_ids:
            client = db.session.get(Client, client_id)
            client.archived_at = datetime.now(timezone.utc)
            client.archive_reason = reason
        db.session.commit()


def body(response) -> str:
    return response.get_data(as_text=True)


def row_names(response) -> list[str]:
    """The client names of the list's rows, top to bottom."""
    return texts(response, "#client-rows th.name-col > a")


def events_of(response) -> set:
    """The events an answer sends (HX-Trigger), by name."""
    return set(json.loads(response.headers.get("HX-Trigger") or "{}"))


def notice_text(response) -> str:
    return " ".join(texts(response, ".notice .notice-text"))


# --- the list: pages and fragments ------------------------------------------------------

def test_list_page_and_fragment(app, admin_client):
    add_clients(app, ["Acme", "Globex"])
    page = admin_client.get("/clients")
    assert_page(page)
    assert row_names(page) == ["Acme", "Globex"]
    assert texts(page, "h1") == ["Clients"]
    assert one(page, "label[for=client-search]").text() == "Search clients"

    fragment = admin_client.get("/clients?q=glo", htmx=True)
    assert_fragment(fragment, "client-list")
    assert row_names(fragment) == ["Globex"]
    # The search box is outside the fragment: typing is never interrupted by a swap.
    assert not find(fragment, "#client-search")
    assert fragment.headers["HX-Push-Url"] == "/clients?q=glo"
    # The list reloads itself, with its own URL, when a write changed the clients.
    listing = one(fragment, "#client-list")
    assert listing.attributes["hx-get"] == "/clients?q=glo"
    assert listing.attributes["hx-trigger"] == "clientsChanged from:body"


def test_boosted_and_history_restore_get_the_whole_page(admin_client):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        response = admin_client.get("/clients", htmx=True, headers={header: "true"})
        assert_page(response)


def test_fifty_a_page_with_the_total(app, admin_client):
    add_clients(app, [f"Client {i:03d}" for i in range(120)])
    first = admin_client.get("/clients")
    assert len(row_names(first)) == 50
    assert "1–50 of 120 clients" in text_of(first)
    assert "Page 1 of 3" in text_of(first)
    pager = one(first, "nav.pagination")
    assert [a.attributes["href"] for a in pager.css("a[hx-get]")] == \
        ["/clients?page=2", "/clients?page=3", "/clients?page=2", "/clients?page=3"]
    assert pager.css_first("[aria-current=page]").text(strip=True).endswith("1")

    last = admin_client.get("/clients?page=3", htmx=True)
    assert_fragment(last, "client-list")
    assert row_names(last)[0] == "Client 100" and len(row_names(last)) == 20
    assert "101–120 of 120 clients" in text_of(last)
    assert attr(last, "a[rel=prev]", "href") == "/clients?page=2"
    assert texts(last, "nav.pagination a")[:2] == ["First", "Previous"]
    assert not find(last, "a[rel=next]")


def test_page_size_is_25_50_or_100_and_stays_in_the_url(app, admin_client):
    add_clients(app, [f"Client {i:03d}" for i in range(120)])
    page = admin_client.get("/clients?size=25", htmx=True)
    assert len(row_names(page)) == 25 and "Page 1 of 5" in text_of(page)
    assert page.headers["HX-Push-Url"] == "/clients?size=25"
    assert attr(page, "a[rel=next]", "href") == "/clients?size=25&page=2"
    assert one(page, "select[name=size] option[selected]").text() == "25"
    assert len(row_names(admin_client.get("/clients?size=100"))) == 100
    # Anything else is the default.
    assert len(row_names(admin_client.get("/clients?size=1000"))) == 50


def test_a_page_past_the_end_shows_the_last_and_the_url_says_so(app, admin_client):
    add_clients(app, [f"Client {i:03d}" for i in range(60)])
    response = admin_client.get("/clients?page=9", htmx=True)
    assert row_names(response)[0] == "Client 050"
    assert response.headers["HX-Push-Url"] == "/clients?page=2"


def test_one_client_is_counted_in_the_singular(app, admin_client):
    add_client(app, "Solo")
    assert "1–1 of 1 client" in text_of(admin_client.get("/clients"))


# --- search ----------------------------------------------------------------------------

def test_search_ignores_case_and_accents(app, admin_client):
    add_client(app, "Émile Zola SARL")
    add_client(app, "Zoé Martin")
    add_client(app, "Globex")
    for q in ("emile", "ÉMILE", "Emile zola", "émile"):
        assert row_names(admin_client.get(f"/clients?q={q}")) == ["Émile Zola SARL"], q
    # Under three characters the search takes another path (no trigram index): same rule.
    assert row_names(admin_client.get("/clients?q=zo")) == ["Émile Zola SARL", "Zoé Martin"]
    assert row_names(admin_client.get("/clients?q=Zé")) == []
    assert row_names(admin_client.get("/clients?q=ZOE")) == ["Zoé Martin"]


def test_search_covers_name_code_address_and_email(app, admin_client):
    add_client(app, "By name Orchid")
    add_client(app, "By code", code="ORC-12")
    add_client(app, "By address", address="12 rue des Orchidées\nLyon")
    add_client(app, "By email", email="contact@orchidee.fr")
    add_client(app, "Unrelated", phone="0607080910")
    assert row_names(admin_client.get("/clients?q=orc")) == \
        ["By address", "By code", "By email", "By name Orchid"]
    assert row_names(admin_client.get("/clients?q=Lyon")) == ["By address"]
    # The phone is not searched.
    assert row_names(admin_client.get("/clients?q=0607")) == []


def test_punctuation_is_ignored_and_never_a_wildcard(app, admin_client):
    add_client(app, "50% off")
    add_client(app, "500 off")
    add_client(app, "a_b")
    # Punctuation separates words and is not searched for: "%" and "_" are no LIKE wildcards.
    assert row_names(admin_client.get("/clients?q=%25")) == []
    assert row_names(admin_client.get("/clients?q=_")) == []
    assert row_names(admin_client.get("/clients?q=%5C")) == []
    assert row_names(admin_client.get("/clients?q=50%25")) == ["50% off", "500 off"]
    assert row_names(admin_client.get("/clients?q=off 50%25")) == ["50% off", "500 off"]
    assert row_names(admin_client.get("/clients?q=a_b")) == ["a_b"]


def test_search_keeps_sort_and_view_and_starts_at_page_one(app, admin_client):
    add_clients(app, ["Alpha", "Alpine"])
    response = admin_client.get("/clients?sort=-name&view=all&page=1&q=alp")
    text = body(response)
    # Sent with the search box through form="list-search".
    assert '<input type="hidden" form="list-search" name="sort" value="-name">' in text
    assert '<input type="hidden" form="list-search" name="view" value="all">' in text
    assert row_names(response) == ["Alpine", "Alpha"]


def test_search_finds_a_client_after_its_edit_and_not_after_its_delete(app, admin_client):
    client_id = add_client(app, "Initech")
    with app.app_context():
        db.session.get(Client, client_id).name = "Umbrella"
        db.session.commit()
    assert row_names(admin_client.get("/clients?q=initech")) == []
    assert row_names(admin_client.get("/clients?q=umbrella")) == ["Umbrella"]
    with app.app_context():
        db.session.execute(delete(Client).where(Client.id == client_id))
        db.session.commit()
    assert row_names(admin_client.get("/clients?q=umbrella")) == []


# --- sort ------------------------------------------------------------------------------

def test_sort_by_name_code_and_date_added(app, admin_client):
    ids = add_clients(app, ["delta", "Émile", "Fox", "alpha"])
    with app.app_context():
        for client_id, code in zip(ids, ["B-2", "a-1", None, "C-3"]):
            db.session.get(Client, client_id).code = code
        db.session.commit()
    assert row_names(admin_client.get("/clients")) == ["alpha", "delta", "Émile", "Fox"]
    assert row_names(admin_client.get("/clients?sort=-name")) == ["Fox", "Émile", "delta", "alpha"]
    # Codes ignore case; where a client without a code goes is the database's choice.
    coded = [n for n in row_names(admin_client.get("/clients?sort=code")) if n != "Fox"]
    assert coded == ["Émile", "delta", "alpha"]
    coded = [n for n in row_names(admin_client.get("/clients?sort=-code")) if n != "Fox"]
    assert coded == ["alpha", "delta", "Émile"]
    assert row_names(admin_client.get("/clients?sort=-created")) == ["alpha", "Fox", "Émile", "delta"]
    assert row_names(admin_client.get("/clients?sort=created")) == ["delta", "Émile", "Fox", "alpha"]


def test_sort_headers_say_the_order_and_reverse_it(app, admin_client):
    add_client(app, "Acme")
    page = admin_client.get("/clients?q=ac")
    name = one(page, "th[aria-sort]")
    assert name.attributes["aria-sort"] == "ascending"
    assert name.css_first("a").attributes["href"] == "/clients?q=ac&sort=-name"
    headers = {words(th): th.css_first("a").attributes["href"]
               for th in find(page, "thead th") if th.css_first("a.sort-link")}
    assert headers["Code ↕"] == "/clients?q=ac&sort=code"
    # Date added starts with the newest.
    assert headers["Added ↕"] == "/clients?q=ac&sort=-created"
    page = admin_client.get("/clients?sort=-created")
    added = one(page, "th[aria-sort]")
    assert added.attributes["aria-sort"] == "descending"
    assert added.css_first("a").attributes["href"] == "/clients?sort=created"


def test_unknown_arguments_fall_back_to_the_default_view(app, admin_client):
    add_clients(app, ["Bravo", "Alpha"])
    response = admin_client.get("/clients?sort=evil&view=nope&page=x", htmx=True)
    assert row_names(response) == ["Alpha", "Bravo"]
    assert response.headers["HX-Push-Url"] == "/clients"


# --- views: Active, Archived, Show archives ---------------------------------------------

def test_active_archived_and_show_archives(app, admin_client):
    active, archived = add_clients(app, ["Active Co", "Gone Co"])
    archive_now(app, archived)

    page = admin_client.get("/clients")
    assert row_names(page) == ["Active Co"]
    assert 'aria-current="page">Active</a>' in body(page)
    assert 'role="switch" aria-checked="false" name="view" value="all"' in body(page)

    shown = admin_client.get("/clients?view=all", htmx=True)
    assert_fragment(shown, "client-list")
    assert row_names(shown) == ["Active Co", "Gone Co"]
    gone_row = body(shown).split('id="client-row-%d"' % archived)[1].split("</tr>")[0]
    assert '<span class="badge badge-warn">Archived</span>' in gone_row
    assert 'role="switch" aria-checked="true" name="view" value="active"' in body(shown)
    assert shown.headers["HX-Push-Url"] == "/clients?view=all"

    tab = admin_client.get("/clients?view=archived")
    assert row_names(tab) == ["Gone Co"]
    assert 'aria-current="page">Archived</a>' in body(tab)
    # The switch belongs to the Active tab.
    assert 'role="switch"' not in body(tab)


def test_view_links_keep_the_search_and_the_sort(app, admin_client):
    add_client(app, "Acme")
    text = body(admin_client.get("/clients?q=acme&sort=code"))
    assert 'href="/clients?q=acme&amp;sort=code&amp;view=archived"' in text
    assert '<input type="hidden" name="q" value="acme">' in text
    assert '<input type="hidden" name="sort" value="code">' in text


def test_empty_states_say_what_to_do(app, admin_client, viewer_client):
    empty = admin_client.get("/clients")
    assert "No clients yet." in text_of(empty)
    # Two ways to start, as buttons, not a sentence repeating the page's own.
    assert texts(empty, ".empty .button") == ["Add client", "Import a file"]
    assert "Clients appear here once a manager adds them." in text_of(viewer_client.get("/clients"))
    assert not find(viewer_client.get("/clients"), ".empty .button")

    add_client(app, "Acme")
    response = admin_client.get("/clients?q=zzz")
    assert "No client matches “zzz”." in text_of(response)
    assert attr(response, ".empty a", "href") == "/clients"
    assert "No archived clients." in text_of(admin_client.get("/clients?view=archived"))


# --- More actions: Import and Export ----------------------------------------------------

def test_more_actions_link_import_and_export_with_the_view(make_app, admin_id):
    app = make_app()
    from .conftest import make_user, sign_in

    user_id = make_user(app, "admin", email="boss@example.com")
    client = sign_in(app, user_id)
    with app.test_request_context():
        from flask import url_for

        import_url = url_for("imports.new_import")
        export_url = url_for("imports.export_formats", q="acme", sort="-name", view="all")
    page = client.get("/clients?q=acme&sort=-name&view=all&page=2")
    button = one(page, "#more-actions-button")
    assert button.text() == "More actions"
    assert button.attributes["popovertarget"] == "more-actions-menu"
    assert "popover" in one(page, "#more-actions-menu").attributes
    # The list's own row beside it.
    assert body(page).index("Add client") < body(page).index("More actions")
    items = {a.text(): a.attributes for a in find(page, "#more-actions-menu a")}
    assert items["Import"]["href"] == import_url
    # Export opens the choice of formats for this view: a dialog with htmx, else a page.
    assert items["Export"]["href"] == items["Export"]["hx-get"] == export_url
    assert (items["Export"]["hx-target"], items["Export"]["hx-swap"]) == ("body", "beforeend")
    # After a new search the Export link follows the view (out of band).
    fragment = client.get("/clients?q=glo", htmx=True)
    oob = one(fragment, "#more-actions")
    assert oob.attributes["hx-swap-oob"] == "true"
    export = [a for a in oob.css("a[role=menuitem]") if words(a) == "Export"]
    assert len(export) == 1 and "q=glo" in export[0].attributes["href"]


# --- quick add -------------------------------------------------------------------------

def test_quick_add_form_page_and_fragment(admin_client):
    page = admin_client.get("/clients/add")
    assert_page(page)
    assert 'id="quick-add"' in body(page) and 'id="client-list"' in body(page)
    fragment = admin_client.get("/clients/add", htmx=True)
    assert_fragment(fragment, "quick-add")
    assert '<label for="name">Name</label>' in body(fragment)
    assert ">Create</button>" in body(fragment)
    assert "autofocus" in body(fragment)
    closed = admin_client.get("/clients/add?close=1", htmx=True)
    assert_fragment(closed, "quick-add")
    assert "<form" not in body(closed)


def test_quick_add_puts_the_new_client_on_top_at_once(app, admin_client, admin_id):
    add_clients(app, ["Alpha", "Bravo"])
    response = admin_client.post("/clients/add", data={"name": "  Zulu  "}, htmx=True)
    assert_fragment(response, "quick-add")
    # The form comes back empty for the next one, with a notice, and the list hears of it.
    assert attr(response, "#quick-add input[name=name]", "value") == ""
    assert one(response, "[hx-swap-oob]").attributes["hx-swap-oob"] == "afterbegin:#notices"
    assert notice_text(response) == "Client “Zulu” created."
    assert events_of(response) == {"clientsChanged"}
    # The list the event reloads has it on top, marked new; once.
    reloaded = admin_client.get("/clients", htmx=True)
    assert row_names(reloaded) == ["Zulu", "Alpha", "Bravo"]
    assert texts(reloaded, ".row-new .badge-new") == ["New"]
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Alpha", "Bravo", "Zulu"]
    with app.app_context():
        client = db.session.scalars(select(Client).where(Client.name == "Zulu")).one()
        assert client.created_by_id == admin_id and client.archived_at is None


def test_quick_add_without_javascript(app, admin_client):
    add_client(app, "Alpha")
    response = admin_client.post("/clients/add", data={"name": "Zulu"})
    assert response.status_code == 303 and response.headers["Location"] == "/clients"
    page = admin_client.get("/clients")
    assert row_names(page) == ["Zulu", "Alpha"]
    assert "Client “Zulu” created." in text_of(page)
    # Shown once.
    assert row_names(admin_client.get("/clients")) == ["Alpha", "Zulu"]


@pytest.mark.parametrize("name, message", [
    ("", "Enter the client's name."),
    ("   ", "Enter the client's name."),
    ("x" * 201, "Use at most 200 characters."),
])
def test_quick_add_refuses_a_bad_name(app, admin_client, name, message):
    response = admin_client.post("/clients/add", data={"name": name}, htmx=True)
    assert_fragment(response, "quick-add", 422)
    assert message in text_of(response)
    assert 'aria-invalid="true"' in body(response)
    page = admin_client.post("/clients/add", data={"name": name})
    assert_page(page, 422)
    with app.app_context():
        assert db.session.scalar(select(Client.id)) is None


def test_quick_add_asks_before_creating_a_look_alike(app, admin_client):
    existing = add_client(app, "Acme, Inc.")
    response = admin_client.post("/clients/add", data={"name": "ACMÉ sarl"}, htmx=True)
    assert_fragment(response, "quick-add")
    assert "A client with a similar name already exists:" in text_of(response)
    assert attr(response, ".banner a", "href") == f"/clients/{existing}"
    assert one(response, "button[type=submit]").text() == "Create anyway"
    assert attr(response, "input[name=confirm_similar]", "value") == "ACMÉ sarl"
    assert not events_of(response)
    with app.app_context():
        assert len(db.session.scalars(select(Client)).all()) == 1

    # The user changed the name after the warning: the check runs again.
    again = admin_client.post("/clients/add", htmx=True,
                              data={"name": "acme", "confirm_similar": "Other name"})
    assert "Create anyway" in text_of(again)

    confirmed = admin_client.post("/clients/add", htmx=True,
                                  data={"name": "ACMÉ sarl", "confirm_similar": "ACMÉ sarl"})
    assert_fragment(confirmed, "quick-add")
    with app.app_context():
        assert len(db.session.scalars(select(Client)).all()) == 2


def test_quick_add_needs_the_csrf_token(app, admin_client):
    response = admin_client.post("/clients/add", data={"name": "Zulu"}, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Client.id)) is None


# --- the row menu ----------------------------------------------------------------------

def menu_of(response, client_id) -> str:
    text = body(response)
    start = text.index(f'id="client-menu-{client_id}"')
    return text[start:text.index("</ul>", start)]


def menu_of(response, client_id):
    return one(response, f"#client-menu-{client_id}")


def test_row_menu_for_writers(app, manager_client):
    active, archived = add_clients(app, ["Acme", "Old Co"])
    archive_now(app, archived)
    response = manager_client.get("/clients?view=all")
    button = one(response, f"#client-actions-{active}")
    assert button.attributes["popovertarget"] == f"client-menu-{active}"
    assert button.attributes["aria-haspopup"] == "menu"
    assert words(button) == "⋮ Actions for Acme"
    menu = menu_of(response, active)
    assert menu.attributes["role"] == "menu" and "popover" in menu.attributes
    items = {words(i): i.attributes for i in menu.css("[role=menuitem]")}
    assert list(items) == ["View", "Edit", "New project", "Archive", "Delete"]
    assert items["View"]["href"] == f"/clients/{active}"
    assert items["New project"]["href"] == f"/projects/new?client={active}"
    assert items["Edit"]["href"] == f"/clients/{active}/edit"
    assert items["Archive"]["hx-get"] == f"/clients/{active}/archive"
    assert items["Delete"]["href"] == f"/clients/{active}/delete"
    old = menu_of(response, archived)
    assert [words(i) for i in old.css("[role=menuitem]")] == \
        ["View", "Edit", "Unarchive", "Delete"]
    assert old.css_first("form").attributes["action"] == f"/clients/{archived}/unarchive"


def test_viewer_sees_view_only(app, viewer_client):
    client_id = add_client(app, "Acme")
    response = viewer_client.get("/clients")
    assert texts(response, f"#client-menu-{client_id} [role=menuitem]") == ["View"]
    assert "Add client" not in text_of(response)
    assert not find(response, "input[type=checkbox]")
    assert "Archive selected" not in text_of(response)


# --- archive, unarchive ----------------------------------------------------------------

def test_archive_confirmation_page_and_dialog(app, admin_client):
    client_id = add_client(app, "Acme")
    page = admin_client.get(f"/clients/{client_id}/archive",
                            headers={"Referer": "http://localhost/clients?q=ac"})
    assert_page(page)
    assert texts(page, "h1#client-dialog-title") == ["Archive “Acme”?"]
    assert one(page, "label[for=archive-reason]").text() == "Reason (optional)"
    assert attr(page, "#client-dialog a.button", "href") == "/clients?q=ac"  # Cancel
    assert attr(page, "#client-dialog input[name=next]", "value") == "/clients?q=ac"

    dialog = admin_client.get(f"/clients/{client_id}/archive", htmx=True)
    assert_fragment(dialog, "client-dialog")
    root = one(dialog, "dialog#client-dialog")
    assert "data-open-on-load" in root.attributes
    assert root.attributes["aria-labelledby"] == "client-dialog-title"
    assert texts(dialog, "button") == ["Cancel", "Archive"]
    # Its answer is a notice for the notices region.
    form = one(dialog, "form")
    assert (form.attributes["hx-target"], form.attributes["hx-swap"]) == ("#notices", "afterbegin")
    assert load(app, client_id).archived_at is None  # a GET never writes


def test_archive_from_the_list_in_place_with_undo(app, admin_client):
    acme, globex = add_clients(app, ["Acme", "Globex"])
    response = admin_client.post(f"/clients/{acme}/archive", data={"reason": "Went bust"},
                                 htmx=True)
    assert response.status_code == 200 and "<html" not in body(response)
    # A notice with Undo, and events: the list reloads, the dialog closes.
    assert notice_text(response) == "“Acme” archived."
    undo = one(response, ".notice form")
    assert undo.attributes["hx-post"] == f"/clients/{acme}/unarchive"
    # Undo's answer replaces this notice, never sits beside it.
    assert (undo.attributes["hx-target"], undo.attributes["hx-swap"]) == \
        ("closest .notice", "outerHTML")
    assert events_of(response) == {"clientsChanged", "clientUpdated", "closeDialog"}
    client = load(app, acme)
    assert client.archived_at is not None and client.archive_reason == "Went bust"
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Globex"]

    undone = admin_client.post(f"/clients/{acme}/unarchive", htmx=True)
    assert notice_text(undone) == "“Acme” is active again."
    assert not find(undone, ".notice form")
    assert {"clientsChanged", "clientUpdated"} <= events_of(undone)
    client = load(app, acme)
    assert client.archived_at is None and client.archive_reason is None
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Acme", "Globex"]


def test_the_list_reloads_itself_with_the_view_on_screen(app, admin_client):
    acme, _ = add_clients(app, ["Acme", "Acme Two"])
    shown = admin_client.get("/clients?q=acme&view=all", htmx=True)
    reload_url = attr(shown, "#client-list", "hx-get")
    assert reload_url == "/clients?q=acme&view=all"
    admin_client.post(f"/clients/{acme}/archive", htmx=True)
    # Show archives is on: the row stays, with its badge.
    reloaded = admin_client.get(reload_url, htmx=True)
    assert row_names(reloaded) == ["Acme", "Acme Two"]
    assert texts(reloaded, f"#client-row-{acme} .badge-warn") == ["Archived"]


def test_archive_without_javascript(app, admin_client):
    client_id = add_client(app, "Acme")
    response = admin_client.post(f"/clients/{client_id}/archive",
                                 data={"reason": "", "next": "/clients?sort=code"})
    assert response.status_code == 303 and response.headers["Location"] == "/clients?sort=code"
    assert load(app, client_id).archived_at is not None
    assert load(app, client_id).archive_reason is None
    page = admin_client.get("/clients?sort=code")
    assert notice_text(page) == "“Acme” archived."
    assert attr(page, "#notices .notice form", "action") == f"/clients/{client_id}/unarchive"
    # Shown once.
    assert not find(admin_client.get("/clients?sort=code"), "#notices .notice")
    # Unarchive without JavaScript too: back where it was asked from.
    response = admin_client.post(f"/clients/{client_id}/unarchive",
                                 data={"next": "/clients?view=archived"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/clients?view=archived"
    assert load(app, client_id).archived_at is None


def test_next_never_leaves_the_site(app, admin_client):
    client_id = add_client(app, "Acme")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = admin_client.post(f"/clients/{client_id}/archive", data={"next": target})
        assert response.headers["Location"] == "/clients", target
        admin_client.post(f"/clients/{client_id}/unarchive")


def test_archive_from_the_profile_refreshes_its_header(app, admin_client):
    client_id = add_client(app, "Acme")
    profile = admin_client.get(f"/clients/{client_id}")
    head = one(profile, "#profile-head")
    assert head.attributes["hx-trigger"] == "clientUpdated from:body"
    archive = one(profile, f"#client-menu-profile a[href='/clients/{client_id}/archive']")
    assert archive.attributes["hx-get"] == f"/clients/{client_id}/archive"
    response = admin_client.post(f"/clients/{client_id}/archive", htmx=True,
                                 data={"next": f"/clients/{client_id}"})
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert "clientUpdated" in events_of(response)
    assert "Archived on" in text_of(admin_client.get(f"/clients/{client_id}"))
    unarchive = admin_client.post(f"/clients/{client_id}/unarchive", htmx=True,
                                  data={"next": f"/clients/{client_id}"})
    assert "clientUpdated" in events_of(unarchive)
    # A notice shown in place is not left waiting for the next page.
    assert not find(admin_client.get("/clients"), "#notices .notice")


def test_archive_reason_too_long_is_refused_in_the_dialog(app, admin_client):
    client_id = add_client(app, "Acme")
    response = admin_client.post(f"/clients/{client_id}/archive", data={"reason": "x" * 501},
                                 htmx=True)
    assert_fragment(response, "client-dialog", 422)
    assert response.headers["HX-Retarget"] == "#client-dialog"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert "Use at most 500 characters." in text_of(response)
    assert attr(response, "textarea", "aria-invalid") == "true"
    assert not events_of(response)
    assert load(app, client_id).archived_at is None
    assert_page(admin_client.post(f"/clients/{client_id}/archive", data={"reason": "x" * 501}), 422)


def test_archived_rows_page_back_when_the_last_one_goes(app, admin_client):
    ids = add_clients(app, [f"Client {i:03d}" for i in range(51)])
    admin_client.post(f"/clients/{ids[-1]}/archive", htmx=True)
    reloaded = admin_client.get("/clients?page=2", htmx=True)
    assert reloaded.headers["HX-Push-Url"] == "/clients"
    assert len(row_names(reloaded)) == 50


# --- delete ----------------------------------------------------------------------------

def test_delete_a_client_without_projects(app, admin_client):
    acme, globex = add_clients(app, ["Acme", "Globex"])
    page = admin_client.get(f"/clients/{acme}/delete")
    assert_page(page)
    assert "Delete “Acme”?" in text_of(page) and "cannot be undone" in text_of(page)
    dialog = admin_client.get(f"/clients/{acme}/delete", htmx=True)
    assert_fragment(dialog, "client-dialog")
    assert texts(dialog, "button") == ["Cancel", "Delete"]

    response = admin_client.post(f"/clients/{acme}/delete", htmx=True,
                                 headers={"Referer": "http://localhost/clients"})
    assert notice_text(response) == "“Acme” deleted."
    assert not find(response, ".notice form")  # no Undo for a delete
    assert events_of(response) == {"clientsChanged", "clientUpdated", "closeDialog"}
    assert load(app, acme) is None
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Globex"]

    response = admin_client.post(f"/clients/{globex}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/clients"
    assert load(app, globex) is None
    assert notice_text(admin_client.get("/clients")) == "“Globex” deleted."


def test_delete_from_the_profile_goes_to_the_list(app, admin_client):
    client_id = add_client(app, "Acme")
    response = admin_client.post(f"/clients/{client_id}/delete", htmx=True,
                                 data={"next": f"/clients/{client_id}"})
    assert response.headers["HX-Redirect"] == "/clients"
    assert load(app, client_id) is None
    assert notice_text(admin_client.get("/clients")) == "“Acme” deleted."


def test_delete_is_refused_while_projects_are_attached(app, admin_client):
    client_id = add_client(app, "Acme")
    add_project(app, client_id, "One")
    add_project(app, client_id, "Two")

    dialog = admin_client.get(f"/clients/{client_id}/delete", htmx=True)
    assert_fragment(dialog, "client-dialog")
    text = text_of(dialog)
    assert "“Acme” cannot be deleted" in text
    assert "2 projects are attached to this client." in text
    assert "Archive it instead" in text
    assert f'hx-post="/clients/{client_id}/archive"' in body(dialog)
    assert ">Delete</button>" not in body(dialog)

    # The rule holds on the server, whatever the page showed.
    response = admin_client.post(f"/clients/{client_id}/delete", htmx=True)
    assert_fragment(response, "client-dialog", 409)
    assert response.headers["HX-Retarget"] == "#client-dialog"
    assert "2 projects are attached to this client." in text_of(response)
    page = admin_client.post(f"/clients/{client_id}/delete")
    assert_page(page, 409)
    assert "2 projects are attached to this client." in text_of(page)
    assert load(app, client_id) is not None


def test_one_project_is_said_in_the_singular_and_archived_clients_are_not_offered_archive(
        app, admin_client):
    client_id = add_client(app, "Acme")
    add_project(app, client_id)
    archive_now(app, client_id)
    text = text_of(admin_client.get(f"/clients/{client_id}/delete", htmx=True))
    assert "1 project is attached to this client." in text
    assert "already archived" in text
    assert "archive" not in body(admin_client.get(f"/clients/{client_id}/delete", htmx=True)) \
        .split("dialog-actions")[1]


def test_the_foreign_key_refuses_when_the_check_is_missed(app, admin_client, monkeypatch):
    """A project attached between the check and the delete: the database refuses (RESTRICT)
    and the user gets the same 409, never a 500."""
    client_id = add_client(app, "Acme")
    add_project(app, client_id)
    real = services.project_count
    checks = []

    def missed_once(client_id):
        checks.append(client_id)
        return 0 if len(checks) == 1 else real(client_id)

    monkeypatch.setattr(services, "project_count", missed_once)
    response = admin_client.post(f"/clients/{client_id}/delete")
    assert_page(response, 409)
    assert "1 project is attached to this client." in text_of(response)
    assert load(app, client_id) is not None
    assert len(checks) == 2  # the check was missed, the database said no


def test_the_database_itself_refuses_to_delete_a_client_with_projects(app):
    client_id = add_client(app, "Acme")
    add_project(app, client_id)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(delete(Client).where(Client.id == client_id))
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Client, client_id) is not None


# --- bulk archive / unarchive ----------------------------------------------------------

def test_bulk_archive_confirms_with_the_count(app, admin_client):
    a, b, c, gone = add_clients(app, ["Alpha", "Bravo", "Charlie", "Gone"])
    archive_now(app, gone)
    query = f"/clients/bulk-archive?action=archive&ids={a}&ids={b}&ids={gone}&ids=999&ids=x"
    page = admin_client.get(query)
    assert_page(page)
    assert "Archive 2 clients?" in text_of(page)
    dialog = admin_client.get(query, htmx=True)
    assert_fragment(dialog, "client-dialog")
    # Only what the action changes is counted and sent.
    assert [i.attributes["value"] for i in find(dialog, "input[name=ids]")] == [str(a), str(b)]
    assert texts(dialog, "button")[-1] == "Archive"

    response = admin_client.post("/clients/bulk-archive", htmx=True,
                                 data={"action": "archive", "ids": [a, b], "reason": "Season over"})
    assert notice_text(response) == "2 clients archived."
    undo = one(response, ".notice form")
    assert undo.attributes["hx-post"] == "/clients/bulk-archive"
    assert attr(response, ".notice input[name=action]", "value") == "unarchive"
    assert [i.attributes["value"] for i in find(response, ".notice input[name=ids]")] == \
        [str(a), str(b)]
    assert load(app, a).archive_reason == "Season over" and load(app, b).archived_at
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Charlie"]

    # Undo: unarchive them all at once.
    undone = admin_client.post("/clients/bulk-archive", htmx=True,
                               data={"action": "unarchive", "ids": [a, b]})
    assert notice_text(undone) == "2 clients are active again."
    assert row_names(admin_client.get("/clients", htmx=True)) == ["Alpha", "Bravo", "Charlie"]


def test_bulk_unarchive_without_javascript(app, admin_client):
    a, b = add_clients(app, ["Alpha", "Bravo"])
    archive_now(app, a, b)
    page = admin_client.get(f"/clients/bulk-archive?action=unarchive&ids={a}&ids={b}",
                            headers={"Referer": "http://localhost/clients?view=archived"})
    assert "Unarchive 2 clients?" in text_of(page)
    response = admin_client.post("/clients/bulk-archive", data={
        "action": "unarchive", "ids": [a, b], "next": "/clients?view=archived"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/clients?view=archived"
    assert load(app, a).archived_at is None and load(app, b).archived_at is None
    assert "2 clients are active again." in text_of(admin_client.get("/clients?view=archived"))


def test_bulk_with_nothing_selected_says_so(admin_client):
    dialog = admin_client.get("/clients/bulk-archive?action=archive", htmx=True)
    assert_fragment(dialog, "client-dialog")
    assert "No client selected" in text_of(dialog)
    assert "<form" not in body(dialog)


def test_bulk_refuses_an_unknown_action(app, admin_client):
    client_id = add_client(app, "Acme")
    assert admin_client.get(f"/clients/bulk-archive?action=delete&ids={client_id}").status_code == 400
    assert admin_client.post("/clients/bulk-archive",
                             data={"action": "delete", "ids": [client_id]}).status_code == 400
    assert load(app, client_id) is not None


def test_bulk_buttons_follow_the_view(app, admin_client):
    add_client(app, "Acme")
    assert "Unarchive selected" not in text_of(admin_client.get("/clients"))
    text = text_of(admin_client.get("/clients?view=all"))
    assert "Archive selected" in text and "Unarchive selected" in text
    archive_now(app, add_client(app, "Old"))
    page = admin_client.get("/clients?view=archived")
    assert "Archive selected" not in text_of(page) and "Unarchive selected" in text_of(page)
    assert find(page, "input[type=checkbox][form=bulk-form][name=ids]")
    # One box ticks every row of the page.
    assert attr(page, "thead input[type=checkbox]", "data-select-all") == "bulk-form"
    assert "Select all on this page" in text_of(page)


# --- who may do what; unknown ids; markup --------------------------------------------

def test_viewer_is_refused_every_write(app, viewer_client):
    client_id = add_client(app, "Acme")
    other = add_client(app, "Old")
    archive_now(app, other)
    for method, url, data in [
        ("get", "/clients/add", None),
        ("post", "/clients/add", {"name": "Zulu"}),
        ("get", f"/clients/{client_id}/archive", None),
        ("post", f"/clients/{client_id}/archive", {}),
        ("post", f"/clients/{other}/unarchive", {}),
        ("get", f"/clients/{client_id}/delete", None),
        ("post", f"/clients/{client_id}/delete", {}),
        ("get", f"/clients/bulk-archive?action=archive&ids={client_id}", None),
        ("post", "/clients/bulk-archive", {"action": "archive", "ids": [client_id]}),
    ]:
        response = getattr(viewer_client, method)(url, data=data)
        assert response.status_code == 403, (method, url)
        htmx = getattr(viewer_client, method)(url, data=data, htmx=True)
        assert htmx.status_code == 403 and "data-error-message" in body(htmx), (method, url)
    with app.app_context():
        assert db.session.get(Client, client_id).archived_at is None
        assert db.session.get(Client, other).archived_at is not None
        assert len(db.session.scalars(select(Client)).all()) == 2


def test_manager_may_write(app, manager_client):
    client_id = add_client(app, "Acme")
    assert manager_client.post(f"/clients/{client_id}/archive").status_code == 303
    assert manager_client.post("/clients/add", data={"name": "Zulu"}).status_code == 303


@pytest.mark.parametrize("method, path", [
    ("get", "/clients/9999/archive"), ("post", "/clients/9999/archive"),
    ("post", "/clients/9999/unarchive"),
    ("get", "/clients/9999/delete"), ("post", "/clients/9999/delete"),
])
def test_unknown_client_is_404(admin_client, method, path):
    response = getattr(admin_client, method)(path)
    assert_page(response, 404)
    assert getattr(admin_client, method)(path, htmx=True).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, admin_id):
    response = client.get("/clients")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


@pytest.mark.parametrize("name", [MARKUP, HX_MARKUP])
def test_markup_in_a_name_shows_as_text_everywhere(app, admin_client, name):
    client_id = add_client(app, name, code="<b>c</b>", email="a@b.co",
                           address='<script>alert(1)</script>\nx')
    other = add_client(app, "Plain")
    escaped = (html.escape(name, quote=False), str(escape(name)))
    responses = {
        "list": admin_client.get("/clients"),
        "fragment": admin_client.get("/clients?q=" + name[:6], htmx=True),
        "archive dialog": admin_client.get(f"/clients/{client_id}/archive", htmx=True),
        "delete dialog": admin_client.get(f"/clients/{client_id}/delete", htmx=True),
        "bulk dialog": admin_client.get(
            f"/clients/bulk-archive?action=archive&ids={client_id}&ids={other}", htmx=True),
        "archive notice": admin_client.post(f"/clients/{client_id}/archive", htmx=True),
        "unarchive notice": admin_client.post(f"/clients/{client_id}/unarchive", htmx=True),
        "similar warning": admin_client.post("/clients/add", data={"name": name}, htmx=True),
        "dashboard": admin_client.get("/"),
    }
    for where, response in responses.items():
        text = body(response)
        assert name not in text, where
        assert "<script>alert" not in text and "<b>c</b>" not in text, where
        assert any(form in text for form in escaped), where
    add_project(app, client_id)
    refused = admin_client.post(f"/clients/{client_id}/delete", htmx=True)
    assert name not in body(refused) and any(form in body(refused) for form in escaped)
    deleted = admin_client.post(f"/clients/{other}/delete", htmx=True)
    assert name not in body(deleted)


def test_list_page_in_french(app, admin_client):
    add_client(app, "Acme")
    admin_client.post("/locale", data={"locale": "fr", "next": "/clients"})
    text = text_of(admin_client.get("/clients"))
    for words in ("Rechercher des clients", "Ajouter un client", "Afficher les archives",
                  "Actifs", "Archivés", "Actions pour Acme"):
        assert words in text, words


def test_archive_wins_over_an_edit_saved_meanwhile(app):
    """The edit form of someone else saved between our read and our write: the archive
    is done on the fresh row (no lost edit, no error)."""
    client_id = add_client(app, "Acme")
    with app.app_context():
        client = db.session.get(Client, client_id)
        db.session.expunge(client)  # read earlier: the version it knows is 1
        db.session.rollback()
        with db.engine.begin() as other:  # another worker renames it and bumps the version
            other.execute(Client.__table__.update().where(Client.__table__.c.id == client_id)
                          .values(name="Acme Renamed", version=Client.__table__.c.version + 1))
        client = db.session.merge(client, load=False)
        assert services.archive_clients([client], "Done") == [client]
        db.session.commit()
    client = load(app, client_id)
    assert client.archived_at is not None and client.archive_reason == "Done"
    assert client.name == "Acme Renamed" and client.version == 3


def test_bulk_ignores_ids_that_are_not_numbers(app, admin_client):
    client_id = add_client(app, "Acme")
    response = admin_client.get(
        f"/clients/bulk-archive?action=archive&ids=²&ids=1e3&ids=99999999999&ids={client_id}")
    assert "Archive 1 client?" in text_of(response)


def test_clients_without_a_code_sort_last_both_ways(app, admin_client):
    ids = add_clients(app, ["No code", "Bravo", "Alpha"])
    with app.app_context():
        for client_id, code in zip(ids, [None, "B-2", "A-1"]):
            db.session.get(Client, client_id).code = code
        db.session.commit()
    assert row_names(admin_client.get("/clients?sort=code")) == ["Alpha", "Bravo", "No code"]
    assert row_names(admin_client.get("/clients?sort=-code")) == ["Bravo", "Alpha", "No code"]


def test_type_column_and_filter(app, admin_client):
    add_client(app, "Acme")
    add_client(app, "Jeanne Martin", type="individual")
    page = admin_client.get("/clients")
    assert texts(page, "#client-rows td.type-col") == ["Company", "Individual"]
    people = admin_client.get("/clients?type=individual", htmx=True)
    assert row_names(people) == ["Jeanne Martin"]
    assert people.headers["HX-Push-Url"] == "/clients?type=individual"
    assert attr(people, "#client-type-filter option[selected]", "value") == "individual"
    # The other filters and the search keep it.
    assert attr(people, "a[aria-current=page]", "href") == "/clients?type=individual"
    assert row_names(admin_client.get("/clients?type=company&q=acme")) == ["Acme"]
    empty = admin_client.get("/clients?q=zzz&type=individual")
    assert "No client matches “zzz”." in text_of(empty)


def test_the_address_shows_whole_on_one_line(app, admin_client):
    add_client(app, "Acme", address="12 rue des Lilas\n75011 Paris\nFrance")
    cell = one(admin_client.get("/clients"), "#client-rows td.address-col .one-line")
    assert words(cell) == "12 rue des Lilas 75011 Paris France"
    assert cell.attributes["title"] == "12 rue des Lilas 75011 Paris France"


def test_an_empty_type_says_so_and_offers_every_type(app, admin_client):
    add_client(app, "Acme")
    page = admin_client.get("/clients?type=individual")
    assert "No client of this type." in text_of(page)
    assert attr(page, ".empty a", "href") == "/clients"
