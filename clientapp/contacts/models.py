from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db

NAME_MAX = 100
JOB_TITLE_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 50
NOTES_MAX = 5000


class Contact(db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_client_id", "client_id", "id"),
        # One primary contact per client, whatever two writers do at once.
        Index("uq_contacts_client_primary", "client_id", unique=True,
              sqlite_where=text("is_primary"), postgresql_where=text("is_primary")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    last_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    job_title: Mapped[str | None] = mapped_column(String(JOB_TITLE_MAX), nullable=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    mobile: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        """First and last name; the email when an import gave no name."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) \
            or (self.email or "")
