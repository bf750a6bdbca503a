"""Downloading a document: signed-in users only (the app's gate), always as an attachment
with the type its content proved and nosniff, so a browser never renders it in place."""
import os

from flask import Blueprint, abort, send_file
from flask_babel import format_decimal, lazy_gettext as _l

from ..extensions import db
from . import storage
from .models import Document

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<id:document_id>")
def download(document_id: int):
    doc = db.get_or_404(Document, document_id)
    path = storage.path_of(doc.file)
    if not os.path.exists(path):  # lost from the disk (a restore without its uploads)
        abort(404)
    mimetype = doc.file.content_type
    if mimetype.startswith("text/"):
        mimetype += "; charset=" + storage.text_charset(path)
    response = send_file(path, mimetype=mimetype,
                         as_attachment=True,
                         download_name=storage.download_name(doc.name, doc.file.content_type), conditional=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_filter("filesize")
def filesize(size) -> str:
    size = int(size or 0)
    if size < 1024:
        return str(_l("%(num)s bytes", num=size))
    if size < 1024 * 1024:
        return str(_l("%(num)s KB", num=format_decimal(round(size / 1024, 1))))
    return str(_l("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1))))


@bp.app_template_filter("document_type")
def document_type(content_type: str) -> str:
    return str(storage.TYPE_NAMES.get(content_type, content_type))
