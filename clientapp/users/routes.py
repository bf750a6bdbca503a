"""The Users page (administrators): create, edit, deactivate, reactivate, reset links."""
from flask import Blueprint, current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..auth import reset_links
from ..auth.forms import email_taken
from ..auth.models import User
from ..auth.services import create_user
from ..extensions import db
from ..htmx import redirect_htmx, render
from ..security import role_required
from . import services
from .forms import EditUserForm, UserForm, role_labels

bp = Blueprint("users", __name__, url_prefix="/users")

LIST = "users/list.html"
EDIT = "users/edit.html"


def _users():
    return db.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.name))).all()


def _users_page(status: int = 200, form=None, error=None, done=None, reset_link=None):
    return render(LIST, "users_page", status=status, users=_users(), form=form or UserForm(),
                  roles=role_labels(), error=error, done=done, reset_link=reset_link,
                  password_login=current_app.config["CLIENTAPP_PASSWORD_LOGIN"])


@bp.get("")
@role_required("admin")
def list_users():
    return _users_page()


@bp.post("")
@role_required("admin")
def create():
    form = UserForm()
    if form.validate_on_submit():
        try:
            create_user(form.name.data, form.email.data, form.password.data, form.role.data)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            email_taken(form)
            return _users_page(422, form=form)
        return redirect_htmx(url_for("users.list_users"))
    return _users_page(422, form=form)


def _edit_page(user: User, form: EditUserForm, status: int = 200, conflict: bool = False):
    return render(EDIT, "user_form", status=status, user=user, form=form, conflict=conflict,
                  roles=role_labels())


@bp.get("/<id:user_id>/edit")
@role_required("admin")
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user)
    return _edit_page(user, form)


@bp.post("/<id:user_id>/edit")
@role_required("admin")
def save(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm()
    form.user_id = user.id
    # The form carries the version it was opened on: saving over a newer one would undo
    # another administrator's change without anyone knowing.
    if (form.version.data or "") != str(user.version):
        return _edit_page(user, form, 409, conflict=True)
    if not form.validate_on_submit():
        return _edit_page(user, form, 422)
    try:
        services.update_user(user, form.name.data, form.email.data, form.role.data)
        db.session.commit()
    except services.LastAdministrator:
        db.session.rollback()
        user = db.session.get(User, user_id)
        # The select goes back to the role the user keeps.
        form.role.data = user.role
        form.role.errors = [_("The last active administrator cannot lose that role.")]
        return _edit_page(user, form, 422)
    except StaleDataError:
        db.session.rollback()
        return _edit_page(db.session.get(User, user_id), form, 409, conflict=True)
    except IntegrityError:
        db.session.rollback()
        email_taken(form)
        return _edit_page(db.session.get(User, user_id), form, 422)
    if not current_user.is_admin:  # they took their own role away
        return redirect_htmx(url_for("dashboard.index"))
    return redirect_htmx(url_for("users.list_users"))


@bp.post("/<id:user_id>/deactivate")
@role_required("admin")
def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        return _users_page(409, error=_("You cannot deactivate your own account."))
    try:
        services.deactivate(user)
        db.session.commit()
    except services.LastAdministrator:
        db.session.rollback()
        return _users_page(409, error=_("The last active administrator cannot be deactivated."))
    return _users_page(done=_("%(name)s is deactivated and signed out.", name=user.name))


@bp.post("/<id:user_id>/activate")
@role_required("admin")
def activate(user_id: int):
    user = db.get_or_404(User, user_id)
    services.reactivate(user)
    db.session.commit()
    return _users_page(done=_("%(name)s can sign in again.", name=user.name))


@bp.post("/<id:user_id>/reset")
@role_required("admin")
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not current_app.config["CLIENTAPP_PASSWORD_LOGIN"]:
        return _users_page(409, error=_("Password sign-in is turned off here."))
    if user.id == current_user.id:
        return _users_page(409, error=_("Change your own password on My account."))
    if not user.active:
        return _users_page(409, error=_("Reactivate %(name)s first.", name=user.name))
    token, reset = reset_links.make_link(user, current_user)
    db.session.commit()
    link = url_for("auth.reset_password", token=token, _external=True)
    return _users_page(reset_link={"user": user, "url": link, "expires_at": reset.expires_at})
