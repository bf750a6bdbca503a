"""flaskr-style fixtures: an app on a fresh database, a client, a signed-in client per role.

The schema is built once per run by the Alembic migrations (so they are tested too) and
every test starts from empty tables. With TEST_DATABASE_URL (a PostgreSQL server) the run
creates a database of its own there and drops it at the end.
"""
import os
import secrets
import threading
import uuid

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from clientapp import create_app
from clientapp.extensions import db

PASSWORD = "correct horse battery"


def _create_pg_database(url: str) -> tuple[str, callable]:
    import psycopg

    base = make_url(url)
    name = f"clientapp_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    # Nothing a test does may write into the repository's own instance folder.
    os.environ["CLIENTAPP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url, drop = _create_pg_database(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        drop = None
    from clientapp.schema import upgrade_schema

    schema_app = create_app(_test_config(url, str(tmp_path_factory.mktemp("instance"))))
    upgrade_schema(schema_app)
    with schema_app.app_context():
        db.engine.dispose()
    yield url
    if drop:
        drop()


def _test_config(url: str, instance: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "CLIENTAPP_STRICT_TEMPLATES": True,
        # Cheap hashes keep the suite fast; test_auth checks the production setting.
        "CLIENTAPP_ARGON2_TIME_COST": 1,
        "CLIENTAPP_ARGON2_MEMORY_KIB": 1024,
    }


def _empty_tables(app):
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on the test database; extra config overrides the defaults."""
    monkeypatch.setenv("CLIENTAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    built = []

    def factory(**overrides):
        config = _test_config(database_url, str(tmp_path / "instance"))
        config.update(overrides)
        application = create_app(config)
        application.test_client_class = CsrfClient
        built.append(application)
        return application

    yield factory
    for application in built:
        with application.app_context():
            db.session.remove()
    on_test_db = [a for a in built if a.config["SQLALCHEMY_DATABASE_URI"] == database_url]
    if on_test_db:
        _empty_tables(on_test_db[0])
    for application in built:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every write, as the pages do,
    unless called with csrf=False (to test the refusal)."""

    def open(self, *args, csrf=True, htmx=False, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("X-CSRFToken", self.csrf_token())
        kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app):
    return app.test_client()


def make_user(app, role: str, email: str | None = None, name: str | None = None, **fields):
    from clientapp.auth.services import create_user

    with app.app_context():
        user = create_user(name or role.title(), email or f"{role}@example.com", PASSWORD, role)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user.id


def sign_in(app, user_id: int, **environ):
    """A client signed in as the app signs people in: a session row, and its cookie."""
    from clientapp.auth.sessions import signed_in_client

    return signed_in_client(app, user_id, **environ)


def setup_code(app) -> str:
    """The one-time code that /setup asks for, as the server logged it."""
    from clientapp.auth.setup import ensure_code

    with app.app_context():
        return ensure_code()


@pytest.fixture
def admin_id(app):
    return make_user(app, "admin", name="Ada Admin")


@pytest.fixture
def manager_id(app, admin_id):
    return make_user(app, "manager", name="Max Manager")


@pytest.fixture
def viewer_id(app, admin_id):
    return make_user(app, "viewer", name="Vic Viewer")


@pytest.fixture
def admin_client(app, admin_id):
    return sign_in(app, admin_id)


@pytest.fixture
def manager_client(app, manager_id):
    return sign_in(app, manager_id)


@pytest.fixture
def viewer_client(app, viewer_id):
    return sign_in(app, viewer_id)


def at_once(*calls) -> list:
    """Run every call in a thread of its own, all released together; their results, in order.
    Each call should use its own test client: one request, one app context."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(n, call):
        barrier.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def assert_fragment(response, fragment_id: str, status: int = 200):
    """An htmx answer: the right status, one fragment with its stable id, no page around it."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "<html" not in body
    assert f'id="{fragment_id}"' in body
    assert "HX-Request" in response.headers.get("Vary", "")


def assert_page(response, status: int = 200):
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "<html" in body
    assert "HX-Request" in response.headers.get("Vary", "")
