"""The house: page or fragment, headers, error pages, health, proxies, schema, serving."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from clientapp.auth.models import User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, setup_code
from .html import find

ROOT = Path(__file__).resolve().parent.parent


# --- page or fragment ------------------------------------------------------------------

def test_dashboard_page_and_fragment(admin_client):
    assert_page(admin_client.get("/"))
    assert_fragment(admin_client.get("/", htmx=True), "dashboard")


def test_boosted_and_history_restore_get_the_whole_page(admin_client):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        response = admin_client.get("/", htmx=True, headers={header: "true"})
        assert_page(response)


# --- headers -----------------------------------------------------------------------------

def test_security_headers_on_every_response(client, admin_client):
    for response in (client.get("/setup"), admin_client.get("/"), admin_client.get("/nope"),
                     client.get("/healthz"), client.get("/static/app.css")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()
    assert admin_client.get("/").headers["Cache-Control"] == "no-store"


def test_frame_ancestors_from_config(make_app):
    app = make_app(CLIENTAPP_FRAME_ANCESTORS="'self' https://intranet.example.com")
    csp = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://intranet.example.com" in csp


def test_no_inline_script_or_style_in_pages(admin_client):
    body = admin_client.get("/").get_data(as_text=True)
    assert all("src" in script.attributes for script in find(body, "script"))
    assert " style=" not in body and " onclick=" not in body


def test_session_cookie_flags(app, client):
    response = client.post("/setup", data={"name": "A", "email": "a@example.com",
                                           "password": PASSWORD, "setup_code": setup_code(app)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_over_https(make_app):
    app = make_app(CLIENTAPP_PROXY_FIX=1)
    client = app.test_client()
    response = client.post("/setup", headers={"X-Forwarded-Proto": "https",
                                              "Referer": "https://localhost/setup"},
                           data={"name": "A", "email": "a@example.com", "password": PASSWORD,
                                 "setup_code": setup_code(app)})
    assert "Secure" in response.headers["Set-Cookie"]


def test_behind_a_proxy_every_url_carries_the_prefix(make_app):
    app = make_app(CLIENTAPP_PROXY_FIX=1)
    client = app.test_client()
    # Over HTTPS, Flask-WTF also checks that the Referer is this site, as a browser sends it.
    prefix = {"X-Forwarded-Prefix": "/crm", "X-Forwarded-Host": "intranet.example.com",
              "X-Forwarded-Proto": "https", "Referer": "https://intranet.example.com/crm/"}
    redirect = client.get("/", headers=prefix)
    assert redirect.headers["Location"] == "https://intranet.example.com/crm/setup" \
        or redirect.headers["Location"] == "/crm/setup"
    body = client.get("/setup", headers=prefix).get_data(as_text=True)
    assert 'href="/crm/static/app.css"' in body
    assert 'src="/crm/static/vendor/htmx-2.0.11.min.js"' in body
    assert 'hx-post="/crm/setup"' in body and 'action="/crm/setup"' in body
    signed = client.post("/setup", headers=prefix,
                         data={"name": "A", "email": "a@example.com", "password": PASSWORD,
                               "setup_code": setup_code(app)})
    assert signed.headers["Location"] in ("/crm/", "https://intranet.example.com/crm/")
    client.post("/logout", headers=prefix)
    login = client.get("/users", headers=prefix)
    assert "/crm/login?next=/crm/users" in login.headers["Location"]
    back = client.post("/login?next=/crm/users", headers=prefix,
                       data={"email": "a@example.com", "password": PASSWORD})
    assert back.headers["Location"] == "/crm/users"


# --- errors ----------------------------------------------------------------------------

def test_unknown_url_gets_a_styled_404(admin_client):
    page = admin_client.get("/no/such/page")
    assert_page(page, 404)
    assert "Page not found" in page.get_data(as_text=True)
    fragment = admin_client.get("/no/such/page", htmx=True)
    assert_fragment(fragment, "error", 404)
    assert 'data-error-message="Page not found.' in fragment.get_data(as_text=True)


HUGE_IDS = ("99999999999999999999", "2147483648", "0")


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize("method,path", [
    ("GET", "/clients/{}"), ("GET", "/clients/{}/info/edit"), ("POST", "/clients/{}/info"),
    ("GET", "/clients/{}/edit"), ("POST", "/clients/{}/archive"), ("POST", "/clients/{}/delete"),
    ("POST", "/clients/{}/unarchive"), ("GET", "/clients/import/{}"),
    ("GET", "/clients/import/{}/status"), ("POST", "/clients/import/{}/start"),
    ("POST", "/clients/import/{}/undo"), ("GET", "/clients/import/{}/errors.csv"),
    ("POST", "/users/{}/role"), ("POST", "/users/{}/deactivate"),
])
def test_ids_out_of_range_are_404_not_500(admin_client, method, path, huge):
    """One bounded converter for every id: past what the id columns hold is no such page,
    on SQLite (OverflowError) and PostgreSQL (integer out of range) alike."""
    response = admin_client.open(path.format(huge), method=method)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


def test_the_id_converter_matches_exactly_the_ids_in_range():
    from clientapp.ids import ID_MAX, IdConverter, as_id

    pattern = re.compile(IdConverter.regex + "$")
    for number in (1, 9, 10, 99, 10**8, 10**9 - 1, 10**9, 1_999_999_999, ID_MAX - 1, ID_MAX,
                   ID_MAX + 1, 2_200_000_000, 9_999_999_999, 10**10, 0):
        assert bool(pattern.match(str(number))) == (1 <= number <= ID_MAX), number
        assert as_id(str(number)) == (number if 1 <= number <= ID_MAX else None)
    for text in ("01", "-1", "1.0", "١٢", "", " 7 ", "x"):
        assert not pattern.match(text)
    assert as_id(" 7 ") == 7 and as_id("١٢") is None


def test_out_of_range_values_in_forms_are_no_ids(app, admin_client):
    from .test_imports import checked

    job_id = checked(admin_client, b"Name,Email\nA,bad\n")
    for huge in HUGE_IDS:
        fixed = admin_client.post(f"/clients/import/{job_id}/fix",
                                  data={"line": huge, "field": "email", "value": "a@b.cd"})
        assert fixed.status_code == 404
        skipped = admin_client.post(f"/clients/import/{job_id}/skip", data={"line": huge})
        assert skipped.status_code == 404
    bulk = admin_client.post("/clients/bulk-archive", data={"action": "archive",
                                                             "ids": list(HUGE_IDS)})
    assert bulk.status_code == 303


def test_an_error_gets_a_styled_500_without_traceback(make_app, admin_id):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    from .conftest import sign_in

    response = sign_in(app, admin_id).get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Traceback" not in body and "secret internals" not in body


def test_oversize_upload_gets_a_rendered_413(make_app, admin_id):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    from .conftest import sign_in

    response = sign_in(app, admin_id).post("/users", data={"name": "x" * 5000})
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


def test_csrf_failure_shows_a_message_and_writes_nothing(app, admin_client):
    response = admin_client.post("/users", csrf=False, data={
        "name": "Eve", "email": "eve@example.com", "role": "admin", "password": PASSWORD})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This page has expired" in body and "Reload the page" in body
    stale = admin_client.post("/users", headers={"X-CSRFToken": "stale-token"}, htmx=True,
                              data={"name": "Eve", "email": "eve@example.com",
                                    "role": "admin", "password": PASSWORD})
    assert stale.status_code == 400 and "data-error-message" in stale.get_data(as_text=True)
    with app.app_context():
        assert User.by_email("eve@example.com") is None


def test_viewer_writes_are_refused_server_side(app, viewer_client):
    for url in ("/users", "/clients", "/anything"):
        assert viewer_client.post(url, data={}).status_code in (403, 404, 405)
    assert viewer_client.post("/users", data={}).status_code == 403


# --- health --------------------------------------------------------------------------

def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_healthz_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


# --- schema --------------------------------------------------------------------------

def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            from clientapp.schema import include_name

            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_search_index_migration_keeps_clients_searchable(make_app, tmp_path):
    """0003 rebuilds SQLite's search index without column sizes: the clients already there
    are found, and the triggers of 0001 keep it up to date; down again, the same."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/search.sqlite3")

    def found(needle):
        return db.session.execute(text("SELECT rowid FROM clients_fts WHERE clients_fts "
                                       "MATCH :q"), {"q": f'"{needle}"'}).scalars().all()

    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(text(
            "INSERT INTO clients (id, type, name, name_key, match_key, search_text, created_at, "
            "updated_at, version) VALUES (7, 'company', 'Émile', 'emile', 'emile', "
            "'emile\nparis', '2026-01-01', '2026-01-01', 1)"))
        db.session.commit()
        upgrade(revision="0003")
        assert "columnsize=0" in db.session.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'clients_fts'")).scalar()
        assert found("mile") == [7] and found("pari") == [7]
        db.session.execute(text("UPDATE clients SET search_text = 'bernard' WHERE id = 7"))
        db.session.commit()
        assert found("mile") == [] and found("bern") == [7]
        db.session.execute(text("INSERT INTO clients_fts(clients_fts) VALUES ('integrity-check')"))
        db.session.commit()
        downgrade(revision="0002")
        assert found("bern") == [7]


def test_sqlite_connections_enforce_foreign_keys_with_wal(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/pragmas.sqlite3")
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    from clientapp import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.load(str(tmp_path))["SECRET_KEY"]
    second = config.load(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


# --- serving -------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_migrates_and_serves_with_waitress(tmp_path):
    port = _free_port()
    env = {**os.environ, "CLIENTAPP_INSTANCE_PATH": str(tmp_path), "PORT": str(port)}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    server = subprocess.Popen([sys.executable, "-m", "clientapp.cli", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Starting means migrating a new database first: allow a busy machine a minute.
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the server did not answer /healthz")
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/setup", timeout=2) as r:
            assert r.headers["Server"] == "clientapp"  # waitress's ident, not Werkzeug
            assert "Create the first administrator" in r.read().decode()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert (tmp_path / "clientapp.sqlite3").exists()
    assert (tmp_path / "secret_key").exists()
    assert "listening on http://127.0.0.1:" in output
    # The link that creates the first administrator, with its code, logged once.
    code = (tmp_path / "setup_code").read_text().strip()
    assert output.count(f"http://127.0.0.1:{port}/setup?code={code}") == 1
