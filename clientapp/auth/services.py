"""Passwords: the rule, hashing and checking; making a user."""
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..extensions import db
from .models import User

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["CLIENTAPP_ARGON2_TIME_COST"],
        memory_cost=cfg["CLIENTAPP_ARGON2_MEMORY_KIB"],
        parallelism=1,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# A hash of nothing, checked when the account does not exist so a wrong email takes as long
# as a wrong password and the timing does not reveal which accounts exist.
_DUMMY = {}


def check_password(user: User | None, password: str) -> bool:
    hasher = _hasher()
    if user is None or not user.has_password:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash(secrets.token_hex(8))
        try:
            hasher.verify(_DUMMY[key], password)
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(name: str, email: str, password: str | None, role: str) -> User:
    """A new active user; without a password (signed in by a proxy or an identity
    provider) until a reset link gives one. Flushes."""
    user = User(name=name.strip(), email=email.strip().lower(), role=role,
                password_hash=hash_password(password) if password else "", active=True)
    db.session.add(user)
    db.session.flush()
    return user
