"""Background jobs: long work done outside the request, its state kept in a database row.

A job's table carries the columns of JobColumns (models.py). The lifecycle (lifecycle.py)
is the same for every kind of job: queued once (a conditional UPDATE, so of two clicks one
wins), claimed by one worker (another conditional UPDATE that sets its token), run in a
thread of the process that queued it, beating while it runs (every commit of the work
moves heartbeat_at and the rows done), and finished, failed or, when its worker dies and
stops beating, recovered at start-up or by `clientapp recover-jobs`. Nothing lives in the
thread: every worker process and every tab reads the same row.
"""
from .lifecycle import (JobFailure, Lost, beat, claim, fail, finish, is_stale, queue,
                        recover_stale, register, start)
from .models import ACTIVE_STATES, RERUN_STATES, JobColumns, JobState

__all__ = ["ACTIVE_STATES", "RERUN_STATES", "JobColumns", "JobFailure", "JobState", "Lost",
           "beat", "claim", "fail", "finish", "is_stale", "queue", "recover_stale", "register", "start"]
