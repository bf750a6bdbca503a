"""Accounts: sign-in (password, trusted proxy header, OpenID Connect), server-side sessions,
sign-in limits, reset links, the first administrator, roles."""
from flask import request
from flask_login import current_user


def init_app(app) -> None:
    """Check the sign-in settings and hook sessions and the trusted header in before the
    gate (security.gate) looks at the user."""
    from . import oidc, trusted_header
    from .models import ROLES

    cfg = app.config
    if cfg["CLIENTAPP_DEFAULT_ROLE"] not in ROLES:
        raise ValueError(f"CLIENTAPP_DEFAULT_ROLE must be one of {', '.join(ROLES)}, "
                         f"not {cfg['CLIENTAPP_DEFAULT_ROLE']!r}")
    if cfg["CLIENTAPP_EMBEDDED"]:
        # Inside a portal on another site the browser sends the cookie only if it is
        # SameSite=None, which it accepts only Secure; Partitioned (CHIPS) keeps it working
        # where third-party cookies are blocked, in a jar of the portal's own.
        cfg.update(SESSION_COOKIE_SAMESITE="None", SESSION_COOKIE_SECURE=True,
                   SESSION_COOKIE_PARTITIONED=True)
    trusted_header.init_app(app)
    oidc.init_app(app)
    if not cfg["CLIENTAPP_PASSWORD_LOGIN"] and not (
            trusted_header.EXTENSION in app.extensions or oidc.EXTENSION in app.extensions):
        raise ValueError("CLIENTAPP_PASSWORD_LOGIN=0 needs another way to sign in: "
                         "CLIENTAPP_OIDC_* or CLIENTAPP_TRUSTED_USER_HEADER and "
                         "CLIENTAPP_TRUSTED_PROXIES")

    @app.before_request
    def load_session_user():
        # The user loader may record that the session is in use (once a minute); loading
        # it here, first, keeps that write apart from anything the view does.
        if request.endpoint not in ("static", "health.healthz"):
            current_user._get_current_object()

    @app.before_request
    def trusted_header_sign_in():
        if request.endpoint not in ("static", "health.healthz"):
            return trusted_header.sign_in_from_header()
        return None
