"""Staff queries and writes. Writes flush and record their event; the route commits."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from ..activity import record
from ..db import search
from ..extensions import db
from ..listing import Filter, Listing, Sort
from ..text import fold
from .models import NAME_MAX, StaffMember

STAFF = Listing(
    endpoint="staff.list_staff",
    sorts=(Sort("name", (StaffMember.name_key,)),),
    tiebreak=StaffMember.id,
    # The Active tab, the Inactive tab.
    filters=(Filter("view", ("active", "inactive")),),
)

# Event kinds of this feature (clientapp/activity keeps the clients' own).
STAFF_CREATED = "staff.created"
STAFF_EDITED = "staff.edited"
STAFF_DEACTIVATED = "staff.deactivated"
STAFF_REACTIVATED = "staff.reactivated"


def staff_query(params):
    query = select(StaffMember).where(StaffMember.active.is_(params.view == "active"))
    if params.q:
        query = search.matching(query, StaffMember, params.q)
    return query


def list_page(params):
    return STAFF.paginate(staff_query(params), params)


def create_staff(values: dict) -> StaffMember:
    member = StaffMember(**values)
    db.session.add(member)
    db.session.flush()
    record(STAFF_CREATED, None, staff_id=member.id, name=member.name)
    return member


def update_staff(member: StaffMember, values: dict) -> dict:
    """Set `values`, flush (StaleDataError when someone saved first), record what changed."""
    changes = {name: [getattr(member, name), value] for name, value in values.items()
               if getattr(member, name) != value}
    if changes:
        for name, (_old, value) in changes.items():
            setattr(member, name, value)
        db.session.flush()
        record(STAFF_EDITED, None, staff_id=member.id, name=member.name, changes=changes)
    return changes


def set_active(member: StaffMember, active: bool) -> bool:
    """Deactivate or reactivate; True when it changed. Whatever someone else saved
    meanwhile, the user asked for this state: a stale version is read again and redone."""
    for _attempt in range(3):
        if member.active == active:
            return False
        try:
            with db.session.begin_nested():
                member.active = active
                db.session.flush()
        except StaleDataError:
            db.session.refresh(member)
            continue
        record(STAFF_REACTIVATED if active else STAFF_DEACTIVATED, None,
               staff_id=member.id, name=member.name)
        return True
    raise StaleDataError("the staff member kept changing")


def namesakes(name: str | None, email: str | None, exclude_id: int | None = None) -> list:
    """The other staff members with this name (accents and case aside) or this email (case
    aside), by name: a new one like them is added all the same, with a word about them."""
    clauses = [StaffMember.name_key == fold(name)[:NAME_MAX]] if name else []
    if email:
        clauses.append(func.lower(StaffMember.email) == email.strip().lower())
    if not clauses:
        return []
    query = select(StaffMember).where(or_(*clauses))
    if exclude_id is not None:
        query = query.where(StaffMember.id != exclude_id)
    return db.session.scalars(query.order_by(StaffMember.name_key, StaffMember.id)
                              .limit(5)).all()


def upcoming_projects(member: StaffMember, day, limit: int = 5) -> tuple[list, int]:
    """(the first `limit` projects `member` works that have not ended by `day`, by start;
    how many in all): what deactivating them leaves staffed."""
    from ..projects.models import Assignment, Project

    query = (select(Project).join(Assignment, Assignment.project_id == Project.id)
             .where(Assignment.staff_id == member.id, Project.archived_at.is_(None),
                    or_(Project.start_date.is_(None),  # no dates yet: upcoming
                        func.coalesce(Project.end_date, Project.start_date) >= day)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    found = db.session.scalars(query.order_by(Project.start_date.asc().nulls_last(), Project.id).limit(limit)).all()
    return found, total
