"""Accounts: the first administrator and its setup code, sign-in, sign-out, roles."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from clientapp.auth.models import LoginAttempt, User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, make_user, setup_code, sign_in

ROOT = Path(__file__).resolve().parent.parent


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


# --- first administrator -------------------------------------------------------------

def test_fresh_instance_sends_every_page_to_setup(client):
    for url in ("/", "/users", "/login", "/clients", "/account"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")


def test_setup_page_and_fragment(client):
    page = client.get("/setup")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Create the first administrator" in body
    for label in ("Name", "Email", "Password", "Setup code", "Create account"):
        assert label in body
    assert_fragment(client.get("/setup", htmx=True), "setup-form")


def test_setup_link_fills_the_code_in(app, client):
    code = setup_code(app)
    body = client.get(f"/setup?code={code}").get_data(as_text=True)
    assert f'name="setup_code" required type="text" value="{code}"' in body


def test_setup_creates_an_admin_and_signs_in(app, client):
    response = client.post("/setup", data={"name": "Ada", "email": "Ada@Example.com",
                                           "password": PASSWORD, "setup_code": setup_code(app)})
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email("ada@example.com")
        assert user.role == "admin" and user.email == "ada@example.com"
    assert client.get("/").status_code == 200
    # Once claimed, the setup page is gone, and so is the code.
    assert client.get("/setup").headers["Location"].endswith("/login")
    assert not (Path(app.instance_path) / "setup_code").exists()


def test_setup_refuses_a_weak_password_in_place(app, client):
    response = client.post("/setup", data={"name": "Ada", "email": "ada@example.com",
                                           "password": "short", "setup_code": setup_code(app)},
                           htmx=True)
    assert_fragment(response, "setup-form", 422)
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_setup_always_asks_for_the_code(app, client):
    """Even from this machine: behind a same-host proxy every visitor comes from 127.0.0.1."""
    data = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    missing = client.post("/setup", data=data)
    assert missing.status_code == 422
    assert "Enter the setup code printed in the server" in missing.get_data(as_text=True)
    wrong = client.post("/setup", data={**data, "setup_code": "nope"})
    assert wrong.status_code == 422
    assert "This is not the setup code" in wrong.get_data(as_text=True)
    assert user_count(app) == 0
    right = client.post("/setup", data={**data, "setup_code": setup_code(app).lower()})
    assert right.status_code == 303
    assert user_count(app) == 1


@pytest.mark.parametrize("password, problem", [
    ("short pass", None),  # ten characters, five different ones
    ("nine char", "short"),
    ("aaaaaaaaaaaa", "repetitive"),
    ("abababab1212", "repetitive"),
    ("Password123", "common"),
    ("mot-de-passe-123", "common"),
    ("1234567890", "common"),
    ("AZERTYUIOP", "common"),
    ("ada.lovelace!", "personal"),
    ("Lovelace2026", "personal"),
    ("lovelace and the engine", None),  # her name in a long sentence is fine
    (PASSWORD, None),
])
def test_the_password_rule(password, problem):
    from clientapp.auth.services import password_problem

    found = password_problem(password, "Ada Lovelace", "ada.lovelace@example.com")
    assert (found and found.value) == problem


def test_setup_code_guesses_wait_after_a_few(app, client):
    """The code is tried as a password is: five wrong ones from an address, then a 429 that
    does not even look at the code (the right one included) until the wait is over."""
    data = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    for guess in range(5):
        wrong = client.post("/setup", data={**data, "setup_code": f"BAD{guess}"}, htmx=True)
        assert_fragment(wrong, "setup-form", 422)
    refused = client.post("/setup", data={**data, "setup_code": setup_code(app)}, htmx=True)
    assert_fragment(refused, "setup-form", 429)
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert user_count(app) == 0


def test_the_right_setup_code_forgets_the_wrong_ones(app, client):
    data = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    client.post("/setup", data={**data, "setup_code": "BAD"})
    assert client.post("/setup", data={**data, "setup_code": setup_code(app)}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_setup_url_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["setup-url", "--base-url", "https://intranet.example/clients"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == \
        f"https://intranet.example/clients/setup?code={setup_code(app)}"
    make_user(app, "admin")
    again = runner.invoke(args=["setup-url"])
    assert again.exit_code != 0 and "has users already" in again.output


def test_loading_the_app_logs_the_setup_url_once(tmp_path):
    """What `waitress-serve app:app`, gunicorn and `flask run` load: app.py."""
    env = {**os.environ, "CLIENTAPP_INSTANCE_PATH": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    loaded = subprocess.run(
        [sys.executable, "-c", "import app; from clientapp.auth.setup import announce; "
                               "announce(app.app)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    code = (tmp_path / "setup_code").read_text().strip()
    assert loaded.stderr.count(f"/setup?code={code}") == 1, loaded.stderr


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


def test_an_incomplete_form_counts_no_attempt(app, client, admin_id):
    response = client.post("/login", data={"email": "admin@example.com", "password": ""})
    assert response.status_code == 422
    assert "Enter your password." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_deactivated_user_cannot_sign_in(app, client, admin_id):
    uid = make_user(app, "manager", active=False)
    response = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)
    # And a session opened before deactivation no longer works.
    assert sign_in(app, uid).get("/").status_code == 303


def test_user_without_a_password_cannot_sign_in_with_one(app, client, admin_id):
    """Users a trusted proxy or an identity provider made have no password here."""
    uid = make_user(app, "viewer", email="sso@example.com")
    with app.app_context():
        db.session.get(User, uid).password_hash = ""
        db.session.commit()
    for password in ("", PASSWORD):
        response = client.post("/login", data={"email": "sso@example.com", "password": password})
        assert response.status_code == 422
    assert client.get("/").status_code == 303


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


def test_password_sign_in_can_be_switched_off(make_app):
    app = make_app(CLIENTAPP_PASSWORD_LOGIN=False, CLIENTAPP_TRUSTED_USER_HEADER="X-Email",
                   CLIENTAPP_TRUSTED_PROXIES="10.0.0.0/8")
    make_user(app, "admin")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in page
    refused = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Password sign-in is turned off here" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 303
    # The command line still makes users.
    result = app.test_cli_runner().invoke(args=["create-user", "cli@example.com",
                                                "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def test_password_sign_in_off_needs_another_way_in(make_app):
    with pytest.raises(ValueError, match="CLIENTAPP_PASSWORD_LOGIN=0 needs another way"):
        make_app(CLIENTAPP_PASSWORD_LOGIN=False)


def test_unknown_default_role_stops_the_app_with_a_clear_message(make_app):
    import pytest

    with pytest.raises(ValueError, match="CLIENTAPP_DEFAULT_ROLE must be one of"):
        make_app(CLIENTAPP_DEFAULT_ROLE="superuser")


# --- passwords -------------------------------------------------------------------------

def test_passwords_use_argon2id_at_owasp_cost(make_app):
    app = make_app(CLIENTAPP_ARGON2_TIME_COST=2, CLIENTAPP_ARGON2_MEMORY_KIB=19456)
    uid = make_user(app, "admin")
    with app.app_context():
        stored = db.session.get(User, uid).password_hash
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_default_config_hashes_at_owasp_cost(monkeypatch, tmp_path):
    from clientapp import config

    monkeypatch.delenv("CLIENTAPP_ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("CLIENTAPP_ARGON2_MEMORY_KIB", raising=False)
    settings = config.load(str(tmp_path))
    assert settings["CLIENTAPP_ARGON2_TIME_COST"] >= 2
    assert settings["CLIENTAPP_ARGON2_MEMORY_KIB"] >= 19456
