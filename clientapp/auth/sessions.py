"""Sessions kept on the server, so that signing out really ends one.

The signed cookie carries the user's id (Flask-Login's `_user_id`) and the id of a
user_sessions row; a request is signed in only while that row exists, belongs to that user,
who is active, and was used within CLIENTAPP_SESSION_IDLE_HOURS. Signing out deletes the
row, so a cookie copied before is worth nothing; a password change, a reset link, a
deactivation delete the user's rows.
"""
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update

from ..extensions import db
from ..db.time import utcnow
from .models import User, UserSession

SESSION_KEY = "_session"
# last_seen_at is written at most this often: a read stays one indexed lookup.
TOUCH_EVERY = timedelta(minutes=1)


def _idle_limit() -> timedelta:
    return timedelta(hours=current_app.config["CLIENTAPP_SESSION_IDLE_HOURS"])


def client_address() -> str:
    """The visitor's address (with CLIENTAPP_PROXY_FIX, the one the proxy saw)."""
    return (request.remote_addr or "unknown")[:64]


def sign_in(user: User) -> UserSession:
    """Open a session for `user` in this browser (a new id, ending the one it had). Flushes;
    the caller commits."""
    end_current()
    now = utcnow()
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now,
                      last_seen_at=now, address=client_address(),
                      user_agent=(request.user_agent.string or "")[:255])
    db.session.add(row)
    # Sessions nobody used for the idle time are dead already; clearing them here keeps the
    # table small without a scheduled job.
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < now - _idle_limit()))
    db.session.flush()
    login_user(user)
    session[SESSION_KEY] = row.id
    session.permanent = False
    return row


def load(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of this cookie's session, if it is still live."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    now = utcnow()
    found = db.session.execute(
        select(User, UserSession.last_seen_at < now - TOUCH_EVERY)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == token, User.id == int(user_id), User.active.is_(True),
               UserSession.last_seen_at >= now - _idle_limit())
    ).first()
    if found is None:
        return None
    user, stale = found
    if stale:
        # Loaded before the view runs (auth.init_app), so nothing else is pending here.
        db.session.execute(update(UserSession).where(UserSession.id == token)
                           .values(last_seen_at=now))
        db.session.commit()
    return user


def current_id() -> str | None:
    return session.get(SESSION_KEY)


def end_current() -> None:
    """Sign this browser out: its row goes, and with it every copy of its cookie. Flushes."""
    token = session.pop(SESSION_KEY, None)
    if token:
        db.session.execute(delete(UserSession).where(UserSession.id == token))
    logout_user()


def revoke(user: User, keep: str | None = None) -> int:
    """End every session of `user` (but `keep`); how many ended. Flushes."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query).rowcount


def of_user(user: User) -> list[UserSession]:
    """The user's live sessions, the most recently used first."""
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id,
               UserSession.last_seen_at >= utcnow() - _idle_limit())
        .order_by(UserSession.last_seen_at.desc())
    ).all()


def signed_in_client(app, user_id: int, **environ):
    """A test client of `app` signed in as `user_id` the way the app signs people in (a
    session row, and its cookie): sessions live in the database, so a cookie made by hand
    is not enough. For the tests and the benches; `environ` sets the sign-in request's
    (REMOTE_ADDR, HTTP_USER_AGENT)."""
    from .models import User

    client = app.test_client()
    with app.test_request_context(environ_base=environ or None):
        sign_in(db.session.get(User, user_id))
        db.session.commit()
        values = dict(session)
    with client.session_transaction() as sess:
        sess.update(values)
    return client
