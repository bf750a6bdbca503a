"""The staff's import target: a staff member per row (Name, Email, Phone), matched to an
existing one by email, whatever its case. Everything else is the importer's (imports/):
the upload, the check, fixing and skipping rows, the job, undo, the history."""
import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, insert, select, update

from ..db.search import search_text
from ..db.time import utcnow
from ..extensions import db
from ..imports import running, targets
from ..imports.models import ImportRow, RowStatus
from ..imports.reading import HEADER_NAMES
from ..projects.models import Assignment
from ..text import fold
from .forms import staff_errors
from .models import NAME_MAX, StaffMember

FIELDS = ("name", "email", "phone")  # the template's columns, and all an import reads
FIELD_LABELS = {"name": _l("Name"), "email": _l("Email"), "phone": _l("Phone")}
HEADERS = {
    "name": ("name", "nom", "fullname", "nomcomplet", "staffmember", "staffname", "employee",
             "employe", "membre", "prenomnom", "nometprenom"),
    "email": HEADER_NAMES["email"],
    "phone": HEADER_NAMES["phone"] + ("mobile", "portable", "cellphone"),
}

staff = StaffMember.__table__
rows_table = ImportRow.__table__


def email_key(value: str | None) -> str | None:
    """What makes two emails the same staff member's: case is ignored."""
    return value.strip().casefold() if value and value.strip() else None


def row_keys(values: dict) -> tuple:
    """(name_key, email key, look-alike key, search_text): what StaffMember.refresh_keys
    stores, so that a new member's row is inserted as it is."""
    name, email, phone = values.get("name"), values.get("email"), values.get("phone")
    name_key = fold(name)[:NAME_MAX]
    return name_key, email_key(email), name_key, search_text(name, email, phone)


def owners(keys) -> dict:
    """{email key: (id, name)} of the staff members with those emails (every one with an
    email for None), the oldest first. Keyed in Python: a database's lower() differs from
    casefold() beyond ASCII, and the directory is small."""
    found = {}
    for member_id, email, name in db.session.execute(
            select(staff.c.id, staff.c.email, staff.c.name)
            .where(staff.c.email.is_not(None)).order_by(staff.c.id)):
        key = email_key(email)
        if key and (keys is None or key in keys):
            found.setdefault(key, (member_id, name))
    return found


def lookalikes(keys) -> dict:
    query = select(staff.c.name_key, staff.c.id, staff.c.name).order_by(staff.c.id)
    query = query.where(staff.c.name_key != "" if keys is None else staff.c.name_key.in_(keys))
    found = {}
    for key, member_id, name in db.session.execute(query):
        found.setdefault(key, (member_id, name))
    return found


def template():
    from ..imports.exporting import template_response

    return template_response(FIELDS, [_("Jane Doe"), "jane.doe@example.com", "+1 555 0100"],
                             "staff-import-template.csv")


def works_projects():
    return exists().where(Assignment.__table__.c.staff_id == staff.c.id)


def edited_since():
    return staff.c.version > 1


def record_keys(values: dict, member) -> dict:
    return {"name_key": fold(values["name"])[:NAME_MAX],
            "search_text": search_text(values["name"], values["email"], values["phone"],
                                       member.role)}


class StaffRun(running.Run):
    """Writes a checked staff import: the members matched by email updated (their values
    before kept for undo), then the new ones created, slice by slice."""

    def write_all(self) -> dict:
        fields = tuple(name for name in FIELDS if name in self.job.mapping)
        self.preflight()
        updated, unchanged = self.update_matched(fields)
        created = self.create_new()
        return {"created_count": created, "updated_count": updated,
                "unchanged_count": unchanged, "done_rows": self.done}

    def _rows(self, conn, statuses, *columns):
        return conn.execute(select(rows_table.c.line, *columns).where(
            rows_table.c.job_id == self.job.id, rows_table.c.status.in_(statuses))
            .order_by(rows_table.c.line)).all()

    def _new_statuses(self) -> list:
        return [RowStatus.NEW] + ([RowStatus.DUPLICATE] if self.job.create_duplicates else [])

    def preflight(self) -> None:
        """A new row's email taken by a member added since the check, or a member to update
        deleted since: the run stops before writing anything."""
        with db.engine.connect() as conn:
            new = self._rows(conn, self._new_statuses(), rows_table.c.email,
                             rows_table.c.code_key)
            matched = self._rows(conn, (RowStatus.UPDATE, RowStatus.SAME),
                                 rows_table.c.client_id)
            existing = {member_id for (member_id,) in conn.execute(select(staff.c.id).where(
                staff.c.id.in_({row.client_id for row in matched})))} if matched else set()
        taken = owners({row.code_key for row in new if row.code_key}) if new else {}
        clash = [row for row in new if row.code_key in taken]
        if clash:
            raise running.Conflict("code_taken", lines=[row.line for row in clash[:5]],
                                   value=clash[0].email, name=taken[clash[0].code_key][1])
        gone = [row.line for row in matched if row.client_id not in existing]
        if gone:
            raise running.Conflict("client_gone", lines=gone[:5])

    def update_matched(self, fields: tuple) -> tuple[int, int]:
        with db.engine.connect() as conn:
            stored = self._rows(conn, (RowStatus.UPDATE, RowStatus.SAME), rows_table.c.client_id,
                                *(rows_table.c[name] for name in fields))
        updated = 0
        for start in range(0, len(stored), running.UPDATE_SLICE):
            piece = stored[start:start + running.UPDATE_SLICE]
            with self.transaction() as conn:
                updated += self._update_piece(conn, piece, fields)
                self.slice_done(conn, len(piece))
            self.after_slice()
        return updated, len(stored) - updated

    def _update_piece(self, conn, piece, fields: tuple) -> int:
        query = select(staff).where(staff.c.id.in_([row.client_id for row in piece]))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        current = {member.id: member for member in conn.execute(query)}
        now, changed, befores = utcnow(), 0, []
        for row in piece:
            member = current.get(row.client_id)
            if member is None:
                raise running.Conflict("client_gone", lines=[row.line])
            values = {name: getattr(member, name) for name in FIELDS}
            before = {}
            for name in fields:
                value = row._mapping[name]
                if value is None and self.job.keep_empty:
                    continue  # as the check said: an empty cell keeps the value
                if name == "email" and email_key(value) == email_key(values[name]):
                    continue  # the email it was matched by, whatever its case
                if value != values[name]:
                    before[name], values[name] = values[name], value
            befores.append({"b_line": row.line, "b_before": before or None,
                            "b_status": RowStatus.UPDATE if before else RowStatus.SAME})
            if not before:
                continue
            done = conn.execute(
                update(staff).where(staff.c.id == member.id, staff.c.version == member.version)
                .values(**values, **record_keys(values, member), updated_at=now,
                        version=staff.c.version + 1)).rowcount
            if done != 1:
                raise running.Conflict("changed_meanwhile")
            changed += 1
        conn.execute(
            update(rows_table)
            .where(rows_table.c.job_id == self.job.id, rows_table.c.line == bindparam("b_line"))
            .values(before=bindparam("b_before", type_=rows_table.c.before.type),
                    status=bindparam("b_status")), befores)
        return changed

    def create_new(self) -> int:
        job = self.job
        with db.engine.connect() as conn:
            stored = self._rows(conn, self._new_statuses(), rows_table.c.name,
                                rows_table.c.email, rows_table.c.phone, rows_table.c.name_key,
                                rows_table.c.search_text)
        created = 0
        size = running.SliceSize(running.CREATE_SLICE)
        start = 0
        while start < len(stored):
            piece = stored[start:start + size.size]
            began = time.perf_counter()
            now = utcnow()
            with self.transaction() as conn:
                conn.execute(insert(staff), [
                    {"name": row.name, "email": row.email, "phone": row.phone,
                     "name_key": row.name_key, "search_text": row.search_text, "active": True,
                     "created_at": now, "updated_at": now, "version": 1,
                     "import_job_id": job.id} for row in piece])
                self.slice_done(conn, len(piece))
            size.took(time.perf_counter() - began)
            created += len(piece)
            start += len(piece)
            self.after_slice()
        return created


STAFF = targets.register(targets.ImportTarget(
    name="staff", fields=FIELDS, record_fields=FIELDS, header_names=HEADERS,
    field_labels=FIELD_LABELS, key_field="email", key=email_key, row_keys=row_keys,
    row_errors=staff_errors, model=StaffMember, owners=owners, lookalikes=lookalikes,
    writer=lambda: StaffRun,
    messages={
        "code_twice": lambda detail, values: _("This email is also on line %(line)s.",
                                               line=detail.get("line")),
        "code_used": lambda detail, values: _(
            "The email %(email)s is already used by %(name)s.",
            email=values.get("email") or "", name=detail.get("name")),
        "similar": lambda detail, values: _("Looks like the existing staff member %(name)s.",
                                            name=detail.get("name")),
        "similar_line": lambda detail, values: _(
            "Looks like the staff member on line %(line)s.", line=detail.get("line")),
    },
    record_endpoint="staff.profile", record_arg="staff_id", list_endpoint="staff.list_staff",
    template=template, kept=works_projects, touched=edited_since, record_keys=record_keys,
))
