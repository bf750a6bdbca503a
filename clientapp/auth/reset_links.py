"""One-time links an administrator makes for a user who forgot the password.

The link carries a random token; the database keeps its SHA-256 only. A link works once
(the first use marks it used in one conditional UPDATE, so two tabs cannot both use it),
for RESET_LINK_LIFETIME. Making a link ends the user's sessions and every earlier link.
"""
import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, update

from ..extensions import db
from . import sessions
from ..db.time import utcnow
from .models import PasswordReset, User
from .services import hash_password

RESET_LINK_LIFETIME = timedelta(hours=24)


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"  # never made, mistyped or tampered with
    USED = "used"
    EXPIRED = "expired"


class LinkNotUsable(Exception):
    def __init__(self, problem: LinkProblem):
        super().__init__(problem)
        self.problem = problem


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def make_link(user: User, made_by: User) -> tuple[str, PasswordReset]:
    """A new link for `user` (the raw token, shown once, and its row). Flushes."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    sessions.revoke(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    reset = PasswordReset(token_hash=_digest(token), user_id=user.id, created_by_id=made_by.id,
                          created_at=now, expires_at=now + RESET_LINK_LIFETIME)
    db.session.add(reset)
    db.session.flush()
    return token, reset


def check(token: str) -> PasswordReset:
    """The link's row while it can be used; LinkNotUsable says why not."""
    reset = db.session.get(PasswordReset, _digest(token or ""))
    if reset is None:
        raise LinkNotUsable(LinkProblem.UNKNOWN)
    user = db.session.get(User, reset.user_id)
    if user is None or not user.active:
        raise LinkNotUsable(LinkProblem.UNKNOWN)
    if reset.used_at is not None:
        raise LinkNotUsable(LinkProblem.USED)
    if reset.expires_at <= utcnow():
        raise LinkNotUsable(LinkProblem.EXPIRED)
    return reset


def set_password(token: str, password: str) -> User:
    """Use the link: the user's new password, every session of theirs ended. Flushes."""
    reset = check(token)
    # Hashed before the link is claimed: the claim's write lock is not held while hashing.
    password_hash = hash_password(password)
    now = utcnow()
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == reset.token_hash, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another request used it a moment ago
        raise LinkNotUsable(LinkProblem.USED)
    user = db.session.get(User, reset.user_id)
    user.password_hash = password_hash
    sessions.revoke(user)
    db.session.flush()
    return user

