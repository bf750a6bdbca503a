"""My account: every user's own name, email, language, time zone, password and sessions."""
from flask import Blueprint, current_app, request, session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth import limits, sessions
from ..auth.forms import email_taken
from ..auth.models import User
from ..auth.services import check_password, hash_password
from ..errors import refuse
from ..extensions import db
from ..htmx import redirect_htmx, render
from .forms import EmailChangeForm, PasswordChangeForm, ProfileForm

bp = Blueprint("account", __name__, url_prefix="/account")

PAGE = "account/index.html"


def _context(**ctx) -> dict:
    """What the page needs: the user, their sessions, the three forms (fresh unless given)."""
    user = current_user._get_current_object()
    if "profile_form" not in ctx:
        ctx["profile_form"] = ProfileForm(obj=user, formdata=None)
        ctx["profile_form"].locale.data = user.locale or str(get_locale())
    ctx.setdefault("email_form", EmailChangeForm(formdata=None))
    ctx.setdefault("password_form", PasswordChangeForm(formdata=None))
    # The section that answered shows its message (a page without htmx has all four).
    ctx.setdefault("section", None)
    ctx.setdefault("done", None)
    ctx.setdefault("saved", False)
    return {**ctx, "user": user, "sessions": sessions.of_user(user),
            "current_session": sessions.current_id(),
            "idle_hours": current_app.config["CLIENTAPP_SESSION_IDLE_HOURS"]}


def _page(block: str, status: int = 200, **ctx):
    """The page, or one of its sections for htmx."""
    return render(PAGE, block, status=status, limit_error=None, **_context(**ctx))


@bp.get("")
def show():
    return _page("account_page", saved=request.args.get("saved") == "1")


@bp.post("/profile")
def save_profile():
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _page("profile_section", 422, profile_form=form)
    user.name = form.name.data.strip()
    user.locale = form.locale.data
    user.timezone = form.timezone.data or None
    db.session.commit()
    session["locale"] = user.locale
    # The language may have changed: the whole page again, in it.
    return redirect_htmx(url_for("account.show", saved=1))


def _wrong_password(user: User, field, message: str, section: str, **forms):
    """None when `field` holds the user's password, checked under the sign-in limits (the
    same counts as the sign-in page); else the section again, with `message` on the field
    or the limit's own."""
    block = f"{section}_section"
    try:
        attempt = limits.begin(user.email, sessions.client_address(),
                               spared_address=user.last_sign_in_address)
    except limits.TooManyAttempts as exc:
        return limits.refused(PAGE, block, exc, **_context(section=section, **forms))
    if not check_password(user, field.data):
        field.errors.append(message)
        return _page(block, 422, **forms)
    limits.succeeded(attempt)
    return None


def _checked_form(form, section: str):
    """The section again (422) when the form or the user's lack of a password stops it."""
    if not current_user.has_password:
        refuse(403, _("You have no password here: you sign in through your organisation."))
    if not form.validate_on_submit():
        return _page(f"{section}_section", 422, **{f"{section}_form": form})
    return None


@bp.post("/email")
def change_email():
    user = current_user._get_current_object()
    form = EmailChangeForm()
    form.user_id = user.id
    refused = _checked_form(form, "email") or _wrong_password(
        user, form.password, _("This is not your password."), "email", email_form=form)
    if refused:
        return refused
    user.email = form.email.data
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        email_taken(form)
        return _page("email_section", 422, email_form=form)
    return _page("email_section", section="email",
                 done=_("Your email is now %(email)s.", email=user.email))


@bp.post("/password")
def change_password():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    form.password_owner = user
    refused = _checked_form(form, "password") or _wrong_password(
        user, form.current_password, _("This is not your current password."), "password",
        password_form=form)
    if refused:
        return refused
    user.password_hash = hash_password(form.new_password.data)
    ended = sessions.revoke(user, keep=sessions.current_id())
    db.session.commit()
    message = _("Your password is changed.")
    if ended:
        message += " " + _("Your other sessions are signed out.")
    return _page("password_section", section="password", done=message)


@bp.post("/sessions/sign-out-others")
def sign_out_others():
    user = current_user._get_current_object()
    sessions.revoke(user, keep=sessions.current_id())
    db.session.commit()
    return _page("sessions_section", section="sessions",
                 done=_("Your other sessions are signed out."))

