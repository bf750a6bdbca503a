import logging

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import update

from ..errors import error_page, refuse
from ..extensions import db
from ..htmx import redirect_htmx, render
from ..i18n import LANGUAGE_NAMES
from ..security import local_path
from . import limits, oidc, reset_links, services, sessions, setup as first_admin, trusted_header
from .forms import NewPasswordForm, SetupForm, SignInForm
from .identities import sign_in_identity
from .models import User

bp = Blueprint("auth", __name__)
log = logging.getLogger("clientapp")


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("dashboard.index")


def _password_login() -> bool:
    return current_app.config["CLIENTAPP_PASSWORD_LOGIN"]


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if User.count() > 0:
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if request.method == "GET" and request.args.get("code"):
        form.setup_code.data = request.args["code"].strip()[:32]
    first_admin.ensure_code()
    if form.validate_on_submit():
        try:
            # Codes are tried as passwords are: a few wrong ones per address, then a wait.
            attempt = limits.begin("setup code", sessions.client_address(),
                                   account_backoff=False)
        except limits.TooManyAttempts as exc:
            return limits.refused("auth/setup.html", "setup_form", exc, form=form)
        if not first_admin.code_matches(form.setup_code.data):
            form.setup_code.errors.append(
                _("This is not the setup code printed in the server's log."))
        else:
            user = services.create_user(form.name.data, form.email.data,
                                        form.password.data, "admin")
            user.locale = session.get("locale")
            limits.succeeded(attempt)
            sessions.sign_in(user)
            db.session.commit()
            first_admin.forget_code()
            return redirect_htmx(url_for("dashboard.index"))
    status = 422 if form.errors else 200
    return render("auth/setup.html", "setup_form", status=status, form=form, limit_error=None)


def _login_page(form, status=200, error=None):
    return render("auth/login.html", "login_form", status=status, form=form, error=error,
                  limit_error=None, **_login_options())


def _login_options() -> dict:
    return {"password_login": _password_login(),
            "oidc_name": oidc.provider_name() if oidc.enabled() else None}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if request.method == "POST" and not _password_login():
        refuse(403, _("Password sign-in is turned off here. Use the sign-in button on the "
                      "sign-in page."))
    if not form.validate_on_submit():
        return _login_page(form, 422 if form.errors else 200)
    user = User.by_email(form.email.data)
    try:
        attempt = limits.begin(form.email.data, sessions.client_address(),
                               spared_address=user.last_sign_in_address if user else None)
    except limits.TooManyAttempts as exc:
        return limits.refused("auth/login.html", "login_form", exc, form=form, error=None,
                              **_login_options())
    if services.check_password(user, form.password.data) and user.active:
        limits.succeeded(attempt)
        # Not through the ORM: that would move the user's version and make an
        # administrator's open edit form look outdated.
        db.session.execute(update(User).where(User.id == user.id)
                           .values(last_sign_in_address=attempt.address))
        sessions.sign_in(user)
        db.session.commit()
        return redirect_htmx(_safe_next(request.args.get("next")))
    # The same words whether the account exists, is deactivated or the password is wrong.
    return _login_page(form, 422, _("Wrong email or password."))


@bp.post("/logout")
def logout():
    through_proxy = trusted_header.asserted_email() is not None
    sessions.end_current()
    db.session.commit()
    session.clear()
    # Behind a signing-in proxy, our sign-in page would sign the user straight back in:
    # the proxy's own sign-out ends its session too.
    logout_url = current_app.config["CLIENTAPP_TRUSTED_LOGOUT_URL"]
    if through_proxy and logout_url:
        return redirect_htmx(logout_url)
    return redirect_htmx(url_for("auth.login"))


@bp.post("/locale")
def set_locale():
    locale = request.form.get("locale", "")
    if locale not in LANGUAGE_NAMES:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    # `next` is the page the switch was on (a path on this site, checked like sign-in's).
    return redirect_htmx(_safe_next(request.form.get("next")))


# --- OpenID Connect ----------------------------------------------------------------------

def _oidc_failed(reason):
    log.warning("OpenID Connect sign-in refused: %s", reason)
    return error_page(403, _("Sign-in with %(name)s failed. Try again, or ask your "
                             "administrator.", name=oidc.provider_name()),
                      title=_("Sign-in failed"))


@bp.get("/login/oidc")
def oidc_login():
    if not oidc.enabled():
        abort(404)
    session["oidc_next"] = local_path(request.args.get("next")) or ""
    try:
        return oidc.authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except oidc.SignInRefused as exc:
        return _oidc_failed(exc)


@bp.get("/login/oidc/callback")
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    try:
        email, name = oidc.verified_identity()
    except oidc.SignInRefused as exc:
        return _oidc_failed(exc)
    refused = sign_in_identity(email, name, current_app.config["CLIENTAPP_OIDC_AUTO_CREATE"],
                               "OpenID Connect")
    if refused is not None:
        return refused
    return redirect(_safe_next(session.pop("oidc_next", None)))


# --- Reset links -------------------------------------------------------------------------

def _link_not_usable(problem: reset_links.LinkProblem):
    messages = {
        reset_links.LinkProblem.USED: _("This link has already been used."),
        reset_links.LinkProblem.EXPIRED: _("This link has expired: links work for 24 hours."),
        reset_links.LinkProblem.UNKNOWN: _("This link is not valid. Check that you copied "
                                           "all of it."),
    }
    return error_page(404 if problem == reset_links.LinkProblem.UNKNOWN else 410,
                      messages[problem] + " " + _("Ask an administrator for a new link."),
                      title=_("This password link cannot be used"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if not _password_login():
        abort(404)
    form = NewPasswordForm()
    try:
        # Every address may open a few wrong links; a right one never counts.
        attempt = limits.begin("password reset link", sessions.client_address(),
                               account_backoff=False)
    except limits.TooManyAttempts as exc:
        return limits.refused("auth/reset.html", "reset_form", exc, form=form, token=token,
                              done=False)
    try:
        reset = reset_links.check(token)
        limits.forget(attempt)
        form.password_owner = db.session.get(User, reset.user_id)
        if form.validate_on_submit():
            reset_links.set_password(token, form.new_password.data)
            db.session.commit()
            return render("auth/reset.html", "reset_form", form=form, token=token, done=True,
                          limit_error=None)
    except reset_links.LinkNotUsable as exc:
        db.session.rollback()
        return _link_not_usable(exc.problem)
    db.session.commit()  # the attempt forgotten
    return render("auth/reset.html", "reset_form", status=422 if form.errors else 200,
                  form=form, token=token, done=False, limit_error=None)
