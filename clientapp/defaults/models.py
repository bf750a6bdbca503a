from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db

NAME_MAX = 200
ADDRESS_MAX = 2000
NOTES_MAX = 20000
REASON_MAX = 1000
PARTS = ("location", "documents", "reports", "notes", "excluded")


class ClientDefaults(db.Model):
    """What a client's new projects start with (a row once someone set any of it)."""

    __tablename__ = "client_defaults"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    location_name: Mapped[str | None] = mapped_column(String(NAME_MAX), nullable=True)
    location_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    field_reports: Mapped[list] = mapped_column(JSON, default=list)  # template ids
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def location(self) -> str:
        """The default location as a project holds it: its name, then its address."""
        return "\n".join(part for part in (self.location_name, self.location_address) if part)


class Exclusion(db.Model):
    """A staff member who must never work this client's projects."""

    __tablename__ = "client_excluded_staff"
    __table_args__ = (UniqueConstraint("client_id", "staff_id"),
                      Index("ix_client_excluded_staff_staff", "staff_id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("StaffMember", lazy="joined")


class ProjectSettings(db.Model):
    """A project's own field reports and excluded staff (its location and notes are on the
    project), and which of the five values it changed from its client's defaults."""

    __tablename__ = "project_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    field_reports: Mapped[list] = mapped_column(JSON, default=list)  # template ids
    # [{"staff": id, "reason": text or None}]
    excluded: Mapped[list] = mapped_column(JSON, default=list)
    location_changed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    documents_changed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    reports_changed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    notes_changed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    excluded_changed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    def changed(self, part: str) -> bool:
        return getattr(self, f"{part}_changed")


class FieldReportTemplate(db.Model):
    """A named, ordered list of questions: [{"text", "type", "required", "options"}]."""

    __tablename__ = "field_report_templates"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    questions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version}
