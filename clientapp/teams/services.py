"""Management teams: a client's, and each project's (a copy of its client's when it was
created). Services flush; routes commit. A change to a client's team is recorded on its
timeline, in the same transaction."""
import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select

from ..activity import EventKind, record
from ..auth.models import User
from ..extensions import db
from ..projects.models import Project
from .models import ROLE_MAX, ClientTeamMember, ProjectTeamChange, ProjectTeamMember

MODELS = {"client": (ClientTeamMember, "client_id"), "project": (ProjectTeamMember, "project_id")}
_NAMED_EMAIL = re.compile(r"<([^<>]+)>\s*$")


def _model(kind: str):
    model, column = MODELS[kind]
    return model, getattr(model, column)


def members(kind: str, owner_id: int) -> list:
    model, owner = _model(kind)
    return db.session.scalars(select(model).join(User, User.id == model.user_id)
                              .where(owner == owner_id).order_by(User.name, User.id)).all()


def member(kind: str, owner_id: int, user_id: int):
    model, _owner = _model(kind)
    return db.session.get(model, (owner_id, user_id))


def candidates(kind: str, owner_id: int) -> list[User]:
    """Active users not on the team yet: what the Member field offers."""
    model, owner = _model(kind)
    taken = select(model.user_id).where(owner == owner_id)
    return db.session.scalars(select(User).where(User.active.is_(True), User.id.not_in(taken))
                              .order_by(User.name, User.id)).all()


def find_user(text: str | None) -> tuple[User | None, str | None]:
    """The user a Member field names: "Name <email>" as offered, an email, or a name that
    only one user has; else the reason none is found."""
    text = (text or "").strip()
    if not text:
        return None, _("Choose a user by name or email.")
    named = _NAMED_EMAIL.search(text)
    email = (named.group(1) if named else text).strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None and not named:
        found = db.session.scalars(select(User).where(func.lower(User.name) == text.lower())
                                   .limit(2)).all()
        if len(found) > 1:
            return None, _("Several users are called “%(name)s”: choose by email.", name=text)
        user = found[0] if found else None
    if user is None:
        return None, _("No user has this name or email.")
    if not user.active:
        return None, _("%(name)s is deactivated and cannot join a team.", name=user.name)
    return user, None


def clean_role(role: str | None) -> tuple[str | None, str | None]:
    role = " ".join((role or "").split()) or None
    if role and len(role) > ROLE_MAX:
        return role, _("Use at most %(n)s characters.", n=ROLE_MAX)
    return role, None


def _changed(kind: str, owner) -> None:
    """A project's team changed by hand is its own from now on."""
    if kind == "project" and db.session.get(ProjectTeamChange, owner.id) is None:
        db.session.add(ProjectTeamChange(project_id=owner.id))
        db.session.flush()


def add(kind: str, owner, user: User, role: str | None = None, in_discussions: bool = True):
    model, _owner = _model(kind)
    added = model(**{MODELS[kind][1]: owner.id}, user_id=user.id, role=role,
                  in_discussions=in_discussions)
    db.session.add(added)
    db.session.flush()
    _changed(kind, owner)
    if kind == "client":
        record(EventKind.TEAM_MEMBER_ADDED, owner, user=user.id, name=user.name, role=role)
    return added


def change(kind: str, owner, item, role: str | None, in_discussions: bool) -> bool:
    """Set the member's role and switch; False when nothing changed."""
    changes = {}
    if item.role != role:
        changes["role"] = [item.role, role]
    if item.in_discussions != in_discussions:
        changes["in_discussions"] = [item.in_discussions, in_discussions]
    if not changes:
        return False
    item.role, item.in_discussions = role, in_discussions
    db.session.flush()
    _changed(kind, owner)
    if kind == "client":
        record(EventKind.TEAM_MEMBER_CHANGED, owner, user=item.user_id, name=item.user.name,
               changes=changes)
    return True


def remove(kind: str, owner, item) -> None:
    name, user_id = item.user.name, item.user_id
    db.session.delete(item)
    db.session.flush()
    _changed(kind, owner)
    if kind == "client":
        record(EventKind.TEAM_MEMBER_REMOVED, owner, user=user_id, name=name)


def copy_client_team(client_id: int | None, project_id: int) -> None:
    """A new project starts with its client's team, switches included."""
    if client_id is None:
        return
    for source in members("client", client_id):
        db.session.add(ProjectTeamMember(project_id=project_id, user_id=source.user_id,
                                         role=source.role, in_discussions=source.in_discussions))
    db.session.flush()


def upcoming_projects(client_id: int, today: date) -> tuple[list[Project], list[Project]]:
    """The client's projects that have not started: those "Apply to upcoming projects" gives
    the client's team to, and those it leaves alone (their team was changed by hand)."""
    projects = db.session.scalars(
        select(Project).where(Project.client_id == client_id, Project.archived_at.is_(None),
                              or_(Project.start_date.is_(None), Project.start_date > today))
        .order_by(Project.start_date.nulls_last(), Project.id)).all()
    changed = set(db.session.scalars(select(ProjectTeamChange.project_id).where(
        ProjectTeamChange.project_id.in_([p.id for p in projects]))))
    return ([p for p in projects if p.id not in changed],
            [p for p in projects if p.id in changed])


def apply_to_upcoming(client, today: date) -> int:
    """Give the client's current team to each of its upcoming projects whose team nobody
    changed, in place of the one they got at creation."""
    projects, _kept = upcoming_projects(client.id, today)
    for project in projects:
        db.session.execute(delete(ProjectTeamMember)
                           .where(ProjectTeamMember.project_id == project.id))
        copy_client_team(client.id, project.id)
    record(EventKind.TEAM_APPLIED, client, projects=len(projects))
    return len(projects)
