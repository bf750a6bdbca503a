"""The first visit: create the administrator, sign out and in, read the app in French."""
import re

from playwright.sync_api import expect

from ..conftest import PASSWORD


def test_first_admin_sign_out_in_and_french(live_server, page, axe):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
    axe(page, "setup page")

    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()
    axe(page, "setup page with errors")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients")).to_be_visible()
    expect(nav.get_by_role("link", name="Users")).to_be_visible()
    axe(page, "dashboard")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    axe(page, "sign-in page")

    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    axe(page, "dashboard in French")

    # The choice is remembered for the user: a new session in another browser context
    # (as if on another computer) signs in and reads French straight away.
    page.context.clear_cookies()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


def test_phone_width_layout(live_server, signed_in, axe):
    page = signed_in("admin")
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients")).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    axe(page, "dashboard on a phone")
