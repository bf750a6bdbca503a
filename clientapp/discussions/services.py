"""Reading and writing a project's team discussion. Services flush; routes commit."""
import secrets
from datetime import datetime

from blinker import Namespace
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..db.time import utcnow
from ..extensions import db
from ..projects.models import Project
from ..teams.models import ProjectTeamMember
from .models import BODY_MAX, Message, ReadMark

PAGE = 50

# Sent after a message is committed, with the message: where notifications (an email job,
# a push) plug in without the posting code knowing about them.
signals = Namespace()
message_posted = signals.signal("discussion-message-posted")


def new_send_key() -> str:
    return secrets.token_urlsafe(16)


def participants(project_id: int) -> list[ProjectTeamMember]:
    """The project's team, those in the discussion first, then by name."""
    from ..auth.models import User

    return db.session.scalars(
        select(ProjectTeamMember).join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_id == project_id)
        .order_by(ProjectTeamMember.in_discussions.desc(), User.name, User.id)).all()


def takes_part(project_id: int, user) -> bool:
    """Whether `user` may read and post: a team member in discussions, or an admin. Read
    on every request, so a member removed or switched out loses access at once."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return db.session.scalar(select(ProjectTeamMember.user_id).where(
        ProjectTeamMember.project_id == project_id, ProjectTeamMember.user_id == user.id,
        ProjectTeamMember.in_discussions.is_(True))) is not None


def check_body(body: str | None) -> tuple[str, str | None]:
    """The message's text as it will be kept, and the reason it is refused (or None)."""
    from flask_babel import format_decimal, gettext as _

    text = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        return text, _("Write a message before sending.")
    if len(text) > BODY_MAX:
        return text, _("A message is at most %(max)s characters (this one has %(count)s).",
                       max=format_decimal(BODY_MAX), count=format_decimal(len(text)))
    return text, None


def post(project_id: int, author_id: int, text: str, send_key: str | None) -> Message:
    """Add a message; the same send key from the same author gives back the message it
    made, so a double press or a retried request posts once."""
    if send_key:
        found = db.session.scalar(select(Message).where(
            Message.author_id == author_id, Message.send_key == send_key))
        if found is not None:
            return found
    message = Message(project_id=project_id, author_id=author_id, body=text,
                      send_key=send_key or None, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # The same key committed by a request running beside this one.
        return db.session.scalar(select(Message).where(
            Message.author_id == author_id, Message.send_key == send_key))
    return message


def edit(message: Message, text: str) -> None:
    message.body = text
    message.edited_at = message.changed_at = utcnow()
    db.session.flush()


def delete(message: Message) -> None:
    message.body = ""
    message.deleted_at = message.changed_at = utcnow()
    db.session.flush()


def changed_since(project_id: int, since: datetime, up_to: int) -> list[Message]:
    """Messages up to the id `up_to` edited or deleted after `since`: an open page shows
    them again as they are now."""
    return db.session.scalars(select(Message).where(
        Message.project_id == project_id, Message.changed_at > since, Message.id <= up_to)
        .order_by(Message.id).limit(200)).all()


def latest(project_id: int, before: int | None = None, limit: int = PAGE) -> tuple[list, bool]:
    """Up to `limit` messages before the id `before` (the latest when None), oldest first,
    and whether there are earlier ones (keyset on the id)."""
    query = select(Message).where(Message.project_id == project_id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = db.session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)).all()
    return list(reversed(rows[:limit])), len(rows) > limit


def since(project_id: int, after: int, limit: int = 200) -> list[Message]:
    return db.session.scalars(select(Message).where(
        Message.project_id == project_id, Message.id > after)
        .order_by(Message.id).limit(limit)).all()


def read_up_to(project_id: int, user_id: int) -> int:
    return db.session.scalar(select(ReadMark.last_read_id).where(
        ReadMark.project_id == project_id, ReadMark.user_id == user_id)) or 0


def mark_read(project_id: int, user_id: int, last_id: int) -> None:
    """Remember that `user_id` has read up to `last_id` (never backwards)."""
    if not last_id:
        return
    updated = db.session.execute(
        update(ReadMark).where(ReadMark.project_id == project_id, ReadMark.user_id == user_id,
                               ReadMark.last_read_id < last_id)
        .values(last_read_id=last_id)).rowcount
    if updated:
        return
    exists = db.session.get(ReadMark, (project_id, user_id))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReadMark(project_id=project_id, user_id=user_id,
                                        last_read_id=last_id))
        except IntegrityError:
            pass  # marked by another request of the same user at the same moment


def _unread_condition(user_id: int):
    return and_(
        Message.id > func.coalesce(ReadMark.last_read_id, 0),
        Message.deleted_at.is_(None),
        or_(Message.author_id.is_(None), Message.author_id != user_id))


def _mine(user_id: int):
    """The projects whose discussion `user_id` takes part in as a team member."""
    return select(ProjectTeamMember.project_id).where(
        ProjectTeamMember.user_id == user_id, ProjectTeamMember.in_discussions.is_(True))


UNREAD_SHOWN = 99  # the sidebar says "99+" past this: every page asks, so it counts no further

# Built once: every page asks for this count, and building and keying the statement cost
# more than the database takes to answer it.
_USER = bindparam("user_id")
_UNREAD_TOTAL = select(func.count()).select_from(
    select(Message.id)
    .join(ReadMark, and_(ReadMark.project_id == Message.project_id, ReadMark.user_id == _USER),
          isouter=True)
    .where(Message.project_id.in_(_mine(_USER)), _unread_condition(_USER))
    .limit(UNREAD_SHOWN + 1).subquery())


def unread_total(user_id: int) -> int:
    """Unread messages across the user's discussions, up to UNREAD_SHOWN + 1 (the sidebar's
    count, asked by every page: counting further would cost every page more)."""
    return db.session.scalar(_UNREAD_TOTAL, {"user_id": user_id}) or 0


# Each discussion's latest message; its time (or the project's creation) is the
# discussion's last activity, which the Discussions list sorts by.
LAST = (select(Message.project_id, func.max(Message.created_at).label("last_at"))
        .group_by(Message.project_id).subquery("last_messages"))
ACTIVITY = func.coalesce(LAST.c.last_at, Project.created_at)


def discussions_query(user_id: int):
    """The user's discussions (projects whose team discussion they take part in), with
    their last activity to sort by: the listing orders and pages it."""
    return (select(Project).join(LAST, LAST.c.project_id == Project.id, isouter=True)
            .where(Project.id.in_(_mine(user_id))))


def unread_counts(user_id: int, project_ids) -> dict[int, int]:
    """Unread messages of `user_id` in each of these projects' discussions."""
    rows = db.session.execute(
        select(Message.project_id, func.count(Message.id))
        .join(ReadMark, and_(ReadMark.project_id == Message.project_id,
                             ReadMark.user_id == user_id), isouter=True)
        .where(Message.project_id.in_(list(project_ids)), _unread_condition(user_id))
        .group_by(Message.project_id)).all()
    return dict(rows)
