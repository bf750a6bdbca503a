from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..auth.models import User
from ..auth.services import create_user
from ..errors import refuse
from ..extensions import db
from ..htmx import redirect_htmx, render
from ..security import role_required
from .forms import RoleForm, UserForm, role_choices

bp = Blueprint("users", __name__, url_prefix="/users")


def _users():
    return db.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.name))).all()


def _other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id))


@bp.get("")
@role_required("admin")
def list_users():
    return render("users/list.html", "users_page", users=_users(), form=UserForm(),
                  roles=role_choices())


@bp.post("")
@role_required("admin")
def create():
    form = UserForm()
    if form.validate_on_submit():
        create_user(form.name.data, form.email.data, form.password.data, form.role.data)
        return redirect_htmx(url_for("users.list_users"))
    return render("users/list.html", "users_page", status=422, users=_users(), form=form,
                  roles=role_choices())


@bp.post("/<id:user_id>/role")
@role_required("admin")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if user.role == "admin" and form.role.data != "admin" and _other_active_admins(user) == 0:
        refuse(409, _("The last active administrator cannot lose that role."))
    user.role = form.role.data
    db.session.commit()
    return redirect_htmx(url_for("users.list_users"))


@bp.post("/<id:user_id>/deactivate")
@role_required("admin")
def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        refuse(409, _("You cannot deactivate your own account."))
    if user.role == "admin" and _other_active_admins(user) == 0:
        refuse(409, _("The last active administrator cannot be deactivated."))
    # Deactivation, not deletion: everything the user made keeps its author.
    user.active = False
    db.session.commit()
    return redirect_htmx(url_for("users.list_users"))


@bp.post("/<id:user_id>/activate")
@role_required("admin")
def activate(user_id: int):
    user = db.get_or_404(User, user_id)
    user.active = True
    db.session.commit()
    return redirect_htmx(url_for("users.list_users"))
