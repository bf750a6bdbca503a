"""The one-time setup code that claims a fresh instance.

The first-administrator page always asks for it: behind a proxy every visitor may look like
the server itself, so where a request comes from proves nothing. To make that painless,
whatever loads the app while it has no user logs the setup URL with the code in it, once
(as Jupyter prints its token URL), and the page fills the code in from that link.
`clientapp setup-url` prints it again.
"""
import secrets
from pathlib import Path
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..config import read_or_create
from .models import User


def _code_path() -> Path:
    return Path(current_app.instance_path) / "setup_code"


def ensure_code() -> str:
    """The code, made on first need and kept in a file every worker process reads."""
    return read_or_create(_code_path(), lambda: secrets.token_hex(4).upper())


def code_matches(given: str | None) -> bool:
    path = _code_path()
    if not path.exists():
        return False
    return secrets.compare_digest(path.read_text().strip(), (given or "").strip().upper())


def forget_code() -> None:
    _code_path().unlink(missing_ok=True)


def setup_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/setup?{urlencode({'code': ensure_code()})}"


def announce(app, base_url: str | None = None) -> str | None:
    """Log the setup URL once for this app while it has no user; the URL, or None."""
    if app.extensions.get("clientapp_setup_announced"):
        return None
    with app.app_context():
        try:
            if User.count() > 0:
                return None
        except SQLAlchemyError:  # no schema yet (CLIENTAPP_AUTO_MIGRATE=0): nothing to claim
            return None
        app.extensions["clientapp_setup_announced"] = True
        if base_url:
            url = setup_url(base_url)
            app.logger.warning("No administrator yet. Create the first one at %s", url)
        else:
            url = setup_url("")
            app.logger.warning("No administrator yet. Create the first one at %s on this "
                               "server's address (under its URL prefix behind a proxy).", url)
        return url
