"""My account: every role's own name, email, language, time zone, password and sessions."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from clientapp.auth.models import LoginAttempt, User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, make_user, sign_in

NEW = "a brand new password"


def user_row(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@pytest.fixture(params=["admin", "manager", "viewer"])
def someone(request, app, admin_id):
    """A signed-in user of each role, and their id."""
    user_id = admin_id if request.param == "admin" else make_user(app, request.param)
    return sign_in(app, user_id), user_id


def test_the_header_links_the_users_name_to_my_account(admin_client):
    body = admin_client.get("/").get_data(as_text=True)
    assert '<a class="whoami" href="/account" title="My account">Ada Admin</a>' in body
    on_it = admin_client.get("/account").get_data(as_text=True)
    assert 'title="My account" aria-current="page">Ada Admin</a>' in on_it


def test_my_account_page_and_fragments(someone):
    client, _ = someone
    page = client.get("/account")
    assert_page(page)
    body = page.get_data(as_text=True)
    for label in ("My account", "Current password", "New password", "Change password",
                  "Time zone", "Language", "Sign out other sessions", "This session"):
        assert label in body, label
    assert_fragment(client.get("/account", htmx=True), "account-page")


def test_every_role_changes_its_name_language_and_time_zone(app, someone):
    client, user_id = someone
    response = client.post("/account/profile", htmx=True, data={
        "name": "Renamed", "locale": "fr", "timezone": "America/Toronto"})
    assert response.headers["HX-Redirect"] == "/account?saved=1"
    user = user_row(app, user_id)
    assert (user.name, user.locale, user.timezone) == ("Renamed", "fr", "America/Toronto")
    page = client.get("/account?saved=1").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Votre profil est enregistré." in page


def test_profile_errors_render_in_place(app, admin_client, admin_id):
    response = admin_client.post("/account/profile", htmx=True, data={
        "name": "", "locale": "de", "timezone": "Mars/Olympus"})
    assert_fragment(response, "account-profile", 422)
    body = response.get_data(as_text=True)
    assert "Enter a name." in body and body.count("Not a valid choice") == 2
    assert user_row(app, admin_id).name == "Ada Admin"


def test_dates_follow_the_users_time_zone(app, admin_client, admin_id):
    from clientapp.auth.models import UserSession

    with app.app_context():
        for row in db.session.scalars(select(UserSession)):
            row.created_at = datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc)
        db.session.commit()
    assert "1/15/26, 11:30" in admin_client.get("/account").get_data(as_text=True)
    admin_client.post("/account/profile", data={"name": "Ada Admin", "locale": "en",
                                                "timezone": "Asia/Tokyo"})
    assert "1/16/26, 8:30" in admin_client.get("/account").get_data(as_text=True)


def test_every_role_changes_its_password(app, someone):
    client, user_id = someone
    email = user_row(app, user_id).email
    response = client.post("/account/password", htmx=True,
                           data={"current_password": PASSWORD, "new_password": NEW})
    assert_fragment(response, "account-password")
    assert "Your password is changed." in response.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": email, "password": NEW}).status_code == 303


def test_password_change_asks_for_the_current_one(app, admin_client, admin_id):
    before = user_row(app, admin_id).password_hash
    wrong = admin_client.post("/account/password", htmx=True,
                              data={"current_password": "not my password", "new_password": NEW})
    assert_fragment(wrong, "account-password", 422)
    assert "This is not your current password." in wrong.get_data(as_text=True)
    weak = admin_client.post("/account/password", htmx=True,
                             data={"current_password": PASSWORD, "new_password": "short"})
    assert_fragment(weak, "account-password", 422)
    assert "Use at least 10 characters." in weak.get_data(as_text=True)
    common = admin_client.post("/account/password", htmx=True,
                               data={"current_password": PASSWORD, "new_password": "motdepasse1"})
    assert_fragment(common, "account-password", 422)
    assert "among the first that are guessed" in common.get_data(as_text=True)
    assert user_row(app, admin_id).password_hash == before


def test_password_change_is_limited_like_sign_in(app, admin_client, admin_id):
    for _ in range(5):
        admin_client.post("/account/password",
                          data={"current_password": "guess guess", "new_password": NEW})
    limited = admin_client.post("/account/password", htmx=True,
                                data={"current_password": PASSWORD, "new_password": NEW})
    assert_fragment(limited, "account-password", 429)
    assert "Too many failed attempts" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    with app.app_context():
        assert db.session.scalar(select(LoginAttempt.email).limit(1)) == "admin@example.com"
    # The same budget as the sign-in page: guessing here does not add to it.
    assert app.test_client().post("/login", data={
        "email": "admin@example.com", "password": PASSWORD}).status_code == 429


def test_email_change_asks_for_the_password(app, someone):
    client, user_id = someone
    wrong = client.post("/account/email", htmx=True,
                        data={"email": "new@corp.internal", "password": "not it at all"})
    assert_fragment(wrong, "account-email", 422)
    assert "This is not your password." in wrong.get_data(as_text=True)
    right = client.post("/account/email", htmx=True,
                        data={"email": "New@Corp.Internal", "password": PASSWORD})
    assert_fragment(right, "account-email")
    assert "Your email is now new@corp.internal." in right.get_data(as_text=True)
    assert user_row(app, user_id).email == "new@corp.internal"


def test_email_change_refuses_a_taken_or_invalid_address(app, admin_client, admin_id,
                                                         manager_id):
    for email, message in (("manager@example.com", "A user with this email already exists."),
                           ("not an address", "Enter a valid email address.")):
        response = admin_client.post("/account/email", htmx=True,
                                     data={"email": email, "password": PASSWORD})
        assert_fragment(response, "account-email", 422)
        assert message in response.get_data(as_text=True)
    assert user_row(app, admin_id).email == "admin@example.com"


def test_a_user_without_a_password_cannot_set_one_here(app, admin_id):
    uid = make_user(app, "viewer", email="sso@corp.internal")
    with app.app_context():
        db.session.get(User, uid).password_hash = ""
        db.session.commit()
    client = sign_in(app, uid)
    page = client.get("/account").get_data(as_text=True)
    assert "you sign in through your organisation" in page and "Current password" not in page
    for url, data in (("/account/password", {"current_password": "", "new_password": NEW}),
                      ("/account/email", {"email": "x@corp.internal", "password": ""})):
        assert client.post(url, data=data).status_code == 403
    assert user_row(app, uid).password_hash == ""


def test_account_writes_need_csrf_and_a_session(app, admin_client, client, admin_id):
    assert admin_client.post("/account/profile", csrf=False, data={
        "name": "X", "locale": "en", "timezone": ""}).status_code == 400
    assert client.post("/account/profile", data={"name": "X", "locale": "en",
                                                 "timezone": ""}).status_code == 303
    assert user_row(app, admin_id).name == "Ada Admin"


def test_an_email_taken_between_check_and_write_is_a_422(app, admin_client, admin_id,
                                                         manager_id, monkeypatch):
    from clientapp.auth import forms

    monkeypatch.setattr(forms.User, "by_email", staticmethod(lambda email: None))
    response = admin_client.post("/account/email", htmx=True,
                                 data={"email": "manager@example.com", "password": PASSWORD})
    assert_fragment(response, "account-email", 422)
    assert "A user with this email already exists." in response.get_data(as_text=True)
    assert user_row(app, admin_id).email == "admin@example.com"


def test_account_sections_answer_a_plain_post_with_the_page(app, admin_client):
    """Without JavaScript every form still works: the whole page comes back."""
    assert_page(admin_client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW}))
    assert_page(admin_client.post("/account/sessions/sign-out-others"))
    assert_page(admin_client.post("/account/email", data={"email": "x", "password": ""}), 422)
    saved = admin_client.post("/account/profile", data={"name": "Ada", "locale": "en",
                                                        "timezone": ""})
    assert saved.status_code == 303 and saved.headers["Location"] == "/account?saved=1"
