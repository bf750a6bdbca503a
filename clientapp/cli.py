"""Command line: `clientapp serve`, `clientapp create-user`, and Flask's own commands.

`flask --app app create-user` works the same; `clientapp` is Flask's CLI bound to this app.
"""
import logging
import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def register(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(serve_command)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "viewer"]), default="manager",
              show_default=True)
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option("--password", default=None, help="Prompted for when not given.")
@with_appcontext
def create_user_command(email, role, name, password):
    """Create a user who can sign in."""
    from .auth.models import User
    from .auth.services import MIN_PASSWORD_LENGTH, create_user

    if User.by_email(email):
        raise click.ClickException(f"A user with the email {email} already exists.")
    if "@" not in email:
        raise click.ClickException("Give a valid email address.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    user = create_user(name or email.split("@")[0], email, password, role)
    click.echo(f"Created {user.role} {user.email}.")


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "8000")), type=int,
              show_default="8000")
@click.option("--threads", default=lambda: int(os.environ.get("CLIENTAPP_THREADS", "8")), type=int)
def serve_command(host, port, threads):
    """Bring the schema up to date, then serve with waitress (a production WSGI server)."""
    from waitress import serve

    from .auth.models import User
    from .auth.services import ensure_setup_code, is_loopback
    from .schema import upgrade_schema

    app = current_app._get_current_object()
    app.config["CLIENTAPP_LISTEN_HOST"] = host
    upgrade_schema(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with app.app_context():
        if User.count() == 0:
            if is_loopback(host):
                click.echo(f"No users yet: open http://{host}:{port}/ to create the first administrator.")
            else:
                code = ensure_setup_code()
                click.echo(f"No users yet. Setup code for the first administrator: {code}")
    click.echo(f"Clientapp listening on http://{host}:{port}/")
    serve(app, host=host, port=port, threads=threads, ident="clientapp")


def main():
    from . import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    cli.main(prog_name="clientapp")
if __name__ == "__main__":
    main()
