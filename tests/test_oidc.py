"""OpenID Connect sign-in against a provider the tests run on 127.0.0.1: the flow, who it
signs in or makes, and every refusal (state, nonce, audience, issuer, signature, email)."""
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from clientapp.auth.models import User, UserSession
from clientapp.extensions import db

from .conftest import make_user
from .oidc_provider import CLIENT_ID, Provider


@pytest.fixture
def provider():
    with Provider() as running:
        yield running


@pytest.fixture
def oidc_app(make_app, provider):
    def build(**config):
        app = make_app(**provider.config(**config))
        make_user(app, "admin", name="Ada Admin")
        return app

    return build


def sign_in_with_provider(app, client=None, next_path=None, state=None):
    """The browser's round trip: our start URL, the provider's authorize endpoint, our
    callback. Returns (client, the callback's response)."""
    client = client or app.test_client()
    start = client.get("/login/oidc", query_string={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/login/oidc/callback"
    params = parse_qs(callback.query)
    if state is not None:
        params["state"] = [state]
    return client, client.get(callback.path, query_string={k: v[0] for k, v in params.items()})


def users(app):
    with app.app_context():
        return {u.email: u.role for u in db.session.scalars(select(User))}


def test_the_sign_in_page_offers_the_provider(oidc_app):
    app = oidc_app()
    body = app.test_client().get("/login?next=/clients").get_data(as_text=True)
    assert "Sign in with Keycloak" in body
    assert 'href="/login/oidc?next=/clients"' in body
    assert 'name="password"' in body  # password sign-in stays unless switched off


def test_a_verified_email_signs_its_user_in(oidc_app, provider):
    app = oidc_app()
    client, response = sign_in_with_provider(app, next_path="/users")
    assert response.status_code == 302 and response.headers["Location"] == "/users"
    assert "Ada Admin" in client.get("/users").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_an_unknown_user_is_refused_unless_auto_create(oidc_app, provider):
    provider.user = {**provider.user, "email": "Newcomer@Corp.Internal", "name": "New Comer"}
    app = oidc_app()
    _, refused = sign_in_with_provider(app)
    assert refused.status_code == 403
    assert "There is no account for newcomer@corp.internal here." in refused.get_data(as_text=True)
    assert "newcomer@corp.internal" not in users(app)


def test_auto_create_makes_the_user_with_the_default_role(oidc_app, provider):
    provider.user = {**provider.user, "email": "newcomer@corp.internal", "name": "New Comer"}
    app = oidc_app(CLIENTAPP_OIDC_AUTO_CREATE=True, CLIENTAPP_DEFAULT_ROLE="manager")
    client, response = sign_in_with_provider(app)
    assert response.status_code == 302
    assert users(app)["newcomer@corp.internal"] == "manager"
    assert "New Comer" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("tamper, reason", [
    ({"nonce": "another-nonce"}, "nonce"),
    ({"aud": "another-client", "azp": CLIENT_ID}, "aud"),
    ({"aud": ["another-client"]}, "aud"),
    ({"iss": "https://evil.example"}, "iss"),
    ({"signature": True}, "signature"),
    ({"exp": 1_000_000}, "exp"),
    ({"no_id_token": True}, "no ID token"),
])
def test_a_bad_id_token_is_refused(oidc_app, provider, caplog, tamper, reason):
    provider.tamper = tamper
    app = oidc_app(CLIENTAPP_OIDC_AUTO_CREATE=True)
    provider.user = {**provider.user, "email": "newcomer@corp.internal"}
    with caplog.at_level(logging.WARNING, logger="clientapp"):
        client, response = sign_in_with_provider(app)
    assert response.status_code == 403
    assert "Sign-in with Keycloak failed." in response.get_data(as_text=True)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "OpenID Connect sign-in refused" in logged and reason.lower() in logged.lower()
    assert "newcomer@corp.internal" not in users(app)
    assert client.get("/").status_code == 303  # nobody signed in (sent to sign in)


@pytest.mark.parametrize("user, reason", [
    ({"email_verified": False}, "not verified"),
    ({"email_verified": None}, "not verified"),
    ({"email": None}, "no email"),
])
def test_an_unverified_email_is_refused(oidc_app, provider, caplog, user, reason):
    provider.user = {**provider.user, **user}
    provider.user = {k: v for k, v in provider.user.items() if v is not None}
    app = oidc_app()
    with caplog.at_level(logging.WARNING, logger="clientapp"):
        client, response = sign_in_with_provider(app)
    assert response.status_code == 403
    assert reason in " ".join(r.getMessage() for r in caplog.records)
    assert client.get("/").status_code == 303


def test_a_wrong_state_is_refused_before_any_token_request(oidc_app, provider, caplog):
    app = oidc_app()
    with caplog.at_level(logging.WARNING, logger="clientapp"):
        client, response = sign_in_with_provider(app, state="forged-state")
    assert response.status_code == 403
    assert "mismatching_state" in " ".join(r.getMessage() for r in caplog.records)
    assert provider.token_requests == 0
    assert client.get("/").status_code == 303


def test_a_callback_without_starting_is_refused(oidc_app, provider):
    app = oidc_app()
    response = app.test_client().get("/login/oidc/callback?code=x&state=y")
    assert response.status_code == 403 and provider.token_requests == 0


def test_a_discovery_document_for_another_issuer_is_refused(oidc_app, provider, caplog):
    provider.tamper = {"discovery_issuer": "https://evil.example"}
    app = oidc_app()
    with caplog.at_level(logging.WARNING, logger="clientapp"):
        response = app.test_client().get("/login/oidc")
    assert response.status_code == 403
    assert "discovery document names issuer" in " ".join(r.getMessage() for r in caplog.records)


def test_an_unreachable_provider_is_a_clear_page(make_app):
    app = make_app(CLIENTAPP_OIDC_ISSUER="http://127.0.0.1:9", CLIENTAPP_OIDC_CLIENT_ID="x",
                   CLIENTAPP_OIDC_CLIENT_SECRET="y")
    make_user(app, "admin")
    response = app.test_client().get("/login/oidc")
    assert response.status_code == 403
    assert "Sign-in with OpenID Connect failed." in response.get_data(as_text=True)


def test_a_deactivated_user_is_refused(oidc_app, provider):
    app = oidc_app()
    make_user(app, "viewer", email="off@example.com", active=False)
    provider.user = {**provider.user, "email": "off@example.com"}
    _, response = sign_in_with_provider(app)
    assert response.status_code == 403
    assert "Your account has been deactivated." in response.get_data(as_text=True)


def test_inert_when_unset(app, client, admin_id):
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)


def test_password_sign_in_switched_off_leaves_the_provider(oidc_app):
    app = oidc_app(CLIENTAPP_PASSWORD_LOGIN=False)
    body = app.test_client().get("/login").get_data(as_text=True)
    assert "Sign in with Keycloak" in body and 'name="password"' not in body
    client, response = sign_in_with_provider(app)
    assert response.status_code == 302
    # Reset links make no sense without password sign-in.
    assert "Reset password" not in client.get("/users").get_data(as_text=True)
