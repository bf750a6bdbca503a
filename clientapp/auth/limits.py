"""How many passwords may be tried, and from where.

The rule (README, "Sign-in limits"), within CLIENTAPP_LOGIN_WINDOW_SECONDS:
- one account from one address: CLIENTAPP_LOGIN_MAX_FAILURES failures, then that pair waits
  until the oldest of them leaves the window. A stranger who guesses an account's password
  locks only himself out: the real user, from another address, is not affected;
- one address, whatever the accounts: CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS;
- one account from every address together: past CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_AFTER
  failures, each further try waits after the last failure 1 s, then 2, 4… up to
  CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_MAX_SECONDS. That slows guesses spread over many
  addresses without ever locking the account; the address the user last signed in from
  is spared.

An attempt is counted with the others and written before its password is checked, in one
transaction no other attempt can interleave with (SQLite's write lock, taken at once by
db.sqlite.write_lock; a PostgreSQL advisory lock) and committed before the check: whatever the
parallelism and however many worker processes, no password is checked past a limit. A right password deletes its attempt
and the pair's failures; a wrong one leaves the attempt as a failure. Refused attempts are
not written, so hammering a locked pair does not extend its lock.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import format_datetime, gettext as _, ngettext
from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.exc import OperationalError

from ..errors import refuse
from ..extensions import db
from ..htmx import render
from ..db.sqlite import write_lock
from ..db.time import utcnow
from .models import LoginAttempt

_LOCK_ID = 741_852_964  # any constant: the advisory lock that serialises attempts
LOCK_WAIT_MS = 30_000


class TooManyAttempts(Exception):
    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


@dataclass
class Attempt:
    id: int
    account: str
    address: str


@contextmanager
def _serialised():
    """A transaction of its own that no other attempt runs beside, committed at the end.

    It ends the request's transaction first, which must have written nothing yet: each
    request then holds one connection at a time, and a burst of attempts cannot take the
    whole pool while each waits for a second connection."""
    db.session.commit()
    try:
        with write_lock(LOCK_WAIT_MS):  # SQLite: BEGIN IMMEDIATE, waited for longer
            conn = db.session.connection()
        if conn.dialect.name != "sqlite":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_ID)))
    except OperationalError:  # waited LOCK_WAIT_MS in vain
        db.session.rollback()
        refuse(503, _("Too many people are signing in at this moment. Try again in a minute."))
    try:
        yield conn
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def _wait_for(conn, condition, limit: int, window: timedelta, now) -> int:
    """Seconds until fewer than `limit` attempts match `condition` in the window."""
    if limit <= 0:
        return 0
    times = conn.execute(select(LoginAttempt.at).where(condition, LoginAttempt.at > now - window)
                         .order_by(LoginAttempt.at.desc()).limit(limit)).scalars().all()
    if len(times) < limit:
        return 0
    return max(1, int((times[-1] + window - now).total_seconds()) + 1)


def _account_backoff(conn, account: str, window: timedelta, now) -> int:
    cfg = current_app.config
    after = cfg["CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_AFTER"]
    count, last = conn.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(LoginAttempt.email == account, LoginAttempt.at > now - window)).one()
    if after <= 0 or count < after:
        return 0
    delay = min(cfg["CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_MAX_SECONDS"], 2 ** min(count - after, 30))
    return max(0, int((last + timedelta(seconds=delay) - now).total_seconds() + 0.999))


def begin(account: str, address: str, spared_address: str | None = None,
          account_backoff: bool = True) -> Attempt:
    """Write an attempt at `account`'s password from `address`, or raise TooManyAttempts
    with the seconds to wait. `spared_address` escapes the per-account backoff; so does
    every address without `account_backoff` (for a pseudo-account shared by everyone).
    Commits: call it before the request writes anything."""
    cfg = current_app.config
    account = (account or "").strip().lower()[:254]
    address = address[:64]
    window = timedelta(seconds=cfg["CLIENTAPP_LOGIN_WINDOW_SECONDS"])
    with _serialised() as conn:
        now = utcnow()
        conn.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - window))
        waits = [
            _wait_for(conn, and_(LoginAttempt.email == account, LoginAttempt.address == address),
                      cfg["CLIENTAPP_LOGIN_MAX_FAILURES"], window, now),
            _wait_for(conn, LoginAttempt.address == address,
                      cfg["CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS"], window, now),
        ]
        if account_backoff and address != spared_address:
            waits.append(_account_backoff(conn, account, window, now))
        if max(waits) > 0:
            raise TooManyAttempts(max(waits))
        attempt_id = conn.execute(insert(LoginAttempt).values(email=account, address=address, at=now)
                                  .returning(LoginAttempt.id)).scalar_one()
    return Attempt(attempt_id, account, address)


def succeeded(attempt: Attempt) -> None:
    """The password was right: the attempt and the pair's earlier failures are forgotten
    (failures from other addresses stay: they were someone else's). Flushes."""
    db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.email == attempt.account, LoginAttempt.address == attempt.address))


def forget(attempt: Attempt) -> None:
    """The attempt turned out not to be a guess (a reset link that works). Flushes."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt.id))


def wait_message(wait: int) -> str:
    if wait < 60:
        return ngettext("Too many failed attempts. Try again in %(num)s second.",
                        "Too many failed attempts. Try again in %(num)s seconds.", wait)
    minutes = (wait + 59) // 60
    return ngettext("Too many failed attempts. Try again in %(num)s minute (at %(time)s).",
                    "Too many failed attempts. Try again in %(num)s minutes (at %(time)s).",
                    minutes, time=format_datetime(utcnow() + timedelta(seconds=wait), "short"))


def refused(template: str, block: str, exc: TooManyAttempts, **ctx):
    """The form again, with the limit's message in place of its errors, as a 429."""
    response = render(template, block, status=429, limit_error=wait_message(exc.wait), **ctx)
    response.headers["Retry-After"] = str(exc.wait)
    return response
