"""Sign-in by a trusted reverse proxy's header: believed from the proxies only, inert unless
configured; the app under a URL prefix behind such a proxy."""
import pytest
from sqlalchemy import select

from clientapp.auth.models import User, UserSession
from clientapp.extensions import db

from .conftest import PASSWORD, make_user

HEADER = "X-Forwarded-Email"


@pytest.fixture
def proxied(make_app):
    """The app behind a proxy at 10.0.0.5, or anywhere in 10.1.0.0/16."""

    def build(**config):
        app = make_app(CLIENTAPP_TRUSTED_USER_HEADER=HEADER,
                       CLIENTAPP_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16", **config)
        make_user(app, "admin", name="Ada Admin")
        return app

    return build


def visit(app, email, peer, url="/", client=None, **kwargs):
    client = client or app.test_client()
    return client.get(url, headers={HEADER: email}, environ_base={"REMOTE_ADDR": peer}, **kwargs)


def user(app, email):
    with app.app_context():
        return User.by_email(email)


def test_a_trusted_proxy_signs_the_user_in(proxied):
    app = proxied()
    client = app.test_client()
    page = visit(app, "Admin@Example.com", "10.0.0.5", client=client)
    assert page.status_code == 200 and "Ada Admin" in page.get_data(as_text=True)
    # A session like any other: one row, and the next requests use it.
    assert visit(app, "admin@example.com", "10.0.0.5", "/users", client=client).status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_a_proxy_within_a_cidr_range_is_trusted(proxied):
    app = proxied()
    assert visit(app, "admin@example.com", "10.1.200.3").status_code == 200
    assert visit(app, "admin@example.com", "::ffff:10.1.0.9").status_code == 200


@pytest.mark.parametrize("peer", ["10.0.0.6", "10.2.0.1", "203.0.113.9", "127.0.0.1"])
def test_the_header_from_anywhere_else_is_ignored(proxied, peer):
    app = proxied()
    response = visit(app, "admin@example.com", peer)
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_header_is_ignored_when_the_settings_are_empty(make_app):
    for n, config in enumerate(({}, {"CLIENTAPP_TRUSTED_USER_HEADER": HEADER},
                                {"CLIENTAPP_TRUSTED_PROXIES": "0.0.0.0/0"})):
        app = make_app(**config)
        make_user(app, "admin", email=f"admin{n}@example.com")
        assert visit(app, f"admin{n}@example.com", "10.0.0.5").status_code == 303, config


def test_an_unknown_user_is_refused_with_a_clear_page(proxied):
    app = proxied()
    response = visit(app, "stranger@corp.internal", "10.0.0.5")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "There is no account for stranger@corp.internal here." in body
    assert user(app, "stranger@corp.internal") is None


def test_an_unknown_user_is_created_with_the_default_role(proxied):
    app = proxied(CLIENTAPP_TRUSTED_AUTO_CREATE=True)
    assert visit(app, "Newcomer@Corp.Internal", "10.0.0.5").status_code == 200
    made = user(app, "newcomer@corp.internal")
    assert (made.name, made.role, made.has_password) == ("newcomer", "viewer", False)


def test_the_default_role_is_a_setting(proxied):
    app = proxied(CLIENTAPP_TRUSTED_AUTO_CREATE=True, CLIENTAPP_DEFAULT_ROLE="manager")
    visit(app, "other@corp.internal", "10.0.0.5")
    assert user(app, "other@corp.internal").role == "manager"


def test_a_deactivated_user_is_refused(proxied):
    app = proxied(CLIENTAPP_TRUSTED_AUTO_CREATE=True)
    make_user(app, "viewer", email="gone@example.com", active=False)
    response = visit(app, "gone@example.com", "10.0.0.5")
    assert response.status_code == 403
    assert "Your account has been deactivated." in response.get_data(as_text=True)


def test_a_header_that_is_not_an_email_is_refused(proxied):
    app = proxied(CLIENTAPP_TRUSTED_AUTO_CREATE=True)
    response = visit(app, "not an email", "10.0.0.5")
    assert response.status_code == 403 and "Sign-in failed" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_the_proxy_switching_users_switches_the_session(proxied):
    app = proxied()
    make_user(app, "viewer", email="vic@example.com", name="Vic Viewer")
    client = app.test_client()
    visit(app, "admin@example.com", "10.0.0.5", client=client)
    page = visit(app, "vic@example.com", "10.0.0.5", client=client)
    assert "Vic Viewer" in page.get_data(as_text=True)
    assert visit(app, "vic@example.com", "10.0.0.5", "/users", client=client).status_code == 403


def test_sign_out_goes_to_the_proxys_sign_out(proxied):
    app = proxied(CLIENTAPP_TRUSTED_LOGOUT_URL="/oauth2/sign_out")
    client = app.test_client()
    visit(app, "admin@example.com", "10.0.0.5", client=client)
    response = client.post("/logout", headers={HEADER: "admin@example.com"},
                           environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert response.headers["Location"] == "/oauth2/sign_out"
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []
    # Someone who signed in with a password, not through the proxy, gets our sign-in page.
    direct = app.test_client()
    direct.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert direct.post("/logout").headers["Location"] == "/login"


def test_a_fresh_instance_still_starts_with_setup(make_app):
    app = make_app(CLIENTAPP_TRUSTED_USER_HEADER=HEADER, CLIENTAPP_TRUSTED_PROXIES="10.0.0.5",
                   CLIENTAPP_TRUSTED_AUTO_CREATE=True)
    response = visit(app, "first@example.com", "10.0.0.5")
    assert response.headers["Location"].endswith("/setup")
    assert user(app, "first@example.com") is None


def test_bad_proxy_settings_stop_the_app(make_app):
    with pytest.raises(ValueError, match="neither an address nor a CIDR range"):
        make_app(CLIENTAPP_TRUSTED_USER_HEADER=HEADER, CLIENTAPP_TRUSTED_PROXIES="intranet")


def test_the_app_under_a_prefix_behind_the_proxy(proxied):
    """nginx serving the app under /clients, as in README: ProxyFix for the prefix, host
    and scheme; the trusted header for the user; the peer is still the proxy itself."""
    app = proxied(CLIENTAPP_PROXY_FIX=1)
    client = app.test_client()
    forwarded = {HEADER: "admin@example.com", "X-Forwarded-For": "192.0.2.33",
                 "X-Forwarded-Proto": "https", "X-Forwarded-Host": "intranet.example.com",
                 "X-Forwarded-Prefix": "/clients",
                 "Referer": "https://intranet.example.com/clients/"}
    page = client.get("/users", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'href="/clients/account"' in body and 'href="/clients/static/app.css"' in body
    assert 'action="/clients/logout"' in body
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        assert row.address == "192.0.2.33"  # the visitor, as the proxy saw them
    # X-Forwarded-For cannot make an outsider look like the proxy.
    outsider = app.test_client().get("/users", headers={**forwarded, "X-Forwarded-For": "10.0.0.5"},
                                     environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outsider.status_code == 303
    assert outsider.headers["Location"].startswith(("/clients/login", "https://intranet.example.com/clients/login"))
