"""Users page (admins only): create, edit, deactivate, reactivate; the create-user command."""
import os

from sqlalchemy import func, select

from clientapp.auth.models import User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page, at_once, make_user, sign_in


def get_user(app, email):
    with app.app_context():
        return User.by_email(email)


def version_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).version


def test_users_page_and_fragment(admin_client, manager_id):
    page = admin_client.get("/users")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Max Manager" in body and "manager@example.com" in body
    for label in ("Edit", "Reset password", "Deactivate"):
        assert f"{label}<span class=\"visually-hidden\"> Max Manager</span>" in body
    assert_fragment(admin_client.get("/users", htmx=True), "users-page")


def test_only_admins_see_users(manager_client, viewer_client, admin_id):
    for client in (manager_client, viewer_client):
        assert client.get("/users").status_code == 403
        assert client.get(f"/users/{admin_id}/edit").status_code == 403
    assert "Users" not in manager_client.get("/").get_data(as_text=True).split("<main")[0] \
        .split('aria-label="Main"')[1]


def test_admin_creates_a_user(app, admin_client):
    response = admin_client.post("/users", data={
        "name": "Nina", "email": "Nina@Example.com", "role": "viewer", "password": PASSWORD})
    assert response.status_code == 303
    user = get_user(app, "nina@example.com")
    assert user.role == "viewer" and user.active


def test_create_user_errors_render_in_place(app, admin_client):
    response = admin_client.post("/users", htmx=True, data={
        "name": "", "email": "admin@example.com", "role": "viewer", "password": "short"})
    assert_fragment(response, "users-page", 422)
    body = response.get_data(as_text=True)
    assert "A user with this email already exists." in body
    assert "Use at least 10 characters." in body
    assert "Enter a name." in body
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1


def test_unknown_role_is_refused(app, admin_client):
    response = admin_client.post("/users", data={
        "name": "Eve", "email": "eve@example.com", "role": "superuser", "password": PASSWORD})
    assert response.status_code == 422
    assert get_user(app, "eve@example.com") is None


# --- edit ------------------------------------------------------------------------------

def edit_data(app, user_id, **changes):
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"name": user.name, "email": user.email, "role": user.role,
                "version": str(user.version)}
    return {**data, **changes}


def test_edit_page_and_fragment(admin_client, manager_id):
    page = admin_client.get(f"/users/{manager_id}/edit")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Edit Max Manager" in body and 'value="manager@example.com"' in body
    assert_fragment(admin_client.get(f"/users/{manager_id}/edit", htmx=True), "user-edit-form")


def test_admin_edits_name_email_and_role(app, admin_client, manager_id):
    response = admin_client.post(f"/users/{manager_id}/edit", htmx=True, data=edit_data(
        app, manager_id, name="Maxine Manager", email="Maxine@Corp.Internal", role="viewer"))
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/users"
    user = get_user(app, "maxine@corp.internal")
    assert (user.name, user.role) == ("Maxine Manager", "viewer")


def test_edit_errors_render_in_place(app, admin_client, manager_id, admin_id):
    before = version_of(app, manager_id)
    response = admin_client.post(f"/users/{manager_id}/edit", htmx=True, data=edit_data(
        app, manager_id, name="", email="admin@example.com", role="root"))
    assert_fragment(response, "user-edit-form", 422)
    body = response.get_data(as_text=True)
    assert "Enter a name." in body and "A user with this email already exists." in body
    assert "Not a valid choice" in body
    assert get_user(app, "manager@example.com").name == "Max Manager"
    assert version_of(app, manager_id) == before


def test_an_edit_made_on_an_old_copy_is_refused(app, admin_client, manager_id):
    stale = edit_data(app, manager_id, name="From the old tab")
    admin_client.post(f"/users/{manager_id}/edit",
                      data=edit_data(app, manager_id, name="From the new tab"))
    response = admin_client.post(f"/users/{manager_id}/edit", htmx=True, data=stale)
    assert_fragment(response, "user-edit-form", 409)
    body = response.get_data(as_text=True)
    assert "This user was changed while you were editing" in body and "From the new tab" in body
    assert 'value="From the old tab"' in body  # the user's own input stays in the form
    assert get_user(app, "manager@example.com").name == "From the new tab"


def test_the_last_admin_keeps_the_role_and_the_form_says_why(app, admin_client, admin_id):
    response = admin_client.post(f"/users/{admin_id}/edit", htmx=True,
                                 data=edit_data(app, admin_id, role="viewer"))
    assert_fragment(response, "user-edit-form", 422)
    body = response.get_data(as_text=True)
    assert "The last active administrator cannot lose that role." in body
    assert "Changed by someone else" not in body
    # The select shows the role kept, not the one refused.
    assert '<option selected value="admin">' in body or 'value="admin" selected' in body
    assert get_user(app, "admin@example.com").role == "admin"


def test_an_admin_may_step_down_when_another_remains(app, admin_client, admin_id):
    make_user(app, "admin", email="second@example.com")
    response = admin_client.post(f"/users/{admin_id}/edit",
                                 data=edit_data(app, admin_id, role="manager"))
    assert response.headers["Location"] == "/"  # the Users page is no longer theirs
    assert get_user(app, "admin@example.com").role == "manager"


def test_two_admins_demoting_each_other_at_once_leave_one(make_app):
    app = make_app()
    first, second = make_user(app, "admin"), make_user(app, "admin", email="second@example.com")
    clients = {first: sign_in(app, first), second: sign_in(app, second)}
    forms = {whom: edit_data(app, whom, role="viewer") for whom in (first, second)}

    def demote(by, whom):
        return lambda: clients[by].post(f"/users/{whom}/edit", data=forms[whom]).status_code

    statuses = at_once(demote(first, second), demote(second, first))
    with app.app_context():
        admins = db.session.scalar(select(func.count()).select_from(User)
                                   .where(User.role == "admin", User.active.is_(True)))
    assert admins == 1
    assert sorted(statuses) in ([303, 422], [303, 403])


# --- deactivate, reactivate ------------------------------------------------------------

def test_deactivate_keeps_the_user_and_blocks_sign_in(app, admin_client, manager_id):
    response = admin_client.post(f"/users/{manager_id}/deactivate", htmx=True)
    assert_fragment(response, "users-page")
    assert "Max Manager is deactivated and signed out." in response.get_data(as_text=True)
    user = get_user(app, "manager@example.com")
    assert user is not None and not user.active
    client = app.test_client()
    refused = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert refused.status_code == 422
    reactivated = admin_client.post(f"/users/{manager_id}/activate")
    assert_page(reactivated)
    assert get_user(app, "manager@example.com").active


def test_cannot_deactivate_yourself(app, admin_client, admin_id):
    response = admin_client.post(f"/users/{admin_id}/deactivate", htmx=True)
    assert_fragment(response, "users-page", 409)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert get_user(app, "admin@example.com").active


def test_two_admins_deactivating_each_other_at_once_leave_one(make_app):
    """Only a race can reach the rule (no one deactivates themselves): it holds."""
    app = make_app()
    first, second = make_user(app, "admin"), make_user(app, "admin", email="second@example.com")
    clients = {first: sign_in(app, first), second: sign_in(app, second)}

    def deactivate(by, whom):
        def call():
            response = clients[by].post(f"/users/{whom}/deactivate", htmx=True)
            return response.status_code, response.get_data(as_text=True)
        return call

    answers = at_once(deactivate(first, second), deactivate(second, first))
    with app.app_context():
        admins = db.session.scalar(select(func.count()).select_from(User)
                                   .where(User.role == "admin", User.active.is_(True)))
    assert admins == 1
    statuses = sorted(status for status, _ in answers)
    # The loser was refused with the rule's own words, or was signed out first.
    assert statuses in ([200, 409], [200, 200])
    if statuses == [200, 409]:
        bodies = [body for status, body in answers if status == 409]
        assert "The last active administrator cannot be deactivated." in bodies[0]
    else:  # an htmx request without a session is sent to sign in
        assert any(body == "" for _, body in answers)


def test_non_admin_writes_are_refused(app, manager_client, viewer_client, admin_id):
    for client in (manager_client, viewer_client):
        assert client.post("/users", data={"name": "X", "email": "x@example.com",
                                           "role": "admin", "password": PASSWORD}).status_code == 403
        assert client.post(f"/users/{admin_id}/deactivate").status_code == 403
        assert client.post(f"/users/{admin_id}/edit",
                           data=edit_data(app, admin_id, name="Hacked")).status_code == 403
    assert get_user(app, "x@example.com") is None
    assert get_user(app, "admin@example.com").active
    assert get_user(app, "admin@example.com").name == "Ada Admin"


def test_unknown_user_is_404(admin_client):
    assert admin_client.post("/users/9999/deactivate").status_code == 404
    assert admin_client.get("/users/9999/edit").status_code == 404


# --- the command line ------------------------------------------------------------------

def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Root@Example.com", "--role", "admin",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert get_user(app, "root@example.com").role == "admin"
    again = runner.invoke(args=["create-user", "root@example.com", "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["create-user", "weak@example.com", "--password", "short"])
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert get_user(app, "weak@example.com") is None
    bad = runner.invoke(args=["create-user", "not an email", "--password", PASSWORD])
    assert bad.exit_code != 0 and "valid email" in bad.output


def test_create_user_on_a_fresh_instance_brings_the_schema_up_first(tmp_path):
    """`clientapp create-user` before anything else: the command upgrades the schema, as
    serve does, instead of failing on a missing table."""
    import subprocess
    import sys

    env = dict(os.environ, CLIENTAPP_INSTANCE_PATH=str(tmp_path / "fresh"))
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "clientapp.cli", "create-user", "first@example.com", "--role",
         "admin", "--password", PASSWORD], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Created admin first@example.com." in result.stdout
    assert (tmp_path / "fresh" / "clientapp.sqlite3").exists()


def test_create_user_command_prompts_for_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "p@agency.local", "--role", "viewer"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert get_user(app, "p@agency.local").role == "viewer"


def test_create_user_command_refuses_an_easy_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "p@agency.local", "--role", "viewer"],
                           input="password123\npassword123\n")
    assert result.exit_code != 0
    assert "among the first that are guessed" in result.output
    assert get_user(app, "p@agency.local") is None


def test_a_new_user_cannot_get_a_password_made_of_their_email(app, admin_client):
    created = admin_client.post("/users", htmx=True, data={
        "name": "Paula", "email": "paulette@example.com", "role": "viewer",
        "password": "Paulette2026"})
    assert_fragment(created, "users-page", 422)
    assert "Do not build the password from the name or email." in created.get_data(as_text=True)
    assert get_user(app, "paulette@example.com") is None


def test_an_email_taken_between_check_and_write_is_a_422(app, admin_client, manager_id,
                                                         monkeypatch):
    """The form's check saw the email free; the unique index refuses it: no 500."""
    from clientapp.auth import forms

    monkeypatch.setattr(forms.User, "by_email", staticmethod(lambda email: None))
    created = admin_client.post("/users", htmx=True, data={
        "name": "Twin", "email": "manager@example.com", "role": "viewer", "password": PASSWORD})
    assert_fragment(created, "users-page", 422)
    assert "A user with this email already exists." in created.get_data(as_text=True)
    edited = admin_client.post(f"/users/{manager_id}/edit", htmx=True,
                               data=edit_data(app, manager_id, email="admin@example.com"))
    assert_fragment(edited, "user-edit-form", 422)
    assert "A user with this email already exists." in edited.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, manager_id).email == "manager@example.com"
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
