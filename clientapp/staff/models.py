from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import search
from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db
from ..text import fold

NAME_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 50
ROLE_MAX = 200


class StaffMember(db.Model):
    __tablename__ = "staff"
    __table_args__ = (
        Index("ix_staff_active_name", "active", "name_key", "id"),
        Index("ix_staff_import_job_id", "import_job_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX), nullable=True)
    role: Mapped[str | None] = mapped_column(String(ROLE_MAX), nullable=True)  # or skill
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    # The import that created this staff member: "Undo import" removes exactly these.
    import_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="SET NULL"), nullable=True)

    name_key: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    assignments = relationship("Assignment", back_populates="staff", passive_deletes="all")

    __mapper_args__ = {"version_id_col": version}

    def refresh_keys(self) -> None:
        self.name_key = fold(self.name)[:NAME_MAX]
        self.search_text = search.search_text(self.name, self.email, self.phone, self.role)


search.register(StaffMember.__tablename__)


@event.listens_for(StaffMember, "before_insert")
@event.listens_for(StaffMember, "before_update")
def _keys(mapper, connection, target: StaffMember):
    target.refresh_keys()
