"""Users page (admins only) and the create-user command."""
import os

from sqlalchemy import select

from clientapp.auth.models import User
from clientapp.extensions import db

from .conftest import PASSWORD, assert_fragment, assert_page


def get_user(app, email):
    with app.app_context():
        return User.by_email(email)


def test_users_page_and_fragment(admin_client, manager_id):
    page = admin_client.get("/users")
    assert_page(page)
    body = page.get_data(as_text=True)
    assert "Max Manager" in body and "manager@example.com" in body
    assert_fragment(admin_client.get("/users", htmx=True), "users-page")


def test_only_admins_see_users(manager_client, viewer_client):
    assert manager_client.get("/users").status_code == 403
    assert viewer_client.get("/users").status_code == 403
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


def test_change_role(app, admin_client, manager_id):
    response = admin_client.post(f"/users/{manager_id}/role", data={"role": "viewer"})
    assert response.status_code == 303
    assert get_user(app, "manager@example.com").role == "viewer"


def test_last_admin_keeps_the_role(app, admin_client, admin_id):
    response = admin_client.post(f"/users/{admin_id}/role", data={"role": "viewer"})
    assert response.status_code == 409
    assert "last active administrator" in response.get_data(as_text=True)
    assert get_user(app, "admin@example.com").role == "admin"


def test_deactivate_keeps_the_user_and_blocks_sign_in(app, admin_client, manager_id):
    response = admin_client.post(f"/users/{manager_id}/deactivate")
    assert response.status_code == 303
    user = get_user(app, "manager@example.com")
    assert user is not None and not user.active
    client = app.test_client()
    refused = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert refused.status_code == 422
    admin_client.post(f"/users/{manager_id}/activate")
    assert get_user(app, "manager@example.com").active


def test_cannot_deactivate_yourself(app, admin_client, admin_id):
    response = admin_client.post(f"/users/{admin_id}/deactivate", htmx=True)
    assert response.status_code == 409
    assert "<html" not in response.get_data(as_text=True)
    assert get_user(app, "admin@example.com").active


def test_non_admin_writes_are_refused(app, manager_client, viewer_client, admin_id):
    for client in (manager_client, viewer_client):
        assert client.post("/users", data={"name": "X", "email": "x@example.com",
                                           "role": "admin", "password": PASSWORD}).status_code == 403
        assert client.post(f"/users/{admin_id}/deactivate").status_code == 403
    assert get_user(app, "x@example.com") is None
    assert get_user(app, "admin@example.com").active


def test_unknown_user_is_404(admin_client):
    assert admin_client.post("/users/9999/deactivate").status_code == 404


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
    result = runner.invoke(args=["create-user", "p@example.com", "--role", "viewer"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert get_user(app, "p@example.com").role == "viewer"
