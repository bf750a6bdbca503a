"""Styled error pages: never a traceback, always a message and a way on."""
import logging

from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .htmx import render, wants_fragment
from .security import current_path, referrer_path

log = logging.getLogger("clientapp")


def _titles():
    return {
        400: _("The request could not be understood"),
        403: _("You are not allowed to do this"),
        404: _("Page not found"),
        405: _("This action is not available here"),
        409: _("Changed by someone else"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("Service unavailable"),
    }


def _messages():
    return {
        400: _("Check what you sent and try again."),
        403: _("Your role does not allow this action. Ask an administrator if you need it."),
        404: _("The page you asked for does not exist or has been removed."),
        405: _("Go back and use the buttons on the page."),
        413: _("The upload is larger than this server accepts."),
        429: _("Wait a little before trying again."),
        500: _("The error has been logged. Nothing you did was lost; try again in a moment."),
        503: _("The service is not available right now. Try again in a moment."),
    }


def error_page(status: int, message: str | None = None, title: str | None = None, headers=None,
               reload=False):
    """The styled error page; for htmx, a one-line alert aimed at #alerts (never swapped
    into the fragment that asked), which app.js also shows when htmx does not swap."""
    response = render(
        "errors/error.html",
        "error_alert",
        status=status,
        code=status,
        title=title or _titles().get(status, _("Something went wrong")),
        message=message or _messages().get(status, ""),
        reload=reload,
    )
    if wants_fragment():
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        db.session.rollback()
        return error_page(
            400,
            title=_("This page has expired"),
            message=_("For your security the form could not be sent. Reload the page and try "
                      "again; nothing was saved."),
            reload=referrer_path() or current_path(),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code is None or exc.code < 400:
            return exc
        db.session.rollback()
        if exc.code == 413 and getattr(exc, "clientapp_message", None):
            return error_page(413, exc.clientapp_message)  # a document over its own limit
        if exc.code == 413:
            from flask import current_app
            from flask_babel import format_decimal

            limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return error_page(413, _("The upload is larger than the %(limit)s MB this server "
                                     "accepts. Split the file and try again.",
                                     limit=format_decimal(limit)))
        headers = {}
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        description = None
        # Only messages we wrote ourselves (abort(4xx, description=...)) are shown.
        if getattr(exc, "clientapp_message", None):
            description = exc.clientapp_message
        return error_page(exc.code, description, headers=headers)

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
            # SQLite's write lock stayed taken past the busy timeout: a busy moment, not a
            # fault. The transaction is rolled back: nothing of the request was saved.
            db.session.rollback()
            log.warning("Database busy on %s %s", request.method, request.path)
            return error_page(503, _("The database is busy with other changes. Try again in "
                                     "a moment: nothing was saved."), headers={"Retry-After": "5"})
        log.exception("Unhandled error on %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # the database itself may be what failed
            pass
        return error_page(500)


def refuse(status: int, message: str):
    """abort() with a message of ours that the error page shows to the user."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status]()
    exc.clientapp_message = message
    raise exc
