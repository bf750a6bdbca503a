"""A profile's header refreshes itself by selecting its own part of the page (hx-select);
the requests of its menu and banner must not inherit that: the client's Archive opens its
dialog, Unarchive shows its notice."""
from playwright.sync_api import expect

from ..factories import add_client


def test_client_profile_menu_archives_and_unarchives(live_server, signed_in, axe):
    client_id = add_client(live_server.app, name="Acme")
    page = signed_in("manager")
    page.goto(f"{live_server.url}/clients/{client_id}")
    page.get_by_role("button", name="Actions for Acme").click()
    page.get_by_role("menuitem", name="Archive").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    axe(page, "archive dialog from the profile")
    dialog.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("status")).to_contain_text("“Acme” archived.")
    expect(page.locator(".profile-meta")).to_contain_text("Archived")
    page.locator(".archived-banner").get_by_role("button", name="Unarchive").click()
    expect(page.get_by_role("status")).to_contain_text("“Acme” is active again.")
    expect(page.locator(".profile-meta")).to_contain_text("Active")
