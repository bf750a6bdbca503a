"""Importing staff in a real browser: from the Staff page's Import staff to a checked file
with an error, the error fixed in place and a row skipped, the import watched to 100 %, the
new staff in the list, then undone; axe on every state."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from clientapp.extensions import db
from clientapp.staff.models import StaffMember

from .conftest import check_csv


def staff_names(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(StaffMember.name)))


def test_import_staff_from_the_staff_page(live_server, signed_in, axe):
    page = signed_in("manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Import staff").click()
    expect(page.get_by_role("heading", level=1, name="Import staff")).to_be_visible()
    expect(page.get_by_role("link", name="Download template")).to_be_visible()
    axe(page, "staff import page")

    errors, start = check_csv(page, "crew.csv", "Name,Email,Phone\r\n"
                              "Nina <Nox>,nina@crew.local,06 12 34 56 78\r\n"
                              "Omar Haddad,not-an-email,\r\n"
                              "Pia Sand,NINA@crew.local,\r\n")
    expect(errors.get_by_role("cell", name="not-an-email", exact=True)).to_be_visible()
    expect(errors.get_by_text("This email is also on line 2.")).to_be_visible()
    axe(page, "staff check with errors")

    page.get_by_label("New value for Email on line 3").fill("omar@crew.local")
    page.get_by_role("button", name="Fix Email on line 3").click()
    expect(errors.get_by_role("cell", name="not-an-email", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Skip row 4").click()
    expect(page.get_by_text("No errors: every row can be imported.")).to_be_visible()
    expect(start).to_be_enabled()
    axe(page, "staff check fixed")
    assert staff_names(live_server.app) == []  # nothing written before the start

    start.click()
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=15_000)
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_role("link", name="Nina <Nox>")).to_be_visible()
    assert staff_names(live_server.app) == ["Nina <Nox>", "Omar Haddad"]
    axe(page, "staff import finished")

    page.get_by_role("link", name="Go to the staff").click()
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()
    expect(page.get_by_role("link", name="Omar Haddad")).to_be_visible()
    page.go_back()

    page.get_by_role("link", name="Undo import").click()
    dialog = page.get_by_role("dialog", name="Undo this import?")
    expect(dialog).to_contain_text("This removes the 2 staff members that the import of crew.csv added.")
    axe(page, "staff undo dialog")
    dialog.get_by_role("button", name="Undo import").click()
    expect(page.get_by_role("heading", name="Import undone")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 staff members removed"))).to_be_visible()
    assert staff_names(live_server.app) == []
    axe(page, "staff import undone")

    page.get_by_role("link", name="Imports", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="crew.csv"))
    expect(row.get_by_role("cell", name="Staff", exact=True)).to_be_visible()
    axe(page, "imports history with a staff import")
