from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Index, Integer, String, func, select
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
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "manager")

    @staticmethod
    def by_email(email: str):
        return db.session.scalar(select(User).where(User.email == email.strip().lower()))

    @staticmethod
    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(User))


class LoginAttempt(db.Model):
    """A failed sign-in, kept in the database so the limit holds across worker processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
