"""Accounts people run themselves: change one's password from My account; an administrator
makes a reset link and the user sets a new password through it; in French; on a phone."""
import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD, make_user
from .conftest import sign_in_through_the_form
from .test_foundation_journey import assert_no_sideways_scroll, open_main_menu

pytestmark = pytest.mark.browser

NEW = "a brand new password"


def test_change_ones_password(live_server, signed_in, browser, axe):
    page = signed_in("manager")
    # The same user on another computer, signed in before the change.
    laptop = browser.new_context(locale="en-GB")
    other = laptop.new_page()
    sign_in_through_the_form(other, live_server.url, "manager@example.com")
    expect(other.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_role("link", name="Manager").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_role("cell", name="This session")).to_be_visible()
    axe(page, "my account")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("This is not your current password.")).to_be_visible()
    axe(page, "my account with a wrong current password")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed. Your other sessions are signed out.")) \
        .to_be_visible()
    expect(page.get_by_label("Current password")).to_have_value("")
    axe(page, "my account after the change")

    # The other computer is signed out; this one is not.
    other.reload()
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    laptop.close()
    page.reload()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in_through_the_form(page, live_server.url, "manager@example.com", PASSWORD)
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_admin_resets_a_password_and_the_user_sets_a_new_one(live_server, signed_in, browser,
                                                             axe):
    make_user(live_server.app, "manager", name="Max Manager")
    page = signed_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Reset password Max Manager").click()
    expect(page.get_by_role("heading", name="Reset link for Max Manager")).to_be_visible()
    link = page.get_by_role("textbox", name="Link").input_value()
    assert link.startswith(live_server.url + "/reset/")
    axe(page, "users page with a reset link")

    user_context = browser.new_context(locale="en-GB", bypass_csp=True)  # to inject axe
    user_page = user_context.new_page()
    try:
        user_page.goto(link)
        expect(user_page.get_by_role("heading", name="Set a new password")).to_be_visible()
        axe(user_page, "reset page")
        user_page.get_by_label("New password").fill("short")
        user_page.get_by_role("button", name="Set password").click()
        expect(user_page.get_by_text("Use at least 10 characters.")).to_be_visible()
        axe(user_page, "reset page with an error")
        user_page.get_by_label("New password").fill(NEW)
        user_page.get_by_role("button", name="Set password").click()
        expect(user_page.get_by_text("Your new password is set.")).to_be_visible()
        axe(user_page, "reset page, done")

        user_page.get_by_role("link", name="Sign in").click()
        user_page.get_by_label("Email").fill("manager@example.com")
        user_page.get_by_label("Password").fill(NEW)
        user_page.get_by_role("button", name="Sign in").click()
        expect(user_page.get_by_role("heading", name="Dashboard")).to_be_visible()

        # The link worked once.
        user_page.goto(link)
        expect(user_page.get_by_role("heading", name="This password link cannot be used")) \
            .to_be_visible()
        expect(user_page.get_by_text("This link has already been used.")).to_be_visible()
        axe(user_page, "used link")
    finally:
        user_context.close()


def test_my_account_in_french(live_server, signed_in, axe):
    page = signed_in("viewer")
    page.get_by_role("button", name="Français").click()
    page.get_by_role("link", name="Viewer").click()
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    for label in ("Mot de passe actuel", "Nouveau mot de passe", "Fuseau horaire"):
        expect(page.get_by_label(label)).to_be_visible()
    expect(page.get_by_role("button", name="Changer le mot de passe")).to_be_visible()
    expect(page.get_by_role("button", name="Déconnecter les autres sessions")).to_be_visible()
    axe(page, "my account in French")

    # A viewer changes their own profile; the page comes back in the language chosen.
    page.get_by_role("combobox", name="Langue").select_option("en")
    page.get_by_label("Fuseau horaire").select_option("Europe/Paris")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")


def test_account_pages_on_a_phone(live_server, signed_in, axe):
    make_user(live_server.app, "manager", name="Maximilian Manager-Longname",
              email="maximilian.manager-longname@agency.local")
    page = signed_in("admin")
    page.set_viewport_size({"width": 390, "height": 844})
    open_main_menu(page)
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    assert_no_sideways_scroll(page, "my account")
    axe(page, "my account on a phone")
    page.goto(live_server.url + "/users")
    page.get_by_role("button", name="Reset password Maximilian Manager-Longname").click()
    expect(page.get_by_role("heading", name="Reset link for Maximilian Manager-Longname")) \
        .to_be_visible()
    assert_no_sideways_scroll(page, "users page with a reset link")
    link = page.get_by_role("textbox", name="Link").input_value()
    page.get_by_role("link", name="Edit Maximilian Manager-Longname").click()
    expect(page.get_by_role("heading", name="Edit Maximilian Manager-Longname")).to_be_visible()
    assert_no_sideways_scroll(page, "edit user")
    open_main_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    assert_no_sideways_scroll(page, "reset page")
    axe(page, "reset page on a phone")
