from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_client_start", "client_id", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # RESTRICT: the database itself refuses to delete a client that still has projects.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client = relationship("Client", back_populates="projects")
