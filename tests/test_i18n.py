"""English and French: the choice, its memory, formats, and a complete catalog."""
from datetime import date

from clientapp import catalog
from clientapp.auth.models import User
from clientapp.extensions import db

from .conftest import PASSWORD


def test_french_catalog_is_complete_and_compiled():
    problems = catalog.check()
    assert problems == [], "\n".join(problems[:40])


def test_accept_language_chooses_french(client, admin_id):
    body = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}) \
        .get_data(as_text=True)
    assert '<html lang="fr">' in body
    assert "Se connecter" in body and "Mot de passe" in body


def test_default_locale_without_a_choice(make_app):
    app = make_app(BABEL_DEFAULT_LOCALE="fr")
    make_app_client = app.test_client()
    from .conftest import make_user

    make_user(app, "admin")
    body = make_app_client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in body
    body = make_app_client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="fr">' in body


def test_choice_is_remembered_per_user(app, admin_client, admin_id):
    response = admin_client.post("/locale", data={"locale": "fr", "next": "/users"})
    assert response.status_code == 303 and response.headers["Location"] == "/users"
    with app.app_context():
        assert db.session.get(User, admin_id).locale == "fr"
    # A new session (another browser) signs in and gets French despite Accept-Language.
    other = app.test_client()
    other.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    body = other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tableau de bord" in body


def test_anonymous_choice_lasts_the_session_and_unknown_is_refused(client, admin_id):
    client.post("/locale", data={"locale": "fr"})
    assert "Se connecter" in client.get("/login").get_data(as_text=True)
    assert client.post("/locale", data={"locale": "xx"}).status_code == 400


def test_locale_switch_refuses_offsite_next(admin_client):
    response = admin_client.post("/locale", data={"locale": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_dates_and_numbers_follow_the_locale(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        render = app.jinja_env.from_string("{{ d|date('long') }} {{ n|number }}").render
        assert render(d=date(2026, 3, 5), n=1234567) == "5 mars 2026 1\u202f234\u202f567"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        render = app.jinja_env.from_string("{{ d|date('long') }} {{ n|number }}").render
        assert render(d=date(2026, 3, 5), n=1234567) == "March 5, 2026 1,234,567"
