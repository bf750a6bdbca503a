"""Clientapp: client management for small agencies.

create_app() builds the app: configuration, extensions, blueprints, security headers,
error pages and the CLI.
"""
import logging
import os

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import extensions, ids
from .db import sqlite  # noqa: F401  (how every SQLite connection behaves)
from .schema import include_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
log = logging.getLogger("clientapp")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly or, with
    CLIENTAPP_PROXY_FIX, through a proxy), so one configuration serves both."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CLIENTAPP_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.load(app.instance_path))
    if config:
        app.config.update(config)
    # Forms are small; only an import upload is large. Anything bigger is refused with 413.
    # (Flask's own default is None, so setdefault() would never set it.)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = app.config["CLIENTAPP_IMPORT_MAX_BYTES"] + 256 * 1024
    app.session_interface = SessionInterface()
    ids.init_app(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    if app.config["CLIENTAPP_PROXY_FIX"]:
        n = app.config["CLIENTAPP_PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    # (extensions.db, not a module-level `db`: the name would be taken by the clientapp.db
    # package as soon as it is imported.)
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=os.path.join(ROOT, "migrations"),
                                render_as_batch=True, include_name=include_name)
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    from . import auth

    auth.init_app(app)
    from .i18n import init_i18n

    init_i18n(app)

    from . import models  # noqa: F401  every table, for the ORM and Alembic
    from .auth.routes import bp as auth_bp
    from .dashboard.routes import bp as dashboard_bp
    from .health import bp as health_bp
    from .users.account_routes import bp as account_bp
    from .users.routes import bp as users_bp

    from .clients import profile_routes, routes  # noqa: F401  (routes on clients_bp)
    from .contacts import routes as contact_routes  # noqa: F401  (on clients_bp too)
    from .interactions import routes as interaction_routes  # noqa: F401  (the same)
    from .teams import routes as team_routes  # noqa: F401  (the same)
    from .clients.blueprint import bp as clients_bp
    from .discussions.routes import bp as discussions_bp
    from .imports.routes import bp as imports_bp
    from .activity.routes import bp as activity_bp
    from .calendar.routes import bp as calendar_bp
    from .projects import page_routes as project_page_routes  # noqa: F401
    from .projects import routes as project_routes  # noqa: F401
    from .projects.blueprint import bp as projects_bp
    from .staff.routes import bp as staff_bp
    from .defaults import routes as defaults_routes  # noqa: F401  (on clients_bp, projects_bp)
    from .documents.routes import bp as documents_bp
    from .defaults.reports_routes import bp as field_reports_bp

    for bp in (health_bp, auth_bp, dashboard_bp, account_bp, users_bp, clients_bp, imports_bp,
               activity_bp, projects_bp, calendar_bp, staff_bp, discussions_bp, documents_bp,
               field_reports_bp):
        app.register_blueprint(bp)

    from . import errors, security, templating

    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from .cli import register

    register(app)
    return app
