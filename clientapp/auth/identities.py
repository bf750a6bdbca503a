"""Signing in someone another system vouches for (a trusted proxy, an OpenID Connect
provider): matched by email, made with CLIENTAPP_DEFAULT_ROLE when the setting allows."""
import logging

from flask import current_app
from flask_babel import gettext as _

from ..errors import error_page
from ..extensions import db
from . import sessions
from .models import User
from .services import create_user

log = logging.getLogger("clientapp")


def sign_in_identity(email: str, name: str, auto_create: bool, source: str):
    """Sign in the user `email` (made first when `auto_create`); None when done, else the
    page that says why not. Commits."""
    user = User.by_email(email)
    if user is None:
        if not auto_create:
            log.info("%s sign-in refused: no user %s", source, email)
            return error_page(403, _("There is no account for %(email)s here. Ask an "
                                     "administrator to create one.", email=email),
                              title=_("No account"))
        user = create_user(name, email, None, current_app.config["CLIENTAPP_DEFAULT_ROLE"])
        log.info("%s sign-in created user %s (%s)", source, email, user.role)
    if not user.active:
        log.info("%s sign-in refused: %s is deactivated", source, email)
        db.session.rollback()
        return error_page(403, _("Your account has been deactivated. Ask an administrator "
                                 "if you need it again."), title=_("Account deactivated"))
    sessions.sign_in(user)
    db.session.commit()
    return None
