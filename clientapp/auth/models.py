from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db

ROLES = ("admin", "manager", "viewer")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Stored lower-cased: sign-in and uniqueness ignore case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Empty for users created by a trusted proxy or an identity provider: no password
    # signs them in until an administrator gives them a reset link.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # An IANA name ("Europe/Paris"); None means the instance's CLIENTAPP_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Where the user last signed in with the right password: the sign-in limit's slower
    # per-account backoff never applies there (see limits.py).
    last_sign_in_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: an administrator's edit made on an old copy is refused (409).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "manager")

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @staticmethod
    def by_email(email: str):
        return db.session.scalar(select(User).where(User.email == email.strip().lower()))

    @staticmethod
    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(User))


class LoginAttempt(db.Model):
    """A password check: in flight, or failed. Kept in the database so the limit holds
    across worker processes (see limits.py)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The account the password was tried on (the email typed, lower-cased).
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(db.Model):
    """A signed-in browser. The signed session cookie carries the id; the session is good
    only while this row exists and has been used within CLIENTAPP_SESSION_IDLE_HOURS."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("ix_user_sessions_user_id", "user_id"),
        Index("ix_user_sessions_last_seen_at", "last_seen_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    @property
    def browser(self) -> str:
        """"Firefox on Windows": what a person recognises of a User-Agent string."""
        agent = self.user_agent or ""
        name = next((label for token, label in _BROWSERS if token in agent), "")
        system = next((label for token, label in _SYSTEMS if token in agent), "")
        return " · ".join(part for part in (name, system) if part) or agent[:60]


# First match wins: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


class PasswordReset(db.Model):
    """A one-time link an administrator passed on. Only the token's SHA-256 is kept, so the
    database alone never holds a usable link."""

    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_user_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
