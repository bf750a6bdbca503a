"""Password hashing, the sign-in limit and the one-time setup code."""
import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from .models import LoginAttempt, User, utcnow

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
    if user is None:
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


def create_user(name: str, email: str, password: str, role: str) -> User:
    user = User(name=name.strip(), email=email.strip().lower(), role=role,
                password_hash=hash_password(password), active=True)
    db.session.add(user)
    db.session.commit()
    return user


def retry_after(email: str, address: str) -> int:
    """Seconds until a sign-in may be tried again; 0 when it may be tried now."""
    cfg = current_app.config
    window = timedelta(seconds=cfg["CLIENTAPP_LOGIN_WINDOW_SECONDS"])
    since = utcnow() - window
    worst = 0
    for column, value, limit in (
        (LoginAttempt.email, email.strip().lower(), cfg["CLIENTAPP_LOGIN_MAX_FAILURES"]),
        (LoginAttempt.address, address, cfg["CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ):
        times = db.session.scalars(
            select(LoginAttempt.at).where(column == value, LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc()).limit(limit)
        ).all()
        if len(times) >= limit:
            oldest = times[-1]
            worst = max(worst, int((oldest + window - utcnow()).total_seconds()) + 1)
    return worst


def record_failure(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=email.strip().lower()[:254], address=address[:64]))
    # Old rows serve no limit any more; trimming here keeps the table small without a cron.
    cutoff = utcnow() - timedelta(days=1)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    db.session.commit()


def clear_failures(email: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email.strip().lower()))
    db.session.commit()


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _setup_code_path() -> Path:
    return Path(current_app.instance_path) / "setup_code"


def setup_code_required() -> bool:
    """A code is asked for unless both the server and the visitor are on this machine."""
    from flask import request

    return not (is_loopback(current_app.config["CLIENTAPP_LISTEN_HOST"])
                and is_loopback(request.remote_addr))


def ensure_setup_code() -> str:
    """The one-time code that claims a fresh instance, kept in a file all workers read."""
    path = _setup_code_path()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    code = secrets.token_hex(4).upper()
    path.write_text(code)
    path.chmod(0o600)
    return code


def setup_code_matches(given: str) -> bool:
    path = _setup_code_path()
    if not path.exists():
        return False
    return secrets.compare_digest(path.read_text().strip(), (given or "").strip().upper())


def forget_setup_code() -> None:
    _setup_code_path().unlink(missing_ok=True)
