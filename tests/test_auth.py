"""Accounts: the first administrator, sign-in and its limits, sign-out, roles."""
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import func, select

from clientapp.auth.models import LoginAttempt, User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, make_user, sign_in


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


# --- first administrator -------------------------------------------------------------

def test_fresh_instance_sends_every_page_to_setup(client):
    for url in ("/", "/users", "/login", "/clients"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")


def test_setup_page_and_fragment(client):
    page = client.get("/setup")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Create the first administrator" in body
    for label in ("Name", "Email", "Password", "Create account"):
        assert label in body
    assert "Setup code" not in body  # loopback server, loopback visitor
    assert_fragment(client.get("/setup", htmx=True), "setup-form")


def test_setup_creates_an_admin_and_signs_in(app, client):
    response = client.post("/setup", data={"name": "Ada", "email": "Ada@Example.com",
                                           "password": PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email("ada@example.com")
        assert user.role == "admin" and user.email == "ada@example.com"
    assert client.get("/").status_code == 200
    # Once claimed, the setup page is gone.
    assert client.get("/setup").headers["Location"].endswith("/login")


def test_setup_refuses_a_weak_password_in_place(app, client):
    response = client.post("/setup", data={"name": "Ada", "email": "ada@example.com",
                                           "password": "short"}, htmx=True)
    assert_fragment(response, "setup-form", 422)
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_setup_code_required_when_listening_beyond_loopback(make_app):
    app = make_app(CLIENTAPP_LISTEN_HOST="0.0.0.0")
    client = app.test_client()
    assert "Setup code" in client.get("/setup").get_data(as_text=True)
    code = (Path(app.instance_path) / "setup_code").read_text().strip()
    data = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    wrong = client.post("/setup", data={**data, "setup_code": "nope"})
    assert wrong.status_code == 422
    assert "setup code printed in the server" in wrong.get_data(as_text=True)
    assert user_count(app) == 0
    right = client.post("/setup", data={**data, "setup_code": code.lower()})
    assert right.status_code == 303
    assert user_count(app) == 1
    assert not (Path(app.instance_path) / "setup_code").exists()


def test_setup_code_required_for_a_remote_visitor(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    response = client.post("/setup", data={"name": "Ada", "email": "ada@example.com",
                                           "password": PASSWORD})
    assert response.status_code == 422
    assert user_count(app) == 0


# --- sign-in ---------------------------------------------------------------------------

def test_pages_need_sign_in_and_come_back_after(app, client, admin_id):
    response = client.get("/users?x=1")
    assert response.status_code == 303
    assert "/login?next=/users?x%3D1" in response.headers["Location"] \
        or "/login?next=%2Fusers%3Fx%3D1" in response.headers["Location"]
    login = client.post("/login?next=/users?x=1",
                        data={"email": "admin@example.com", "password": PASSWORD})
    assert login.status_code == 303
    assert login.headers["Location"] == "/users?x=1"


def test_htmx_request_without_session_gets_hx_redirect(client, admin_id):
    response = client.get("/users", htmx=True,
                          headers={"HX-Current-URL": "http://localhost/users"})
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert "<html" not in response.get_data(as_text=True)


def test_sign_in_page_and_fragment(client, admin_id):
    assert_page(client.get("/login"))
    assert_fragment(client.get("/login", htmx=True), "login-form")


def test_sign_in_refuses_offsite_next(client, admin_id):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", query_string={"next": target},
                               data={"email": "admin@example.com", "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_wrong_password_and_unknown_account_read_the_same(client, admin_id):
    wrong = client.post("/login", data={"email": "admin@example.com", "password": "not it at all"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_sixth_failure_in_the_window_gets_429_and_says_when(app, client, admin_id):
    for _ in range(5):
        assert client.post("/login", data={"email": "admin@example.com",
                                           "password": "wrong wrong"}).status_code == 422
    sixth = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert sixth.status_code == 429
    assert int(sixth.headers["Retry-After"]) > 0
    assert "Try again in 15 minutes" in sixth.get_data(as_text=True)
    assert client.get("/").status_code == 303  # not signed in, even with the right password


def test_failures_are_counted_in_the_database(app, client, admin_id):
    client.post("/login", data={"email": "admin@example.com", "password": "wrong wrong"})
    with app.app_context():
        rows = db.session.scalars(select(LoginAttempt)).all()
        assert [(r.email, r.address) for r in rows] == [("admin@example.com", "127.0.0.1")]
    # Another app (another worker process) sees the same count.
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_limit_per_address_across_accounts(make_app):
    app = make_app(CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    make_user(app, "admin")
    client = app.test_client()
    for n in range(3):
        client.post("/login", data={"email": f"guess{n}@example.com", "password": "wrong wrong"})
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 429


def test_deactivated_user_cannot_sign_in(app, client, admin_id):
    uid = make_user(app, "manager", active=False)
    response = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)
    # And a session opened before deactivation no longer works.
    assert sign_in(app, uid).get("/").status_code == 303


def test_sign_out_needs_post_and_ends_the_session(admin_client):
    assert admin_client.get("/logout").status_code == 405
    response = admin_client.post("/logout")
    assert response.status_code == 303
    assert admin_client.get("/").status_code == 303


def test_sign_out_without_csrf_token_is_refused(admin_client):
    response = admin_client.post("/logout", csrf=False)
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    assert admin_client.get("/").status_code == 200  # still signed in


def test_passwords_use_argon2id_at_owasp_cost(make_app):
    app = make_app(CLIENTAPP_ARGON2_TIME_COST=2, CLIENTAPP_ARGON2_MEMORY_KIB=19456)
    uid = make_user(app, "admin")
    with app.app_context():
        stored = db.session.get(User, uid).password_hash
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_default_config_hashes_at_owasp_cost(monkeypatch, tmp_path):
    from clientapp import config

    monkeypatch.delenv("CLIENTAPP_ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("CLIENTAPP_ARGON2_MEMORY_KIB", raising=False)
    settings = config.load(str(tmp_path))
    assert settings["CLIENTAPP_ARGON2_TIME_COST"] >= 2
    assert settings["CLIENTAPP_ARGON2_MEMORY_KIB"] >= 19456
