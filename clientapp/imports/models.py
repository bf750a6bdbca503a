"""An import job, its uploaded file, its checked rows and what the check found.

Everything lives in the database so that every worker process (and every tab) sees the same
state and progress, and so that a job survives the process that started it.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.time import utcnow
from ..db.types import UTCDateTime
from ..extensions import db
from ..jobs import JobColumns, JobState


class ImportState(StrEnum):
    """A job's life: checking (rows being stored) -> checked (a draft the user is fixing) ->
    queued -> running -> done -> undone; running may end failed (an error) or interrupted
    (its worker died, found by its stale heartbeat), both taken back and able to run again."""

    CHECKING = "checking"
    CHECKED = "checked"
    QUEUED = JobState.QUEUED.value
    RUNNING = JobState.RUNNING.value
    DONE = JobState.DONE.value
    FAILED = JobState.FAILED.value
    INTERRUPTED = JobState.INTERRUPTED.value
    UNDONE = "undone"


class ImportMode(StrEnum):
    CREATE = "create"  # "Create new clients only"
    UPDATE = "update"  # "Update clients matched by Code"


MODES = tuple(ImportMode)


class RowStatus(StrEnum):
    NEW = "new"
    UPDATE = "update"  # matched by code, something changes
    SAME = "same"  # matched by code, nothing changes
    ERROR = "error"
    SKIP = "skip"  # the user chose to leave it out
    # No code, and the name of a client we have: left out unless "Create them anyway".
    DUPLICATE = "duplicate"


class IssueKind(StrEnum):
    ERROR = "error"  # blocks the import
    WARNING = "warning"  # a name that looks like an existing client, or another row's
    CHANGE = "change"  # a field an update will change
    DUPLICATE = "duplicate"  # a row without a code named like an existing client


# JSON columns: SQL NULL for None, so "IS NULL" reads as it should.
JSONOrNull = JSON(none_as_null=True)


class ImportJob(JobColumns, db.Model):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_state_created", "state", "created_at"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=ImportState.CHECKED)
    mode: Mapped[str] = mapped_column(String(8), default=ImportMode.CREATE)
    # What the job imports: an ImportTarget's name (targets.py), clients or staff.
    target: Mapped[str] = mapped_column(String(16), default="clients", server_default="clients")
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default="csv")  # csv or xlsx
    # What the reader used, and what the user chose (None: found automatically).
    encoding: Mapped[str | None] = mapped_column(String(32), nullable=True)
    encoding_choice: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delimiter: Mapped[str | None] = mapped_column(String(4), nullable=True)
    delimiter_choice: Mapped[str | None] = mapped_column(String(4), nullable=True)
    headers: Mapped[list] = mapped_column(JSON, default=list)  # the header cells
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: column index}
    preview: Mapped[list] = mapped_column(JSON, default=list)  # the first decoded rows
    # Set when the file could not be checked with the current settings (shown on the page).
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)

    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    update_count: Mapped[int] = mapped_column(Integer, default=0)
    same_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)  # rows with an error
    warning_count: Mapped[int] = mapped_column(Integer, default=0)  # rows with a warning
    skip_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    # The user's choices: create the possible duplicates too; in update mode, whether an
    # empty cell keeps the client's value (True) or erases it.
    create_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_empty: Mapped[bool] = mapped_column(Boolean, default=True)

    # The outcome of the run (its progress and state are JobColumns').
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)

    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    undone_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    undo_report: Mapped[dict | None] = mapped_column(JSONOrNull, nullable=True)

    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User", foreign_keys=[created_by_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])

    @property
    def work_rows(self) -> int:
        """The rows a run goes through: all but the skipped ones (errors block a run) and
        the possible duplicates the user did not choose to create."""
        return (self.new_count + self.update_count + self.same_count
                + (self.duplicate_count if self.create_duplicates else 0))

    @property
    def percent(self) -> int:
        if self.state in (ImportState.DONE, ImportState.UNDONE):
            return 100
        if not self.work_rows:
            return 0
        return min(100, self.done_rows * 100 // self.work_rows)


class ImportFile(db.Model):
    """The uploaded bytes, kept while the job may be checked again with other settings.
    A table of its own so that updating a job's progress never rewrites the file."""

    __tablename__ = "import_files"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRow(db.Model):
    """One row of the file as checked: its cleaned values, the derived keys a client needs
    (so the import itself is a single INSERT ... SELECT), and what the check decided."""

    __tablename__ = "import_rows"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)  # where the row starts
    status: Mapped[str] = mapped_column(String(16))  # RowStatus
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    type: Mapped[str | None] = mapped_column(Text, nullable=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    code: Mapped[str | None] = mapped_column(Text, nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    phone: Mapped[str | None] = mapped_column(Text, nullable=True)
    name_key: Mapped[str] = mapped_column(Text, default="")
    code_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    match_key: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The client's primary contact (the file's contact columns).
    contact_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact_email: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The record matched by its key (update mode): a client by code, a staff member by
    # email. No foreign key: the row is a record of the file, and the record may be deleted
    # later without touching it.
    client_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # {field: value} of the client before the run changed it, for "Undo import".
    before: Mapped[dict | None] = mapped_column(JSONOrNull, nullable=True)


class ImportIssue(db.Model):
    """What the check says about a row: an error (blocks the import), a warning (a name that
    looks like an existing client), or a change (a field an update will change).

    Stored as a code and its details, not as text, so each reader sees it in their language."""

    __tablename__ = "import_issues"
    __table_args__ = (Index("ix_import_issues_job_kind_line", "job_id", "kind", "line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # IssueKind
    field: Mapped[str | None] = mapped_column(String(16), nullable=True)
    code: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict | None] = mapped_column(JSONOrNull, nullable=True)
