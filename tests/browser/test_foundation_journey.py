"""The first visit: create the administrator, sign out and in, read the app in French."""

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


def test_refused_htmx_action_shows_its_message(live_server, signed_in, axe):
    page = signed_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    axe(page, "users page")
    page.get_by_label("Role of Admin").select_option("viewer")
    page.get_by_role("button", name="Change role").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The last active administrator cannot lose that role.")
    axe(page, "users page with an alert")


def test_expired_form_says_so_and_writes_nothing(live_server, signed_in):
    page = signed_in("admin")
    page.goto(live_server.url + "/users")
    page.get_by_label("Name", exact=True).fill("Nina")
    page.get_by_label("Email", exact=True).fill("nina@example.com")
    page.get_by_label("Initial password").fill(PASSWORD)
    # The session (and its CSRF secret) is gone, as after a server restart with a new key.
    page.evaluate("document.body.setAttribute('hx-headers', '{\"X-CSRFToken\": \"stale\"}')")
    page.locator("#user-form input[name=csrf_token]").evaluate("e => e.value = 'stale'")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_contain_text("This page has expired")
    expect(page.get_by_role("link", name="Reload the page")).to_be_visible()
    assert "nina@example.com" not in page.content()
    page.reload()
    expect(page.get_by_role("cell", name="nina@example.com")).to_have_count(0)


def test_users_admin_creates_a_user(live_server, signed_in, axe):
    page = signed_in("admin")
    page.goto(live_server.url + "/users")
    page.get_by_label("Name", exact=True).fill("Nina Manager")
    page.get_by_label("Email", exact=True).fill("nina@example.com")
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()
    axe(page, "create user with an error")
    page.get_by_label("Initial password").fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("cell", name="nina@example.com")).to_be_visible()
    page.get_by_role("button", name="Deactivate Nina Manager").click()
    expect(page.get_by_role("button", name="Reactivate Nina Manager")).to_be_visible()
