"""The staff directory in the browser: add a staff member, edit their details in place,
deactivate them from the three-dots menu (and Undo); axe on each step."""
from playwright.sync_api import expect

from .test_foundation_journey import assert_no_sideways_scroll

from clientapp.extensions import db
from clientapp.staff.models import StaffMember


def stored(app, name):
    with app.app_context():
        return db.session.scalars(db.select(StaffMember).where(StaffMember.name == name)).first()


def test_add_edit_in_place_and_deactivate(live_server, signed_in, axe):
    page = signed_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()
    expect(page.get_by_text("No staff members yet.")).to_be_visible()
    axe(page, "empty staff list")

    page.get_by_role("button", name="Add staff member").click()
    form = page.locator("#staff-add")
    expect(form.get_by_label("Name")).to_be_focused()
    form.get_by_label("Email").fill("not an email")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_text("Enter the staff member's name.")).to_be_visible()
    expect(form.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(form.get_by_label("Name")).to_be_focused()
    axe(page, "add form with errors")
    form.get_by_label("Name").fill("Nina <Nox>")
    form.get_by_label("Email").fill("nina@crew.local")
    form.get_by_label("Phone").fill("06 12 34 56 78")
    form.get_by_label("Role or skill").fill("Rigger")
    form.get_by_label("Notes").fill("Nights only")
    form.get_by_role("button", name="Add").click()

    expect(page.get_by_role("heading", level=1, name="Nina <Nox>")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Staff member “Nina <Nox>” added.")
    info = page.get_by_role("region", name="Details")
    expect(info.get_by_text("Rigger")).to_be_visible()
    expect(page.get_by_role("region", name="Projects")).to_contain_text("No projects yet.")
    axe(page, "staff member page")
    member = stored(live_server.app, "Nina <Nox>")
    staff_url = f"{live_server.url}/staff/{member.id}"

    # Details, edited in place.
    info.get_by_role("link", name="Edit details").click()
    expect(info.get_by_label("Name")).to_be_focused()
    axe(page, "details as a form")
    info.get_by_label("Role or skill").fill("Sound engineer")
    info.get_by_role("button", name="Save").click()
    expect(info.get_by_role("button", name="Save")).to_have_count(0)
    expect(info.get_by_text("Sound engineer")).to_be_visible()
    expect(info.get_by_role("link", name="Edit details")).to_be_focused()
    expect(page).to_have_url(staff_url)
    assert stored(live_server.app, "Nina <Nox>").role == "Sound engineer"

    # Deactivate from the three-dots menu: the header says so at once; Undo brings back.
    page.get_by_role("button", name="Actions for Nina <Nox>").click()
    page.get_by_role("menuitem", name="Deactivate").click()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("“Nina <Nox>” deactivated.")
    expect(page.locator(".profile-meta")).to_have_text("Inactive")
    axe(page, "inactive staff member")
    assert stored(live_server.app, "Nina <Nox>").active is False
    notice.get_by_role("button", name="Undo").click()
    expect(page.locator(".profile-meta")).to_have_text("Active")
    assert stored(live_server.app, "Nina <Nox>").active is True

    page.get_by_role("button", name="Actions for Nina <Nox>").click()
    page.get_by_role("menuitem", name="Deactivate").click()
    expect(page.locator(".profile-meta")).to_have_text("Inactive")
    page.get_by_role("link", name="Staff", exact=True).first.click()
    expect(page.get_by_role("link", name="Nina <Nox>")).to_have_count(0)
    page.get_by_role("link", name="Inactive").click()
    expect(page.get_by_role("link", name="Nina <Nox>")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/staff?view=inactive")
    axe(page, "inactive tab")

    # On a phone: nothing widens the page.
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_sideways_scroll(page, "staff list at 390 px")
    page.goto(staff_url)
    expect(page.get_by_role("heading", level=1, name="Nina <Nox>")).to_be_visible()
    assert_no_sideways_scroll(page, "staff member at 390 px")
    axe(page, "staff member on a phone")
