"""Sessions kept on the server: signing out, a password change, a reset link and a
deactivation end them for good; an idle session expires; the cookie in an iframe."""
from datetime import timedelta

from sqlalchemy import select

from clientapp.auth.models import UserSession, utcnow
from clientapp.extensions import db

from .conftest import PASSWORD, make_user, sign_in
from .factories import count


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value)
    return other


def session_rows(app, user_id):
    with app.app_context():
        return db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)).all()


def test_signing_in_opens_a_session_row(app, client, admin_id):
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD},
                headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
    [row] = session_rows(app, admin_id)
    assert row.address == "127.0.0.1"
    assert row.browser == "Firefox · Linux"
    assert client.get("/").status_code == 200


def test_a_cookie_copied_before_sign_out_no_longer_works(app, admin_client, admin_id):
    copied = copy_of(app, admin_client)
    assert copied.get("/").status_code == 200
    admin_client.post("/logout")
    assert session_rows(app, admin_id) == []
    assert copied.get("/").status_code == 303
    assert copied.get("/", htmx=True).headers["HX-Redirect"].startswith("/login")


def test_password_change_ends_the_other_sessions(app, admin_id):
    mine, other = sign_in(app, admin_id), sign_in(app, admin_id)
    response = mine.post("/account/password", data={"current_password": PASSWORD,
                                                    "new_password": "a new long password"})
    assert response.status_code == 200
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 303
    assert len(session_rows(app, admin_id)) == 1


def test_a_reset_link_ends_the_users_sessions(app, admin_client, manager_id):
    manager = sign_in(app, manager_id)
    assert manager.get("/").status_code == 200
    admin_client.post(f"/users/{manager_id}/reset")
    assert manager.get("/").status_code == 303
    assert session_rows(app, manager_id) == []


def test_using_a_reset_link_ends_the_sessions_opened_since(app, admin_client, manager_id):
    from .test_reset_links import make_link

    link = make_link(admin_client, manager_id)
    manager = sign_in(app, manager_id)
    app.test_client().post(link, data={"new_password": "a new long password"})
    assert manager.get("/").status_code == 303


def test_deactivation_ends_the_users_sessions(app, admin_client, manager_id):
    manager = sign_in(app, manager_id)
    admin_client.post(f"/users/{manager_id}/deactivate")
    assert manager.get("/").status_code == 303
    assert session_rows(app, manager_id) == []
    # Reactivated, the user signs in again; the old cookie stays dead.
    admin_client.post(f"/users/{manager_id}/activate")
    assert manager.get("/").status_code == 303


def test_sign_out_other_sessions(app, admin_id):
    mine, laptop, phone = (sign_in(app, admin_id) for _ in range(3))
    page = mine.get("/account").get_data(as_text=True)
    assert page.count("This session") == 1 and "Sign out other sessions" in page
    response = mine.post("/account/sessions/sign-out-others", htmx=True)
    assert response.status_code == 200
    assert "Your other sessions are signed out." in response.get_data(as_text=True)
    assert [c.get("/").status_code for c in (mine, laptop, phone)] == [200, 303, 303]


def test_an_idle_session_expires(make_app):
    app = make_app(CLIENTAPP_SESSION_IDLE_HOURS=12)
    uid = make_user(app, "admin")
    client = sign_in(app, uid)

    def idle_for(hours):
        with app.app_context():
            for row in db.session.scalars(select(UserSession)):
                row.last_seen_at = utcnow() - timedelta(hours=hours)
            db.session.commit()

    idle_for(11)
    assert client.get("/").status_code == 200
    # Using it moved last_seen_at: the session lives on.
    idle_for(0)
    assert client.get("/").status_code == 200
    idle_for(12.1)
    assert client.get("/").status_code == 303
    # A new sign-in clears the dead rows.
    sign_in(app, uid)
    assert count(app, UserSession) == 1


def test_last_seen_is_written_at_most_once_a_minute(app, admin_client, admin_id):
    [before] = session_rows(app, admin_id)
    admin_client.get("/")
    [after] = session_rows(app, admin_id)
    assert after.last_seen_at == before.last_seen_at
    with app.app_context():
        row = db.session.get(UserSession, before.id)
        row.last_seen_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    admin_client.get("/")
    [touched] = session_rows(app, admin_id)
    assert utcnow() - touched.last_seen_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=30)


def test_a_forged_session_id_signs_nobody_in(app, admin_id):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(admin_id)
        sess["_session"] = "made-up"
    assert client.get("/").status_code == 303


def test_a_session_belongs_to_its_user(app, admin_id, manager_id):
    manager = sign_in(app, manager_id)
    with manager.session_transaction() as sess:
        sess["_user_id"] = str(admin_id)  # (the cookie is signed; this is the server's view)
    assert manager.get("/users").status_code == 303


# --- embedded in an intranet portal ------------------------------------------------------

def test_embedded_cookie_works_in_another_sites_iframe(make_app):
    app = make_app(CLIENTAPP_EMBEDDED=True,
                   CLIENTAPP_FRAME_ANCESTORS="'self' https://portal.example.com")
    uid = make_user(app, "admin")
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    assert "HttpOnly" in cookie
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://portal.example.com" in csp
    assert session_rows(app, uid)


def test_not_embedded_the_cookie_stays_lax(app, client, admin_id):
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
