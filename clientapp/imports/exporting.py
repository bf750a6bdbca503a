"""CSV out: the import template, the client list export, the rows that still have errors.

Every file is UTF-8 with a BOM (so Excel shows accents) and every cell is neutralised
against formula injection (reading.neutralise), which the import takes back, so an export
imported again with "Update clients matched by Code" changes nothing.
"""
import csv
import io
from datetime import date

from flask import Response, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import select

from ..clients.models import Client
from ..clients.services import CLIENTS, client_query, ordered
from ..extensions import db
from .checking import FIELD_LABELS, TYPE_LABELS, issue_message
from .models import ImportIssue, ImportJob, ImportRow
from .reading import FIELDS, neutralise

BOM = "\ufeff"
HEADERS = {"name": "Name", "code": "Code", "address": "Address", "email": "Email",
           "phone": "Phone", "type": "Type"}
TEMPLATE_FIELDS = ("name", "code", "address")


def _csv_line(cells) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def _download(body, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response() -> Response:
    example = [_("Example Company Inc."), "EX-001", _("1 Main Street, Springfield")]
    body = BOM + _csv_line([HEADERS[name] for name in TEMPLATE_FIELDS]) + _csv_line(example)
    return _download(body.encode("utf-8"), "client-import-template.csv")


def type_label(value: str | None) -> str:
    label = TYPE_LABELS.get(value)
    return str(label) if label else (value or "")


def export_response(args) -> Response:
    """The clients of the list view these query args describe, in its order."""
    params = CLIENTS.params(args)
    query = ordered(client_query(params), params.sort).with_only_columns(
        Client.name, Client.code, Client.address, Client.email, Client.phone, Client.type)

    def generate():
        yield (BOM + _csv_line([HEADERS[name] for name in FIELDS])).encode("utf-8")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        result = db.session.execute(query.execution_options(yield_per=2000))
        for partition in result.partitions():
            for name, code, address, email, phone, kind in partition:
                writer.writerow([neutralise(name), neutralise(code), neutralise(address),
                                 neutralise(email), neutralise(phone),
                                 neutralise(type_label(kind))])
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()

    suffix = {"active": "", "archived": "-archived", "all": "-all"}[params.view]
    return _download(stream_with_context(generate()),
                     f"clients{suffix}-{date.today().isoformat()}.csv")


def error_rows_response(job: ImportJob) -> Response:
    """The rows that still have errors, in the file's own columns, with what is wrong."""
    headers = job.headers
    mapping = job.mapping
    fields = sorted(mapping, key=mapping.get)  # the file's column order
    columns = [(headers[mapping[name]] if mapping[name] < len(headers) else "") or HEADERS[name]
               for name in fields]

    def generate():
        yield (BOM + _csv_line(columns + [_("Errors")])).encode("utf-8")
        rows = db.session.scalars(select(ImportRow).where(
            ImportRow.job_id == job.id, ImportRow.status == "error").order_by(ImportRow.line)
            .execution_options(yield_per=1000))
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 1000:
                yield _error_lines(job, fields, batch).encode("utf-8")
                batch = []
        if batch:
            yield _error_lines(job, fields, batch).encode("utf-8")

    return _download(stream_with_context(generate()), f"import-{job.id}-errors.csv")


def _error_lines(job, fields, rows) -> str:
    issues = db.session.scalars(select(ImportIssue).where(
        ImportIssue.job_id == job.id, ImportIssue.kind == "error",
        ImportIssue.line.in_([row.line for row in rows])).order_by(ImportIssue.id)).all()
    by_line = {}
    for issue in issues:
        by_line.setdefault(issue.line, []).append(issue)
    out = []
    for row in rows:
        values = {name: getattr(row, name) for name in fields}
        shown = dict(values, type=type_label(values["type"])) if "type" in values else values
        reasons = "; ".join(
            _("Line %(line)s, %(field)s: %(reason)s", line=row.line,
              field=FIELD_LABELS[issue.field] if issue.field else "",
              reason=issue_message(issue, values))
            for issue in by_line.get(row.line, []))
        out.append(_csv_line([shown[name] or "" for name in fields] + [reasons]))
    return "".join(out)
