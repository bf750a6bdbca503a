from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..htmx import redirect_htmx, render
from ..i18n import LANGUAGE_NAMES
from ..security import local_path
from . import services
from .forms import SetupForm, SignInForm
from .models import User, utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("dashboard.index")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if User.count() > 0:
        return redirect(url_for("auth.login"))
    form = SetupForm()
    code_required = services.setup_code_required()
    if code_required:
        code = services.ensure_setup_code()
        current_app.logger.warning("Clientapp setup code: %s", code)
    if form.validate_on_submit():
        if code_required and not services.setup_code_matches(form.setup_code.data):
            form.setup_code.errors.append(
                _("Enter the setup code printed in the server's log."))
        else:
            user = services.create_user(form.name.data, form.email.data,
                                        form.password.data, "admin")
            if session.get("locale"):
                user.locale = session["locale"]
                db.session.commit()
            services.forget_setup_code()
            login_user(user)
            return redirect_htmx(url_for("dashboard.index"))
    status = 422 if form.errors else 200
    return render("auth/setup.html", "setup_form", status=status, form=form,
                  code_required=code_required)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        wait = services.retry_after(form.email.data, address)
        if wait:
            retry_at = utcnow().timestamp() + wait
            when = format_datetime(datetime.fromtimestamp(retry_at, timezone.utc), "short")
            error = _("Too many failed attempts. Try again in %(minutes)s minutes (at %(time)s).",
                      minutes=max(1, (wait + 59) // 60), time=when)
            status = 429
            response = render("auth/login.html", "login_form", status=status, form=form,
                              error=error)
            response.headers["Retry-After"] = str(wait)
            return response
        user = User.by_email(form.email.data)
        if services.check_password(user, form.password.data) and user.active:
            services.clear_failures(form.email.data)
            login_user(user)
            session.permanent = False
            return redirect_htmx(_safe_next(request.args.get("next")))
        services.record_failure(form.email.data, address)
        # The same words whether the account exists, is deactivated or the password is wrong.
        error = _("Wrong email or password.")
        status = 422
    elif form.errors:
        status = 422
    return render("auth/login.html", "login_form", status=status, form=form, error=error)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
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
