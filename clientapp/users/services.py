"""Changing users, with the one rule that must hold whatever two administrators do at the
same moment: an active administrator remains."""
from sqlalchemy import func, select

from ..auth import sessions
from ..auth.models import User
from ..extensions import db


class LastAdministrator(Exception):
    """The change would leave no active administrator; nothing was changed."""


def _lock_administrators() -> None:
    # PostgreSQL: the active administrators' rows are locked, so a second change waits for
    # the first and then counts what it left. SQLite: the change's own write takes the
    # database's write lock before the count below, with the same effect.
    db.session.execute(select(User.id).where(User.role == "admin", User.active.is_(True))
                       .with_for_update()).all()


def _administrators_remain() -> None:
    db.session.flush()
    left = db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == "admin", User.active.is_(True)))
    if left == 0:
        raise LastAdministrator()


def update_user(user: User, name: str, email: str, role: str) -> None:
    """Flushes; LastAdministrator, or StaleDataError when someone saved the user meanwhile."""
    _lock_administrators()
    user.name = name.strip()
    user.email = email
    user.role = role
    _administrators_remain()


def deactivate(user: User) -> None:
    """Deactivation, not deletion: everything the user made keeps its author; their
    sessions end. Flushes; LastAdministrator."""
    _lock_administrators()
    user.active = False
    sessions.revoke(user)
    _administrators_remain()


def reactivate(user: User) -> None:
    user.active = True
    db.session.flush()
