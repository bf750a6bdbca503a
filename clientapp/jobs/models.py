"""The columns every job table has, and the states they move through."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db.types import UTCDateTime


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the work raised; what it wrote was taken back
    INTERRUPTED = "interrupted"  # its worker died (found by its stale heartbeat); taken back


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
RERUN_STATES = (JobState.FAILED, JobState.INTERRUPTED)


class JobColumns:
    """A job table's mixin. `state` is a String, not an Enum column, so that a kind of job
    may add states of its own (an import is "checked" before it is queued)."""

    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the claim's token
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why it failed, as a code and details (shown in the reader's language), never text.
    failure: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES
