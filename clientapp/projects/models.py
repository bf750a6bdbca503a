"""Projects: the work done for a client, on dates, staffed by staff members."""
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (Date, ForeignKey, Index, Integer, String, Text, Time, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import search
from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db
from ..text import fold

NAME_MAX = 200
LOCATION_MAX = 2000
NOTES_MAX = 20000


class ProjectStatus(StrEnum):
    UPCOMING = "upcoming"
    ONGOING = "ongoing"
    PAST = "past"
    ARCHIVED = "archived"


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        Index("ix_projects_client_start", "client_id", "start_date"),
        Index("ix_projects_archived_start", "archived_at", "start_date", "id"),
        Index("ix_projects_archived_end", "archived_at", "end_date", "id"),
        Index("ix_projects_archived_name", "archived_at", "name_key", "id"),
        # The calendar (the projects that end from a day on and start by another) and the
        # projects list's Ongoing tab (its range of end dates, start dates checked in it).
        Index("ix_projects_calendar", "archived_at", "end_date", "start_date"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # RESTRICT: the database itself refuses to delete a client that still has projects.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=True)
    # A project runs from start_date to end_date, both days included; the times, when
    # given, are the start time on the first day and the end time on the last.
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)  # notes to staff
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    # Kept in step by the listener below: the folded name sorts, search_text holds the
    # name, the location and the client's name (refreshed when the client is renamed).
    name_key: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    client = relationship("Client", back_populates="projects")
    assignments = relationship("Assignment", back_populates="project",
                               cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def status(self, today: date) -> ProjectStatus:
        """Where the project stands on `today` (the day in CLIENTAPP_TIMEZONE or the
        user's zone): archived first; a project without dates counts as upcoming."""
        if self.archived_at is not None:
            return ProjectStatus.ARCHIVED
        if self.start_date is None or self.start_date > today:
            return ProjectStatus.UPCOMING
        if (self.end_date or self.start_date) < today:
            return ProjectStatus.PAST
        return ProjectStatus.ONGOING

    def refresh_keys(self) -> None:
        self.name_key = fold(self.name)[:NAME_MAX]
        client_name = self.client.name if self.client is not None else None
        self.search_text = search.search_text(self.name, self.location, client_name)


search.register(Project.__tablename__)


@event.listens_for(Project, "before_insert")
@event.listens_for(Project, "before_update")
def _keys(mapper, connection, target: Project):
    target.refresh_keys()


class Assignment(db.Model):
    """A staff member working a project."""

    __tablename__ = "project_staff"
    __table_args__ = (Index("ix_project_staff_staff", "staff_id", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    # RESTRICT: a staff member who works a project is deactivated, never deleted.
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="RESTRICT"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    project = relationship("Project", back_populates="assignments")
    staff = relationship("StaffMember", back_populates="assignments")
