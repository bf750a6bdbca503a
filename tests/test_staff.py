"""The staff directory: the list (search, tabs, pages), Add staff member, a staff member's
page with its details edited in place and their projects, Deactivate and Reactivate; every
route as a page and as an htmx fragment, for each role."""
from datetime import date, datetime, timezone

import pytest

from clientapp.extensions import db
from clientapp.projects.models import Assignment, Project
from clientapp.staff.models import StaffMember

from .conftest import assert_fragment, assert_page
from .factories import add_client, add_staff, count
from .html import attr, find, one, text_of, texts, words


def stored(app, staff_id) -> StaffMember:
    with app.app_context():
        member = db.session.get(StaffMember, staff_id)
        db.session.expunge(member)
        return member


def assign(app, staff_id, name, client_id=None, start=None, end=None, archived=False) -> int:
    with app.app_context():
        project = Project(name=name, client_id=client_id, start_date=start, end_date=end,
                          archived_at=datetime(2020, 1, 1, tzinfo=timezone.utc) if archived
                          else None)
        db.session.add(project)
        db.session.flush()
        db.session.add(Assignment(project_id=project.id, staff_id=staff_id))
        db.session.commit()
        return project.id


ROLES = ("admin_client", "manager_client", "viewer_client")


# --- the list ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES)
def test_list_page_and_fragment_for_each_role(app, who, request):
    browser = request.getfixturevalue(who)
    add_staff(app, "Zoé Zed", role="Rigger")
    add_staff(app, "Adam Ant", email="adam@crew.local")
    add_staff(app, "Olga Old", active=False)
    page = browser.get("/staff")
    assert_page(page)
    assert texts(page, "h1") == ["Staff"]
    assert texts(page, "#staff-list tbody th a") == ["Adam Ant", "Zoé Zed"]
    assert one(page, "nav.sidebar a[aria-current=page]").text() == "Staff"
    add = find(page, "button.button-primary")
    assert [b.text() for b in add] == ([] if who == "viewer_client" else ["Add staff member"])

    fragment = browser.get("/staff?view=inactive", htmx=True)
    assert_fragment(fragment, "staff-list")
    assert texts(fragment, "#staff-list tbody th a") == ["Olga Old"]
    assert fragment.headers["HX-Push-Url"] == "/staff?view=inactive"


def test_list_search_sort_and_pages(app, admin_client):
    for n in range(30):
        add_staff(app, f"Member {n:02d}", role="Sound" if n % 2 else "Light")
    add_staff(app, "Élodie Crème", phone="06 12")
    found = admin_client.get("/staff?q=elodie creme")
    assert texts(found, "#staff-list tbody th a") == ["Élodie Crème"]
    assert texts(admin_client.get("/staff?q=sound&size=25"), "#staff-list tbody th a")[:2] \
        == ["Member 01", "Member 03"]
    backwards = admin_client.get("/staff?sort=-name&size=25&page=2", htmx=True)
    assert texts(backwards, "#staff-list tbody th a") == [
        "Member 04", "Member 03", "Member 02", "Member 01", "Member 00", "Élodie Crème"]
    assert "26–31 of 31 staff members" in text_of(backwards)
    # Anything unknown in the URL falls back to the defaults.
    assert admin_client.get("/staff?page=x&size=7&sort=nope&view=zz").status_code == 200


def test_markup_in_names_shows_as_text(app, admin_client):
    staff_id = add_staff(app, "<b>Bold</b>", notes="<script>alert(1)</script>")
    body = admin_client.get("/staff").get_data(as_text=True)
    assert "<b>Bold</b>" not in body and "&lt;b&gt;Bold&lt;/b&gt;" in body
    page = admin_client.get(f"/staff/{staff_id}")
    assert "<script>alert(1)" not in page.get_data(as_text=True)
    assert one(page, "h1").text() == "<b>Bold</b>"


# --- Add staff member -------------------------------------------------------------------

def test_add_form_page_and_fragment(admin_client):
    fragment = admin_client.get("/staff/new", htmx=True)
    assert_fragment(fragment, "staff-add")
    labels = texts(fragment, "#staff-add .field-label label, #staff-add .field-label")
    for label in ("Name", "Email", "Phone", "Role or skill", "Notes"):
        assert any(text.startswith(label) for text in labels), label
    page = admin_client.get("/staff/new")
    assert_page(page)
    assert find(page, "#staff-add form") and find(page, "#staff-list")
    closed = admin_client.get("/staff/new?close=1", htmx=True)
    assert_fragment(closed, "staff-add")
    assert not find(closed, "form")


def test_add_creates_and_opens_the_page(app, manager_client):
    response = manager_client.post("/staff/new", htmx=True, data={
        "name": "  Nina Nox ", "email": "Nina@Crew.LOCAL", "phone": "06 00", "role": "Rigger",
        "notes": "Nights only"})
    assert response.status_code == 200
    with app.app_context():
        member = db.session.scalars(db.select(StaffMember)).one()
        assert (member.name, member.email, member.phone, member.role, member.notes,
                member.active) == ("Nina Nox", "Nina@crew.local", "06 00", "Rigger",
                                   "Nights only", True)
    assert response.headers["HX-Redirect"] == f"/staff/{member.id}"
    page = manager_client.get(f"/staff/{member.id}")
    assert "Staff member “Nina Nox” added." in text_of(page)
    # Without JavaScript: a redirect.
    plain = manager_client.post("/staff/new", data={"name": "Other"})
    assert plain.status_code == 303 and plain.headers["Location"].startswith("/staff/")


@pytest.mark.parametrize("data, field", [
    ({"name": "  "}, "name"),
    ({"name": "Ann", "email": "not an email"}, "email"),
    ({"name": "Ann", "email": "ann@"}, "email"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Ann", "phone": "1" * 51}, "phone"),
    ({"name": "Ann\x00"}, "name"),
])
def test_add_refuses_bad_input_with_422(app, admin_client, data, field):
    response = admin_client.post("/staff/new", htmx=True, data=data)
    assert_fragment(response, "staff-add", 422)
    assert one(response, f"#{field}").attributes.get("aria-invalid") == "true"
    assert find(response, f"#{field}-error")
    plain = admin_client.post("/staff/new", data=data)
    assert_page(plain, 422)
    assert count(app, StaffMember) == 0


def test_viewer_may_not_add(app, viewer_client):
    assert viewer_client.get("/staff/new").status_code == 403
    assert viewer_client.post("/staff/new", data={"name": "X"}).status_code == 403
    assert count(app, StaffMember) == 0


def test_add_needs_csrf(app, admin_client):
    assert admin_client.post("/staff/new", data={"name": "X"}, csrf=False).status_code == 400
    assert count(app, StaffMember) == 0


# --- the staff member's page ------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES)
def test_page_and_fragment_for_each_role(app, who, request):
    browser = request.getfixturevalue(who)
    staff_id = add_staff(app, "Sam Staff", email="sam@crew.local", role="Sound",
                         notes="Line 1\nLine 2")
    page = browser.get(f"/staff/{staff_id}")
    assert_page(page)
    assert one(page, "h1").text() == "Sam Staff"
    assert "Sound" in text_of(page) and "sam@crew.local" in text_of(page)
    assert find(page, "#staff-info") and find(page, "#staff-projects")
    assert attr(page, ".profile-head a.button", "href") == f"/calendar?staff={staff_id}"
    writes = bool(find(page, "#staff-menu"))
    assert writes == (who != "viewer_client")
    assert bool(find(page, "#staff-info-edit")) == writes
    fragment = browser.get(f"/staff/{staff_id}", htmx=True)
    assert_fragment(fragment, "profile")
    view = browser.get(f"/staff/{staff_id}/info", htmx=True)
    assert_fragment(view, "staff-info")
    assert not find(view, "form")
    edit = browser.get(f"/staff/{staff_id}/info/edit", htmx=True)
    if who == "viewer_client":
        assert edit.status_code == 403
    else:
        assert_fragment(edit, "staff-info")
        assert attr(edit, "input[name=version]", "value") == "1"
        assert_page(browser.get(f"/staff/{staff_id}/info/edit"))


def test_projects_newest_first_with_status_and_links(app, viewer_client):
    staff_id = add_staff(app)
    other_id = add_staff(app, "Other")
    client_id = add_client(app, name="Acme")
    old = assign(app, staff_id, "Old show", client_id, date(2001, 5, 1), date(2001, 5, 2))
    assign(app, staff_id, "Far future", None, date(2190, 1, 1))
    assign(app, staff_id, "Undated")
    assign(app, staff_id, "Shelved", None, date(2100, 1, 1), archived=True)
    assign(app, other_id, "Someone else's", None, date(2100, 1, 1))
    page = viewer_client.get(f"/staff/{staff_id}")
    rows = find(page, "#staff-projects tbody tr")
    assert [r.css_first("th").text() for r in rows] == \
        ["Far future", "Shelved", "Old show", "Undated"]
    assert [r.css_first(".badge").text() for r in rows] == \
        ["Upcoming", "Archived", "Past", "Upcoming"]
    old_row = rows[2]
    assert old_row.css_first("th a").attributes["href"] == f"/projects/{old}"
    assert old_row.css("td a")[0].attributes["href"] == f"/clients/{client_id}"
    assert "No client" in rows[0].text()


def test_projects_paginate_past_20(app, admin_client):
    staff_id = add_staff(app)
    for n in range(23):
        assign(app, staff_id, f"P{n:02d}", None, date(2030, 1, 1 + n))
    page = admin_client.get(f"/staff/{staff_id}")
    assert len(find(page, "#staff-projects tbody tr")) == 20
    assert_page(admin_client.get(f"/staff/{staff_id}/projects?page=2"))
    second = admin_client.get(f"/staff/{staff_id}/projects?page=2", htmx=True)
    assert_fragment(second, "staff-projects")
    assert texts(second, "#staff-projects tbody th") == ["P02", "P01", "P00"]


def test_projects_reload_on_their_page_when_the_member_is_saved(app, manager_client):
    """The table's caption names the member: a rename (staffUpdated) reloads the section,
    on the page the reader was on."""
    staff_id = add_staff(app, name="Sam")
    for n in range(23):
        assign(app, staff_id, f"P{n:02d}", None, date(2030, 1, 1 + n))
    second = manager_client.get(f"/staff/{staff_id}/projects?page=2", htmx=True)
    section = one(second, "#staff-projects")
    assert section.attributes["hx-trigger"] == "staffUpdated from:body"
    saved = manager_client.post(f"/staff/{staff_id}/info", htmx=True,
                                data=_details(app, staff_id, name="Samira"))
    assert "staffUpdated" in saved.headers["HX-Trigger"]
    reloaded = manager_client.get(section.attributes["hx-get"], htmx=True)
    assert words(one(reloaded, "#staff-projects caption")) == "Projects of Samira, newest first"
    assert texts(reloaded, "#staff-projects tbody th") == ["P02", "P01", "P00"]


def test_unknown_or_out_of_range_ids_are_404(admin_client):
    for url in ("/staff/999", "/staff/999/info", "/staff/999/info/edit", "/staff/0",
                "/staff/2147483648", "/staff/99999999999999999999", "/staff/-1",
                "/staff/1/nope"):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.get(url, htmx=True).status_code == 404, url
    for url in ("/staff/999/info", "/staff/999/deactivate", "/staff/2147483648/deactivate",
                "/staff/999/reactivate"):
        assert admin_client.post(url, data={"name": "X", "version": "1"}).status_code == 404


# --- details, in place --------------------------------------------------------------------

def _details(app, staff_id, **changes) -> dict:
    member = stored(app, staff_id)
    data = {"name": member.name, "email": member.email or "", "phone": member.phone or "",
            "role": member.role or "", "notes": member.notes or "",
            "version": str(member.version)}
    data.update(changes)
    return data


def test_save_in_place(app, manager_client):
    staff_id = add_staff(app)
    response = manager_client.post(f"/staff/{staff_id}/info", htmx=True, data=_details(
        app, staff_id, name="Sam Sound", role="Sound <engineer>", email="SAM@crew.local"))
    assert_fragment(response, "staff-info")
    assert not find(response, "form")
    assert "Sound <engineer>" in text_of(response)
    assert "staffUpdated" in response.headers["HX-Trigger"]
    member = stored(app, staff_id)
    assert (member.name, member.role, member.email, member.version) == \
        ("Sam Sound", "Sound <engineer>", "SAM@crew.local", 2)
    plain = manager_client.post(f"/staff/{staff_id}/info", data=_details(app, staff_id,
                                                                          phone="01"))
    assert plain.status_code == 303 and plain.headers["Location"] == f"/staff/{staff_id}"


@pytest.mark.parametrize("changes, field", [({"name": ""}, "name"),
                                             ({"email": "nope@nope"}, "email")])
def test_save_refuses_bad_input(app, admin_client, changes, field):
    staff_id = add_staff(app, email="sam@crew.local")
    response = admin_client.post(f"/staff/{staff_id}/info", htmx=True,
                                 data=_details(app, staff_id, **changes))
    assert_fragment(response, "staff-info", 422)
    assert find(response, f"#{field}-error")
    member = stored(app, staff_id)
    assert (member.name, member.email, member.version) == ("Sam Staff", "sam@crew.local", 1)


def test_stale_version_is_409_with_the_current_values(app, admin_client):
    staff_id = add_staff(app)
    first = _details(app, staff_id, name="First")
    second = _details(app, staff_id, name="Second")
    assert admin_client.post(f"/staff/{staff_id}/info", htmx=True, data=first).status_code == 200
    response = admin_client.post(f"/staff/{staff_id}/info", htmx=True, data=second)
    assert_fragment(response, "staff-info", 409)
    assert "Changed by someone else." in text_of(response)
    assert "First" in one(response, ".banner-conflict").text()
    # The user's input stays in the form until they load the current values.
    assert attr(response, "input[name=name]", "value") == "Second"
    assert attr(response, ".banner-conflict a", "hx-get") == f"/staff/{staff_id}/info/edit"
    assert stored(app, staff_id).name == "First"
    assert_page(admin_client.post(f"/staff/{staff_id}/info", data=second), 409)


def test_viewer_may_not_save(app, viewer_client):
    staff_id = add_staff(app)
    response = viewer_client.post(f"/staff/{staff_id}/info",
                                  data=_details(app, staff_id, name="Nope"))
    assert response.status_code == 403
    assert stored(app, staff_id).name == "Sam Staff"


# --- deactivate, reactivate ---------------------------------------------------------------

def test_deactivate_and_reactivate(app, manager_client):
    staff_id = add_staff(app)
    response = manager_client.post(f"/staff/{staff_id}/deactivate", htmx=True)
    assert response.status_code == 200
    assert "“Sam Staff” deactivated." in text_of(response)
    assert "staffChanged" in response.headers["HX-Trigger"]
    assert attr(response, ".notice form", "action") == f"/staff/{staff_id}/reactivate"
    assert stored(app, staff_id).active is False
    page = manager_client.get(f"/staff/{staff_id}")
    assert "Inactive" in one(page, ".profile-meta").text()
    assert "Reactivate" in one(page, "#staff-menu").text()
    assert texts(manager_client.get("/staff"), "#staff-list tbody th a") == []
    # Twice is harmless.
    assert manager_client.post(f"/staff/{staff_id}/deactivate", htmx=True).status_code == 200

    plain = manager_client.post(f"/staff/{staff_id}/reactivate",
                                data={"next": f"/staff/{staff_id}"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/staff/{staff_id}"
    assert stored(app, staff_id).active is True
    # An offsite next is not followed.
    offsite = manager_client.post(f"/staff/{staff_id}/deactivate",
                                  data={"next": "//evil.example/"})
    assert offsite.headers["Location"] == f"/staff/{staff_id}"


def test_viewer_may_not_deactivate(app, viewer_client):
    staff_id = add_staff(app)
    assert viewer_client.post(f"/staff/{staff_id}/deactivate").status_code == 403
    assert stored(app, staff_id).active is True


def test_the_activity_page_names_staff_changes(app, manager_client, admin_client):
    manager_client.post("/staff/new", data={"name": "Sam <b>Sound</b>"})
    with app.app_context():
        staff_id = db.session.scalar(db.select(StaffMember.id))
    manager_client.post(f"/staff/{staff_id}/info", htmx=True,
                        data=_details(app, staff_id, role="Sound engineer"))
    page = admin_client.get("/activity")
    entries = [words(node) for node in find(page, "#event-list tbody tr")]
    assert any("Staff member Sam <b>Sound</b> added." in row for row in entries), entries
    assert any("Staff member Sam <b>Sound</b> edited." in row and
               "Role or skill: " in row and "→ Sound engineer" in row for row in entries), entries
    assert not any("Event: staff" in row for row in entries)
    links = {a.attributes["href"] for a in find(page, "#event-list a")}
    assert f"/staff/{staff_id}" in links
