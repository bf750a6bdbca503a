"""The first visit: create the administrator, sign out and in, read the app in French; the
layout on a phone; a page that obeys its own Content Security Policy."""

from playwright.sync_api import expect

from ..conftest import PASSWORD, make_user, setup_code
from ..factories import add_client

# A file with two errors on lines 3 and 4 (and one good row), for the import check page.
CSV_WITH_ERRORS = (
    "Name,Code,Address,Email,Phone,Type\r\n"
    "Company number 1,C001,1 rue de la République 69002 Lyon,contact1@company1.example,"
    "+33 4 72 00 00 01,Company\r\n"
    "Bad Company 2,C002,2 High Street,not-an-email-2,+44 20 7946 0002,Individual\r\n"
    "Bad Company 3,C003,3 High Street,not-an-email-3,+44 20 7946 0003,Individual\r\n"
).encode("utf-8")


def open_main_menu(page):
    """On a phone the main links fold behind the top bar's Menu button: open it (on a wide
    screen there is no such button and the links show)."""
    button = page.get_by_role("button", name="Menu")
    if button.is_visible() and button.get_attribute("aria-expanded") == "false":
        button.click()
    return page.get_by_role("navigation", name="Main")


def upload_for_check(page):
    """Clients > More actions > Import, then check CSV_WITH_ERRORS: the check page."""
    open_main_menu(page).get_by_role("link", name="Clients").click()
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Import").click()
    expect(page.get_by_role("heading", name="Import clients")).to_be_visible()
    page.get_by_label("File").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV_WITH_ERRORS})
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Check before import")).to_be_visible()
    expect(page.locator("#import-errors").get_by_role("cell", name="not-an-email-3", exact=True)).to_be_attached()


def assert_no_sideways_scroll(page, context):
    """The document is exactly as wide as the viewport; names what sticks out if not."""
    found = page.evaluate("""() => {
        const de = document.documentElement, vw = de.clientWidth;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > vw + 1 && out.length < 5)
                out.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.right));
        }
        return {scroll: de.scrollWidth, client: vw, out};
    }""")
    assert found["scroll"] == found["client"], (
        f"{context}: the page scrolls sideways ({found['scroll']}px in a {found['client']}px "
        f"viewport); past the edge (some inside a table's own scroller): {found['out']}")


def test_first_admin_sign_out_in_and_french(live_server, page, axe):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
    axe(page, "setup page")
    # The link the server logged fills the setup code in.
    code = setup_code(live_server.app)
    page.goto(f"{live_server.url}/setup?code={code}")
    expect(page.get_by_label("Setup code")).to_have_value(code)

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
    """On a phone the links and the account's controls fold behind a Menu button (a
    disclosure: Escape closes it, back on the button); a wide screen keeps its sidebar."""
    page = signed_in("admin")
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("banner").get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    for part in menu.get_attribute("aria-controls").split():
        expect(page.locator(f"#{part}")).to_be_hidden()
    expect(nav.get_by_role("link", name="Clients")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    axe(page, "dashboard on a phone")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Activity")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    axe(page, "the menu open on a phone")
    # The keyboard: Tab goes on into what the button opened; Escape closes it, back on it.
    nav.get_by_role("link", name="Clients").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav.get_by_role("link", name="Clients")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="English")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_focused()
    # A link of the open menu leads on; the next page starts with the menu closed.
    menu.click()
    nav.get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", level=1, name="Clients")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Clients")).to_be_hidden()

    # A wide screen: no Menu button, the sidebar and the account's controls as ever.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Clients")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe(page, "client list on a wide screen")

    # In French the button says so.
    page.get_by_role("button", name="Français").click()
    page.set_viewport_size({"width": 375, "height": 740})
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_no_page_scrolls_sideways_on_a_phone(live_server, signed_in):
    """Tables scroll inside their own box; nothing in them (the visually hidden labels of
    the row buttons above all) may widen the page."""
    for name in ("Alpha Consulting Group International", "Beta", "Delta & Sons Limited"):
        client_id = add_client(live_server.app, name, code=name[:3].upper(),
                               email=f"{name[:4].lower()}@example.com", address="1 High Street")
    page = signed_in("admin")
    page.set_viewport_size({"width": 390, "height": 844})

    open_main_menu(page).get_by_role("link", name="Clients").click()
    expect(page.get_by_role("link", name="Beta")).to_be_visible()
    assert_no_sideways_scroll(page, "client list")
    page.goto(f"{live_server.url}/clients/{client_id}")
    assert_no_sideways_scroll(page, "client profile")

    upload_for_check(page)
    assert_no_sideways_scroll(page, "import check with errors")
    page.goto(live_server.url + "/clients/import")
    assert_no_sideways_scroll(page, "import page")
    page.goto(live_server.url + "/clients/imports")
    expect(page.get_by_role("link", name="clients.csv")).to_be_visible()
    assert_no_sideways_scroll(page, "imports history")
    page.goto(live_server.url + "/users")
    assert_no_sideways_scroll(page, "users page")


def test_pages_keep_to_their_content_security_policy(live_server, browser):
    """No CSP refusal in the console and no missing file (the favicon) on the client list
    and the import check page, before and after an htmx update. The shared context bypasses
    the CSP (to inject axe), so this test has its own. A password manager (or any script)
    writing element.style leaves style attributes htmx used to copy while settling, each
    copy refused by the CSP: the test does the same to the fields it then swaps."""
    make_user(live_server.app, "admin", email="csp@example.com")
    add_client(live_server.app, "Acme")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors, missing = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    try:
        page.goto(live_server.url + "/login")
        page.get_by_label("Email").fill("csp@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(live_server.url + icon).ok

        upload_for_check(page)
        page.locator("#import-errors input[name=value]").evaluate_all(
            "fields => fields.forEach(f => { f.style.outlineColor = 'red'; })")
        page.get_by_label("New value for Email on line 3", exact=True).fill("b2@example.com")
        page.get_by_role("button", name="Fix Email on line 3", exact=True).click()
        expect(page.locator("#import-errors").get_by_role("cell", name="not-an-email-2", exact=True)).to_have_count(0)
        page.get_by_role("button", name="Skip row 4", exact=True).click()
        expect(page.get_by_text("No errors: every row can be imported.")).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", name="Check before import")).to_be_visible()
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    refused = [text for text in errors if "Content Security Policy" in text]
    assert not refused, f"{len(refused)} CSP refusals, the first: {refused[0]}"
    assert not missing, f"not found: {missing}"


def test_the_last_admin_keeps_the_role_and_the_form_says_why(live_server, signed_in, axe):
    page = signed_in("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    axe(page, "users page")
    page.get_by_role("link", name="Edit Admin").click()
    expect(page.get_by_role("heading", name="Edit Admin")).to_be_visible()
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The last active administrator cannot lose that role.")).to_be_visible()
    expect(page.get_by_label("Role")).to_have_value("admin")
    expect(page.get_by_text("Changed by someone else")).to_have_count(0)
    axe(page, "edit user with the refusal")


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
