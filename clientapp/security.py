"""Who may see and do what, and the headers every response carries."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from .auth import sessions
from .auth.models import User
from .extensions import login_manager
from .htmx import redirect_htmx

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Reachable without signing in.
PUBLIC_ENDPOINTS = {"static", "health.healthz", "auth.login", "auth.setup", "auth.set_locale",
                    "auth.oidc_login", "auth.oidc_callback", "auth.reset_password"}
# Writes that every signed-in user, viewers included, may make: they only touch the user.
# Writes a viewer may make: their own account, and a team discussion they take part in (a
# viewer can be on a management team; the discussion checks membership on every write).
VIEWER_WRITES = {"auth.logout", "auth.set_locale", "account.save_profile",
                 "account.change_email", "account.change_password", "account.sign_out_others",
                 "discussions.send", "discussions.edit", "discussions.delete"}


@login_manager.user_loader
def load_user(user_id: str):
    return sessions.load(user_id)


def role_required(*roles):
    """Refuse (403) unless the signed-in user has one of `roles`; admins pass every check."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _has_users() -> bool:
    # Once an instance has users it never goes back to having none, so a process can
    # remember the answer and skip the query.
    if current_app.extensions.get("clientapp_has_users"):
        return True
    found = User.count() > 0
    if found:
        current_app.extensions["clientapp_has_users"] = True
    return found


def gate():
    """Every page but sign-in, /healthz and static files needs sign-in; a fresh instance
    sends everyone to create the first administrator; viewers never write."""
    endpoint = request.endpoint or ""
    if endpoint in ("static", "health.healthz"):
        return None
    if not _has_users():
        if endpoint not in ("auth.setup", "auth.set_locale"):
            return redirect(url_for("auth.setup"))
        return None
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint is None:
        return None  # unknown URL: let the 404 page answer
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.method not in SAFE_METHODS and not current_user.can_write \
            and endpoint not in VIEWER_WRITES:
        abort(403)
    return None


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: a redirect to anything else
    would hand our users to a phishing page. Paths carry the URL prefix (script root)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def referrer_path() -> str | None:
    """The same-site page the request came from, as a path (None from elsewhere)."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return None
    parts = urlsplit(referrer)
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def current_path() -> str:
    """The page the user is on, prefix included (for htmx, the page in the address bar,
    not the fragment URL)."""
    if request.headers.get("HX-Request") == "true":
        current = request.headers.get("HX-Current-URL", "")
        root = request.host_url.rstrip("/")
        return current[len(root):] if current.startswith(root + "/") else request.script_root + "/"
    return request.script_root + request.full_path.rstrip("?")


def content_security_policy(app) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {app.config['CLIENTAPP_FRAME_ANCESTORS']}",
    ])


def init_app(app):
    policy = content_security_policy(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says enough

    app.before_request(gate)

    @login_manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=current_path())
        return redirect_htmx(target)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # Pages hold personal data: never kept by a shared cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
