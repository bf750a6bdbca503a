"""Passwords: the rule, hashing and checking; making a user."""
import re
import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..extensions import db
from .models import User

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5
# Rows of keys and runs of digits or letters: a password made of one is guessed first.
_SEQUENCES = ("01234567890", "09876543210", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop",
              "azertyuiop", "asdfghjkl", "qsdfghjklm", "zxcvbnm", "wxcvbn")
# Long enough for the length rule, and among the first that every guessing list tries.
_COMMON = frozenset({
    "password123", "password1234", "password12345", "passw0rd123", "motdepasse",
    "motdepasse1", "motdepasse123", "iloveyou123", "welcome123", "bienvenue1",
    "bienvenue123", "changeme123", "letmein1234", "administrator", "admin12345",
    "adminadmin", "football123", "sunshine123", "princess123", "trustno1234",
    "soleil1234", "monkey12345", "dragon12345", "baseball123", "superman123",
    "clientapp123", "1q2w3e4r5t", "1qaz2wsx3edc", "zaq12wsxcde", "qazwsxedc123",
})


class PasswordProblem(StrEnum):
    SHORT = "short"
    REPETITIVE = "repetitive"
    COMMON = "common"
    PERSONAL = "personal"


def password_problem(password: str, *personal: str | None) -> PasswordProblem | None:
    """Why `password` is too easy to guess, or None. `personal` are the user's name and
    email, which must not make up most of it."""
    folded = (password or "").lower()
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return PasswordProblem.SHORT
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return PasswordProblem.REPETITIVE
    bare = "".join(ch for ch in folded if ch.isalnum())
    if folded in _COMMON or bare in _COMMON or any(bare in run for run in _SEQUENCES):
        return PasswordProblem.COMMON
    for value in personal:
        value = (value or "").lower()
        local = value.split("@")[0]
        for word in {value, local, *re.split(r"[\W_]+", local)}:
            if len(word) >= 4 and word in folded and len(folded) - len(word) < 6:
                return PasswordProblem.PERSONAL
    return None


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
