"""Reset links: made by an administrator, shown to pass on, used once within 24 hours."""
from datetime import timedelta

from sqlalchemy import select

from clientapp.auth.models import LoginAttempt, PasswordReset, User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, at_once, make_user
from .factories import count
from .html import attr

NEW = "a brand new password"


def make_link(admin_client, user_id) -> str:
    """The link the Users page shows after "Reset password", as a path."""
    response = admin_client.post(f"/users/{user_id}/reset", htmx=True)
    assert_fragment(response, "users-page")
    url = attr(response, "#reset-link-url", "value")
    assert url.startswith("http://localhost/reset/")
    return url[len("http://localhost"):]


def password_works(app, email, password) -> bool:
    client = app.test_client()
    return client.post("/login", data={"email": email, "password": password}).status_code == 303


def test_admin_makes_a_link_and_sees_it_once(app, admin_client, manager_id):
    page = admin_client.post(f"/users/{manager_id}/reset")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Reset link for Max Manager" in body and "no email is sent" in body
    token = attr(page, "#reset-link-url", "value").rsplit("/reset/", 1)[1]
    with app.app_context():
        reset = db.session.scalars(select(PasswordReset)).one()
        # Only the token's hash is kept: the database alone holds no usable link.
        assert token not in reset.token_hash and len(reset.token_hash) == 64
        lifetime = reset.expires_at - reset.created_at
        assert lifetime == timedelta(hours=24)
    # The list shows no link afterwards.
    assert "/reset/" not in admin_client.get("/users").get_data(as_text=True)


def test_reset_page_and_fragment(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    visitor = app.test_client()
    page = visitor.get(link)
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Set a new password" in body and "New password" in body
    assert_fragment(visitor.get(link, htmx=True), "reset-form")


def test_the_user_sets_a_new_password_through_the_link(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    response = app.test_client().post(link, data={"new_password": NEW}, htmx=True)
    assert_fragment(response, "reset-form")
    assert "Your new password is set" in response.get_data(as_text=True)
    assert password_works(app, "manager@example.com", NEW)
    assert not password_works(app, "manager@example.com", PASSWORD)


def test_a_weak_password_is_refused_with_the_rule(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    visitor = app.test_client()
    response = visitor.post(link, data={"new_password": "short"}, htmx=True)
    assert_fragment(response, "reset-form", 422)
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    mine = visitor.post(link, data={"new_password": "Manager!2026"}, htmx=True)
    assert_fragment(mine, "reset-form", 422)
    assert "Do not build the password from the name or email." in mine.get_data(as_text=True)
    assert password_works(app, "manager@example.com", PASSWORD)
    # The link still works after refused tries.
    assert visitor.post(link, data={"new_password": NEW}).status_code == 200


def test_a_link_works_once(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    app.test_client().post(link, data={"new_password": NEW})
    again = app.test_client().post(link, data={"new_password": "someone else's pass"})
    assert again.status_code == 410
    assert "This link has already been used." in again.get_data(as_text=True)
    assert password_works(app, "manager@example.com", NEW)
    assert app.test_client().get(link).status_code == 410


def test_two_tabs_using_one_link_at_once_set_one_password(make_app):
    app = make_app(CLIENTAPP_ARGON2_TIME_COST=2, CLIENTAPP_ARGON2_MEMORY_KIB=19456)
    from .conftest import sign_in

    admin = sign_in(app, make_user(app, "admin"))
    link = make_link(admin, make_user(app, "manager"))
    def use(password):
        client = app.test_client()
        return lambda: client.post(link, data={"new_password": password}).status_code

    statuses = at_once(*(use(f"password number {n}") for n in range(4)))
    assert sorted(statuses) == [200, 410, 410, 410]
    assert sum(password_works(app, "manager@example.com", f"password number {n}")
               for n in range(4)) == 1


def test_an_expired_link_says_so_and_changes_nothing(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    with app.app_context():
        reset = db.session.scalars(select(PasswordReset)).one()
        reset.expires_at = reset.created_at - timedelta(seconds=1)
        db.session.commit()
    response = app.test_client().post(link, data={"new_password": NEW})
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert password_works(app, "manager@example.com", PASSWORD)


def test_a_tampered_link_says_so(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    for response in (app.test_client().get(tampered),
                     app.test_client().post(tampered, data={"new_password": NEW}),
                     app.test_client().get(tampered, htmx=True)):
        assert response.status_code == 404
        assert "This link is not valid" in response.get_data(as_text=True)
    assert password_works(app, "manager@example.com", PASSWORD)


def test_a_new_link_replaces_the_last(app, admin_client, manager_id):
    first = make_link(admin_client, manager_id)
    second = make_link(admin_client, manager_id)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    assert count(app, PasswordReset) == 1


def test_a_deactivated_users_link_stops_working(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    admin_client.post(f"/users/{manager_id}/deactivate")
    assert app.test_client().post(link, data={"new_password": NEW}).status_code == 404


def test_wrong_links_are_limited_per_address(app, admin_client, manager_id):
    link = make_link(admin_client, manager_id)
    guesser = app.test_client()
    for n in range(5):
        assert guesser.get(f"/reset/guess{n}").status_code == 404
    refused = guesser.get(link)
    assert refused.status_code == 429 and "Too many failed attempts" in refused.get_data(as_text=True)
    # From another address the right link works, and counts nothing.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert other.post(link, data={"new_password": NEW}).status_code == 200
    with app.app_context():
        assert {a.address for a in db.session.scalars(select(LoginAttempt))} == {"127.0.0.1"}


def test_only_admins_make_links(app, manager_client, viewer_client, admin_id):
    for client in (manager_client, viewer_client):
        assert client.post(f"/users/{admin_id}/reset").status_code == 403
    assert count(app, PasswordReset) == 0


def test_no_link_for_yourself_or_a_deactivated_user(app, admin_client, admin_id):
    own = admin_client.post(f"/users/{admin_id}/reset", htmx=True)
    assert_fragment(own, "users-page", 409)
    assert "Change your own password on My account." in own.get_data(as_text=True)
    off = make_user(app, "viewer", email="off@example.com", active=False)
    refused = admin_client.post(f"/users/{off}/reset")
    assert refused.status_code == 409 and "Reactivate" in refused.get_data(as_text=True)
    assert count(app, PasswordReset) == 0
    with app.app_context():
        assert db.session.get(User, admin_id).active
