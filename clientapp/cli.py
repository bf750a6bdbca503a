"""Command line: `clientapp serve`, `clientapp create-user`, and Flask's own commands.

`flask --app app create-user` works the same; `clientapp` is Flask's CLI bound to this app.
"""
import functools
import logging
import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def register(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(recover_jobs_command)
    app.cli.add_command(setup_url_command)


def with_schema(command):
    """Run `command` in the app context with the schema brought up to date first (as serve
    does), so that a command on a fresh instance never finds its tables missing."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        from .schema import upgrade_schema

        upgrade_schema(current_app._get_current_object())
        return command(*args, **kwargs)

    return with_appcontext(wrapped)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "viewer"]), default="manager",
              show_default=True)
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option("--password", default=None, help="Prompted for when not given.")
@with_schema
def create_user_command(email, role, name, password):
    """Create a user who can sign in."""
    from .auth.models import User
    from .auth.services import MIN_PASSWORD_LENGTH, create_user, password_problem
    from .emails import InvalidEmail, check_email
    from .extensions import db

    try:
        email = check_email(email).lower()
    except InvalidEmail:
        raise click.ClickException("Give a valid email address.") from None
    if User.by_email(email):
        raise click.ClickException(f"A user with the email {email} already exists.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, name, email)
    if problem is not None:
        raise click.ClickException({
            "short": f"Use at least {MIN_PASSWORD_LENGTH} characters.",
            "repetitive": "Use more different characters: this one repeats a few.",
            "common": "This password is among the first that are guessed.",
            "personal": "Do not build the password from the name or email.",
        }[problem])
    user = create_user(name or email.split("@")[0], email, password, role)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@click.command("recover-jobs")
@with_schema
def recover_jobs_command():
    """Take back the background jobs (imports) whose worker died, and mark them interrupted.
    (The app does it at start-up too.)"""
    from .jobs import recover_stale

    count = recover_stale()
    click.echo(f"{count} job(s) recovered." if count else "No job to recover.")


def _default_base_url() -> str:
    return f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"


@click.command("setup-url")
@click.option("--base-url", default=_default_base_url, show_default="http://HOST:PORT",
              help="The address people open the app at (with its prefix behind a proxy).")
@with_schema
def setup_url_command(base_url):
    """Print the link that creates the first administrator (its one-time code in it)."""
    from .auth.models import User
    from .auth.setup import setup_url

    if User.count() > 0:
        raise click.ClickException("This instance has users already: sign in, or add users "
                                   "with `clientapp create-user`.")
    click.echo(setup_url(base_url))


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "8000")), type=int,
              show_default="8000")
@click.option("--threads", default=lambda: int(os.environ.get("CLIENTAPP_THREADS", "8")), type=int)
def serve_command(host, port, threads):
    """Bring the schema up to date, then serve with waitress (a production WSGI server)."""
    from waitress import serve

    from .auth.setup import announce
    from .schema import recover_jobs, upgrade_schema

    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade_schema(app)
    recover_jobs(app)
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    announce(app, f"http://{shown}:{port}")
    click.echo(f"Clientapp listening on http://{host}:{port}/")
    serve(app, host=host, port=port, threads=threads, ident="clientapp")


def main():
    from . import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    cli.main(prog_name="clientapp")
if __name__ == "__main__":
    main()
